// Filing or changing one week's log: the checklist, the roster's attendance and the notes.
// What is typed goes to a draft at once; a save sends If-Match, and when someone else saved
// first (412, or 409 for a log filed meanwhile) the page shows what they changed and lets the
// user put their own edits back on top of it.

import * as api from "./api.js";
import { clearDraft, clockTime, readDraft, writeDraft } from "./drafts.js";
import { say, unsay } from "./i18n.js";

export const CHECKLIST = [
  "formative_one_grading",
  "formative_two_grading",
  "summative_grading",
  "course_moderation",
  "intranet_sync",
  "grade_book_status",
];
const STATUSES = ["Done", "Pending", "Not Started"];
const ATTENDANCE = ["present", "absent", "excused"];
const BLANK = {
  items: Object.fromEntries(CHECKLIST.map((item) => [item, "Not Started"])),
  notes: "",
  attendance: {},
};
const ANNOUNCE_PAUSE_MS = 800;

const $ = (id) => document.getElementById(id);
let week = null; // what is open: see open()
let conflict = null; // the version saved by someone else: { values, etag, logId }
let announce;

function element(tag, attributes = {}) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value);
  }
  return node;
}

// --- the form ---------------------------------------------------------------------------------

// The six checklist selects, built once.
export function buildChecklist() {
  const list = $("checklist-items");
  for (const item of CHECKLIST) {
    const field = element("div", { class: "field" });
    const label = say(element("label", { for: `item-${item}` }), `item.${item}`);
    const select = element("select", {
      id: `item-${item}`,
      name: item,
      "aria-describedby": `item-${item}-error`,
    });
    for (const status of STATUSES) {
      select.add(say(new Option("", status), `status.${status}`));
    }
    const error = element("p", { id: `item-${item}-error`, class: "error", hidden: "" });
    field.append(label, select, error);
    list.append(field);
  }
}

function buildRoster(students, atRisk, highlighted) {
  const list = $("roster");
  list.replaceChildren();
  for (const student of students) {
    const row = element("li", { class: "student", id: `student-${student.id}` });
    const group = element("fieldset", { class: "attendance" });
    const legend = element("legend");
    const name = element("span", { translate: "no" });
    name.textContent = student.name;
    legend.append(name);
    if (atRisk.has(student.id)) {
      row.classList.add("at-risk");
      legend.append(" ", say(element("span", { class: "marker" }), "at_risk.marker"));
    }
    const choices = element("div", { class: "choices" });
    for (const status of ATTENDANCE) {
      const id = `attendance-${student.id}-${status}`;
      const choice = element("span", { class: "choice" });
      const radio = element("input", { type: "radio", id, name: `attendance-${student.id}`, value: status });
      choice.append(radio, say(element("label", { for: id }), `attendance.${status}`));
      choices.append(choice);
    }
    group.append(legend, choices);
    row.append(group);
    if (student.id === highlighted) {
      row.classList.add("highlighted");
    }
    list.append(row);
  }
  $("roster-empty").hidden = students.length > 0;
  $("all-present").hidden = students.length === 0;
}

function readForm() {
  const form = $("log-form").elements;
  const attendance = {};
  for (const student of week.roster) {
    const status = form[`attendance-${student.id}`]?.value;
    if (status) {
      attendance[student.id] = status;
    }
  }
  return {
    items: Object.fromEntries(CHECKLIST.map((item) => [item, form[item].value])),
    notes: form.notes.value,
    attendance,
  };
}

function fillForm(values) {
  const form = $("log-form").elements;
  for (const item of CHECKLIST) {
    form[item].value = values.items[item];
  }
  form.notes.value = values.notes;
  for (const student of week.roster) {
    for (const radio of document.getElementsByName(`attendance-${student.id}`)) {
      radio.checked = values.attendance[student.id] === radio.value;
    }
  }
  countAttendance();
}

function countAttendance() {
  const taken = Object.values(readForm().attendance);
  const count = (status) => taken.filter((given) => given === status).length;
  say($("roster-count"), "roster.count", {
    present: count("present"),
    absent: count("absent"),
    excused: count("excused"),
    untaken: week.roster.length - taken.length,
  });
}

// A log as the form holds it.
function valuesOf(log) {
  return {
    items: Object.fromEntries(CHECKLIST.map((item) => [item, log[item]])),
    notes: log.notes ?? "",
    attendance: Object.fromEntries(log.attendance.map((entry) => [entry.student_id, entry.status])),
  };
}

// --- opening a week ---------------------------------------------------------------------------

// `context`: { user, offering, week (from the weeks list), zone, roster, atRisk (Set of ids),
// log ({ body, etag } or null), highlighted (a student id or null), asManager, onSaved (called
// with the log as now saved; answers the week as the server now sees it), onSessionEnded }.
export function open(context) {
  week = { ...context, logId: context.log?.body.id ?? null, etag: context.log?.etag ?? null };
  week.dirty = false; // true once the form holds something the server does not
  week.base = context.log ? valuesOf(context.log.body) : BLANK;
  conflict = null;
  $("conflict").hidden = true;
  const { offering } = context;
  say($("editor-heading"), "editor.heading", { code: offering.module.code, week: week.week.week_number });
  describeWeek();
  buildRoster(week.roster, week.atRisk, week.highlighted);
  clearProblems();
  fillForm(week.base);
  const draft = readDraft(...draftKey());
  const time = draft && clockTime(new Date(draft.savedAt));
  const unsavable = $("unsavable-draft");
  unsavable.hidden = !(draft && week.readOnly);
  unsay(unsavable);
  if (draft && week.readOnly) {
    // Typed before the week turned read-only: shown, so that it is not thought lost, until
    // it is discarded.
    fillForm(draft.values);
    say(unsavable, "draft.read_only", { time });
    unsay($("draft-status"));
  } else if (draft) {
    week.base = draft.base;
    week.etag = draft.etag;
    week.logId = draft.logId;
    week.dirty = true;
    fillForm(draft.values);
    say($("draft-status"), "draft.restored", { time });
  } else {
    unsay($("draft-status"));
  }
  $("discard").hidden = !draft;
}

function draftKey() {
  return [week.user.id, week.offering.id, week.week.week_number];
}

// What the week is: locked, read-only, filed (when) or new; and who files it.
function describeWeek() {
  const { state, editable, submitted_at: submitted } = week.week;
  week.readOnly = !editable;
  $("log-fields").disabled = week.readOnly;
  $("save").hidden = week.readOnly;
  const notice = $("week-notice");
  notice.classList.toggle("locked", state === "locked" || week.readOnly);
  const locked = { date: { at: week.week.locks_at, zone: week.zone } };
  if (state === "locked") {
    say(notice, editable ? "editor.locked_manager" : "editor.locked", locked);
  } else if (!editable) {
    say(notice, "editor.read_only");
  } else if (week.logId && submitted) {
    say(notice, "editor.filed", { submitted: { at: submitted, zone: week.zone } });
  } else {
    say(notice, "editor.new");
  }
  $("on-behalf").hidden = !(week.asManager && editable);
}

export function isOpen() {
  return week !== null;
}

export function close() {
  keepDraft();
  week = null;
}

// --- drafts -----------------------------------------------------------------------------------

function edited(event) {
  if (!week || week.readOnly) {
    return;
  }
  if (event.target.name?.startsWith("attendance-")) {
    countAttendance();
  }
  markValid(event.target.closest(".field, #attendance"));
  week.dirty = true;
  keepDraft();
}

function keepDraft() {
  if (!week || week.readOnly || !week.dirty) {
    return;
  }
  const { base, etag, logId } = week;
  const savedAt = writeDraft(...draftKey(), { values: readForm(), base, etag, logId });
  $("discard").hidden = false;
  clearTimeout(announce); // said once typing pauses, not at every key
  announce = setTimeout(
    () => say($("draft-status"), "draft.saved", { time: clockTime(savedAt) }),
    ANNOUNCE_PAUSE_MS,
  );
}

function discardDraft() {
  clearTimeout(announce);
  clearDraft(...draftKey());
  open({ ...week });
  say($("draft-status"), "draft.discarded");
}

function markAllPresent() {
  for (const student of week.roster) {
    $(`attendance-${student.id}-present`).checked = true;
  }
  countAttendance();
  week.dirty = true;
  keepDraft();
}

// --- saving -----------------------------------------------------------------------------------

function body(values) {
  const notes = values.notes.trim();
  return {
    ...values.items,
    notes: notes || null,
    attendance: Object.entries(values.attendance).map(([student, status]) => ({
      student_id: Number(student),
      status,
    })),
  };
}

async function save(event) {
  event.preventDefault();
  if (!week || week.readOnly) {
    return;
  }
  keepDraft(); // whatever happens next, what was typed is kept
  clearProblems();
  const values = readForm();
  const button = $("save");
  button.disabled = true;
  say($("save-status"), "save.sending");
  try {
    const answer = week.logId
      ? await api.changeLog(week.logId, week.etag, body(values))
      : await api.fileLog({
          allocation_id: week.offering.id,
          week_number: week.week.week_number,
          ...body(values),
        });
    await saved(answer);
  } catch (error) {
    await refused(error, values);
  } finally {
    button.disabled = false;
  }
}

async function saved(answer) {
  clearTimeout(announce);
  clearDraft(...draftKey());
  week.logId = answer.body.id;
  week.etag = answer.etag;
  week.base = valuesOf(answer.body);
  week.log = answer;
  week.dirty = false;
  $("discard").hidden = true;
  unsay($("draft-status"));
  say($("save-status"), "save.done", { week: week.week.week_number });
  await showLatestState();
}

// After a save the week's state, and whether it may still be changed, are the server's again.
async function showLatestState() {
  const shown = week;
  const latest = await shown.onSaved(shown.log);
  if (latest && week === shown) {
    week.week = latest;
    describeWeek();
  }
}

async function refused(error, values) {
  const status = $("save-status");
  if (error instanceof api.Offline) {
    say(status, "save.offline");
  } else if (error.status === 401) {
    say(status, "save.session_ended");
    week.onSessionEnded();
  } else if (error.status === 412 || (error.status === 409 && error.body?.errors?.existing_log_id)) {
    const logId = week.logId ?? error.body.errors.existing_log_id;
    await showConflict(logId, values);
    unsay(status);
  } else if (error.status === 422 && showProblems(error.body?.errors?.json)) {
    say(status, "save.fix");
  } else {
    say(status, "save.refused", { message: error.message });
  }
}

// --- field errors from the server -------------------------------------------------------------

const FIELD_ERRORS = {
  notes: "notes",
  attendance: "attendance",
  ...Object.fromEntries(CHECKLIST.map((item) => [item, `item-${item}`])),
};

// Every message of an error tree ({field: [messages]} or nested by index), flattened.
function messages(tree) {
  if (Array.isArray(tree)) {
    return tree.flatMap(messages);
  }
  if (tree && typeof tree === "object") {
    return Object.values(tree).flatMap(messages);
  }
  return [String(tree)];
}

// Each field the server names gets its message next to it; true if any did.
function showProblems(errors) {
  let first = null;
  for (const [field, tree] of Object.entries(errors ?? {})) {
    const id = FIELD_ERRORS[field];
    if (!id) {
      continue;
    }
    const message = $(`${id}-error`);
    message.textContent = messages(tree).join(" "); // the server's words, in the page's language
    message.hidden = false;
    const control = $(id);
    control.setAttribute("aria-invalid", "true");
    first ??= control;
  }
  (first?.tagName === "FIELDSET" ? first.querySelector("input, button") : first)?.focus();
  return first !== null;
}

function clearProblems() {
  for (const id of Object.values(FIELD_ERRORS)) {
    markValid($(id));
  }
}

function markValid(container) {
  const control = container?.matches?.("select, textarea, fieldset")
    ? container
    : container?.querySelector("select, textarea") ?? container;
  if (!control?.id) {
    return;
  }
  control.removeAttribute("aria-invalid");
  const message = $(`${control.id}-error`);
  if (message) {
    message.textContent = "";
    message.hidden = true;
  }
}

// --- someone else saved first -----------------------------------------------------------------

async function showConflict(logId, mine) {
  const latest = await api.log(logId);
  conflict = { values: valuesOf(latest.body), etag: latest.etag, logId, log: latest };
  const list = $("conflict-changes");
  list.replaceChildren();
  for (const [field, theirs, yours] of differences(week.base, conflict.values, mine)) {
    list.append(say(element("li"), "conflict.change", { field, theirs, yours }));
  }
  $("conflict").hidden = false;
  $("conflict-heading").focus();
}

const shown = (text) => (text ? text : { key: "value.empty" });
const attendanceText = (status) => (status ? { key: `attendance.${status}` } : { key: "value.empty" });

// What they changed, as [field, their value, your value] text arguments.
function differences(base, theirs, mine) {
  const found = [];
  for (const item of CHECKLIST) {
    if (theirs.items[item] !== base.items[item]) {
      const text = (status) => ({ key: `status.${status}` });
      found.push([{ key: `item.${item}` }, text(theirs.items[item]), text(mine.items[item])]);
    }
  }
  if (theirs.notes !== base.notes) {
    found.push([{ key: "notes.label" }, shown(theirs.notes), shown(mine.notes)]);
  }
  for (const student of week.roster) {
    const id = student.id;
    if (theirs.attendance[id] !== base.attendance[id]) {
      found.push([student.name, attendanceText(theirs.attendance[id]), attendanceText(mine.attendance[id])]);
    }
  }
  return found;
}

// Their version, with every field the user had changed from what they started with set back
// to the user's value.
function merged(base, theirs, mine) {
  const pick = (ours, started, latest) => (ours !== started ? ours : latest);
  const attendance = { ...theirs.attendance };
  for (const student of week.roster) {
    const id = student.id;
    const chosen = pick(mine.attendance[id], base.attendance[id], theirs.attendance[id]);
    if (chosen) {
      attendance[id] = chosen;
    } else {
      delete attendance[id];
    }
  }
  return {
    items: Object.fromEntries(
      CHECKLIST.map((item) => [item, pick(mine.items[item], base.items[item], theirs.items[item])]),
    ),
    notes: pick(mine.notes, base.notes, theirs.notes),
    attendance,
  };
}

function takeTheirs(keepMine) {
  const mine = readForm();
  const next = keepMine ? merged(week.base, conflict.values, mine) : conflict.values;
  week.base = conflict.values;
  week.etag = conflict.etag;
  week.logId = conflict.logId;
  week.log = conflict.log;
  conflict = null;
  $("conflict").hidden = true;
  fillForm(next);
  week.dirty = keepMine;
  if (keepMine) {
    keepDraft();
    say($("save-status"), "conflict.reapplied");
    $("save").focus();
  } else {
    clearDraft(...draftKey());
    $("discard").hidden = true;
    unsay($("save-status"));
    unsay($("draft-status"));
    showLatestState();
  }
}

export function listen() {
  const form = $("log-form");
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  form.addEventListener("submit", save);
  $("all-present").addEventListener("click", markAllPresent);
  $("discard").addEventListener("click", discardDraft);
  $("reapply").addEventListener("click", () => takeTheirs(true));
  $("keep-theirs").addEventListener("click", () => takeTheirs(false));
  window.addEventListener("pagehide", keepDraft);
}
