// The facilitator's page: sign in, the weeks of each offering of a trimester with their state,
// filing a week (editor.js), students at risk, the calendar link, and deep links
// (#offering=<id>&week=<n>, #offering=<id>&student=<id>) that wait for the sign-in.

import * as api from "./api.js";
import * as editor from "./editor.js";
import { otherLanguage, say, startingLanguage, t, unsay, useLanguage } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const STAFF = ["facilitator", "manager"];
const ownZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const SHOWN_WEEK = "facilitator-week-shown"; // see keepShownWeek

let offerings = []; // of the facilitator shown, every trimester
let weeksOf = new Map(); // offering id → the weeks endpoint's answer
let atRiskOf = new Map(); // offering id → its students at risk
let shownFacilitator = null;

function element(tag, attributes = {}) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value);
  }
  return node;
}

const isManager = () => api.session()?.user.role === "manager";

// --- what went wrong --------------------------------------------------------------------------

function tell(error) {
  if (error instanceof api.Offline) {
    say($("status"), "save.offline");
  } else if (error.status === 401) {
    sessionEnded();
  } else {
    say($("status"), "status.loading_failed", { message: error.message });
  }
}

function sessionEnded() {
  editor.close();
  api.endSession();
  showSignedOut();
  say($("status"), "save.session_ended");
}

// --- signing in and out -----------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const email = $("email").value.trim();
  const password = $("password").value;
  const missing = [
    ["email", !email && "error.email"],
    ["password", !password && "error.password"],
  ];
  for (const [id, key] of missing) {
    $(id).setAttribute("aria-invalid", String(Boolean(key)));
    const message = $(`${id}-error`);
    message.hidden = !key;
    key ? say(message, key) : unsay(message);
  }
  const first = missing.find(([, key]) => key);
  if (first) {
    $(first[0]).focus();
    return;
  }
  const button = $("signin-form").querySelector("button[type=submit]");
  button.disabled = true;
  say($("status"), "signin.sending");
  try {
    const started = await api.signIn(email, password);
    $("password").value = "";
    if (!STAFF.includes(started.user.role)) {
      await api.signOut(started); // revoked, not just forgotten
      say($("status"), "signin.not_staff");
      return;
    }
    unsay($("status"));
    await showSignedIn();
    if (document.activeElement === document.body) {
      $("weeks-heading").focus(); // the form that had the focus is gone
    }
  } catch (error) {
    $("password").value = "";
    if (error instanceof api.Offline) {
      say($("status"), "save.offline");
    } else {
      say($("status"), "signin.failed", { message: error.message });
    }
  } finally {
    button.disabled = false;
  }
}

async function showSignedIn() {
  const { user } = api.session();
  $("signin").hidden = true;
  $("signed-in").hidden = false;
  say($("signed-in-as"), "signin.signed_in_as", { name: `${user.first_name} ${user.last_name}` });
  $("calendar").hidden = user.role !== "facilitator";
  $("manager-pick").hidden = user.role !== "manager";
  if (user.role === "manager") {
    await listFacilitators().catch(tell); // offline, the week kept in this tab is still shown
  }
  await route();
}

function showSignedOut() {
  $("signin").hidden = false;
  $("signed-in").hidden = true;
  $("weeks-view").hidden = true;
  $("editor").hidden = true;
  $("calendar").hidden = true;
  $("calendar-link").hidden = true;
  $("calendar-url").value = "";
  offerings = [];
  weeksOf = new Map();
  atRiskOf = new Map();
  shownFacilitator = null;
  sessionStorage.removeItem(SHOWN_WEEK);
}

async function signOut() {
  editor.close(); // the draft stays for the next sign-in
  const started = api.session();
  showSignedOut();
  unsay($("status"));
  $("email").focus();
  await api.signOut(started);
}

// --- whose weeks ------------------------------------------------------------------------------

async function listFacilitators() {
  const select = $("facilitator");
  select.replaceChildren(select.options[0]);
  const people = await api.facilitators();
  people.sort((a, b) => a.last_name.localeCompare(b.last_name) || a.first_name.localeCompare(b.first_name));
  for (const person of people) {
    const option = new Option(`${person.first_name} ${person.last_name}`, String(person.id));
    option.setAttribute("translate", "no");
    select.add(option);
  }
  select.value = sessionStorage.getItem("facilitator-shown") ?? "";
}

function chosenFacilitator() {
  return isManager() ? Number($("facilitator").value) || null : api.session().user.id;
}

async function loadOfferings() {
  const facilitator = chosenFacilitator();
  if (facilitator === shownFacilitator) {
    return;
  }
  weeksOf = new Map();
  atRiskOf = new Map();
  offerings = facilitator ? await api.offerings(isManager() ? facilitator : null) : [];
  shownFacilitator = facilitator; // only once loaded: offline, the next try loads them again
  listPeriods();
}

// The trimesters the offerings fall in, latest first; the one running today is chosen.
function listPeriods() {
  const periods = new Map();
  for (const offering of offerings) {
    const key = `${offering.year}-${offering.trimester}`;
    const period = periods.get(key) ?? { key, year: offering.year, trimester: offering.trimester, offerings: [] };
    period.offerings.push(offering);
    periods.set(key, period);
  }
  const sorted = [...periods.values()].sort((a, b) => b.year - a.year || b.trimester - a.trimester);
  const select = $("period");
  const kept = select.value;
  select.replaceChildren(
    ...sorted.map((period) => say(new Option("", period.key), "weeks.period", period)),
  );
  select.value = sorted.some((period) => period.key === kept) ? kept : currentPeriod(sorted);
}

function currentPeriod(periods) {
  const today = new Date().toISOString().slice(0, 10);
  const runs = (period, test) => period.offerings.some(test);
  const running = periods.find((period) =>
    runs(period, (offering) => offering.start_date <= today && today <= offering.end_date),
  );
  const begun = periods.find((period) => runs(period, (offering) => offering.start_date <= today));
  return (running ?? begun ?? periods.at(-1))?.key ?? "";
}

function periodOffering(offering) {
  $("period").value = `${offering.year}-${offering.trimester}`;
}

// --- the weeks --------------------------------------------------------------------------------

async function showWeeks(highlight = {}) {
  editor.close();
  $("editor").hidden = true;
  $("weeks-view").hidden = false;
  const shown = offerings.filter((offering) => `${offering.year}-${offering.trimester}` === $("period").value);
  const empty = $("weeks-empty");
  empty.hidden = shown.length > 0 || (isManager() && !chosenFacilitator());
  say(empty, offerings.length ? "weeks.none" : "weeks.no_offerings");
  $("period").closest(".field").hidden = offerings.length === 0;
  say($("status"), "weeks.loading");
  try {
    await Promise.all(shown.map(loadWeeks));
  } catch (error) {
    tell(error);
    return;
  }
  unsay($("status"));
  $("offerings").replaceChildren(...shown.map((offering) => offeringSection(offering, highlight)));
  describeZone(shown);
  const target = highlight.student && $(`at-risk-${highlight.offering}-${highlight.student}`);
  target?.focus();
}

async function loadWeeks(offering) {
  if (!weeksOf.has(offering.id)) {
    const [weeks, atRisk] = await Promise.all([api.weeks(offering.id), api.atRisk(offering.id)]);
    weeksOf.set(offering.id, weeks);
    atRiskOf.set(offering.id, atRisk);
  }
}

function describeZone(shown) {
  const zone = shown.length ? weeksOf.get(shown[0].id).timezone : null;
  const note = $("zone-note");
  if (!zone) {
    unsay(note);
  } else if (zone === ownZone) {
    say(note, "weeks.zone", { zone });
  } else {
    say(note, "weeks.zone_both", { zone, own: ownZone });
  }
}

function offeringSection(offering, highlight) {
  const { timezone, weeks } = weeksOf.get(offering.id);
  const section = element("section", { class: "offering", id: `offering-${offering.id}`, "aria-labelledby": `offering-${offering.id}-heading` });
  const heading = element("h3", { id: `offering-${offering.id}-heading` });
  say(heading, "offering.heading", { code: offering.module.code, name: offering.module.name });
  const details = say(element("p", { class: "hint" }), "offering.details", {
    class: offering.class.name,
    cohort: offering.cohort.name,
    intake: offering.intake,
  });
  const list = element("ol", { class: "weeks" });
  for (const week of weeks) {
    list.append(weekRow(offering, week, timezone));
  }
  section.append(heading, details, list, atRiskList(offering, highlight));
  return section;
}

function weekRow(offering, week, zone) {
  const row = element("li", { class: "week", "data-state": week.state, "data-week": week.week_number });
  const link = element("a", { href: `#offering=${offering.id}&week=${week.week_number}` });
  say(link, "week.label", { week: week.week_number });
  const state = say(element("span", { class: `state ${week.state}` }), `state.${week.state}`);
  row.append(link, state, dueLine(week, zone));
  return row;
}

// The deadline in the institution's zone, and in the viewer's when that is another.
function dueLine(week, zone) {
  const due = { at: week.due_at, zone };
  const line = element("span", { class: "due" });
  return zone === ownZone
    ? say(line, "week.due", { due })
    : say(line, "week.due_both", { due, own: { at: week.due_at, zone: ownZone } });
}

function atRiskList(offering, highlight) {
  const box = element("div", { class: "at-risk-list" });
  const heading = say(element("h4"), "at_risk.heading");
  const students = atRiskOf.get(offering.id);
  if (!students.length) {
    box.append(heading, say(element("p", { class: "hint" }), "at_risk.none"));
    return box;
  }
  const list = element("ul");
  for (const student of students) {
    const item = element("li", { id: `at-risk-${offering.id}-${student.student_id}`, tabindex: "-1" });
    if (offering.id === highlight.offering && student.student_id === highlight.student) {
      item.classList.add("highlighted");
    }
    const [first, second] = student.reasons.map((reason) => ({ key: `at_risk.${reason}` }));
    say(item, "at_risk.student", {
      name: `${student.first_name} ${student.last_name}`,
      reasons: second ? { key: "at_risk.two_reasons", args: { first, second } } : first,
      rate: Math.round(student.attendance_rate * 100),
    });
    list.append(item);
  }
  box.append(heading, list);
  return box;
}

// --- one week ---------------------------------------------------------------------------------

async function showWeek(offering, weekNumber, highlighted) {
  await loadWeeks(offering);
  const { timezone, weeks } = weeksOf.get(offering.id);
  const week = weeks.find((candidate) => candidate.week_number === weekNumber);
  if (!week) {
    return showWeeks();
  }
  say($("status"), "weeks.loading");
  const [roster, log] = await Promise.all([
    api.roster(offering.id, weekNumber),
    week.log_id ? api.log(week.log_id) : null,
  ]);
  unsay($("status"));
  openWeek({
    user: api.session().user,
    offering,
    week,
    zone: timezone,
    roster,
    atRisk: new Set(atRiskOf.get(offering.id).map((student) => student.student_id)),
    log,
    highlighted,
    asManager: isManager(),
  });
}

// `shown`: the week as editor.open takes it, without its callbacks.
function openWeek(shown) {
  keepShownWeek(shown);
  $("weeks-view").hidden = true;
  $("editor").hidden = false;
  const { offering } = shown;
  say($("editor-offering"), "offering.heading", { code: offering.module.code, name: offering.module.name });
  $("week-due").replaceChildren(dueLine(shown.week, shown.zone));
  editor.open({
    ...shown,
    onSaved: async (log) => {
      const latest = await reloadWeek(offering, shown.week.week_number);
      keepShownWeek({ ...shown, week: latest ?? shown.week, log });
      return latest;
    },
    onSessionEnded: sessionEnded,
  });
  $("editor-heading").focus();
}

// The week open in this tab is kept in sessionStorage, like the session itself (gone with the
// tab), so that a reload without a connection shows it again, with its draft, from the page's
// offline copy (sw.js) instead of an empty page.
function keepShownWeek(shown) {
  sessionStorage.setItem(SHOWN_WEEK, JSON.stringify({ ...shown, atRisk: [...shown.atRisk] }));
}

// The kept week if it is the one the address names, for the user signed in; else null.
function keptWeek(wanted) {
  let kept;
  try {
    kept = JSON.parse(sessionStorage.getItem(SHOWN_WEEK));
  } catch {
    return null;
  }
  const named =
    kept?.user.id === api.session()?.user.id &&
    kept.offering.id === wanted.offering &&
    kept.week.week_number === wanted.week;
  return named ? { ...kept, atRisk: new Set(kept.atRisk) } : null;
}

// The week as the server now sees it (a save may have changed its state, or locked it), or
// null if it cannot be read now (the list is read again when next shown).
async function reloadWeek(offering, weekNumber) {
  weeksOf.delete(offering.id);
  try {
    await loadWeeks(offering);
  } catch {
    return null;
  }
  return weeksOf.get(offering.id).weeks.find((week) => week.week_number === weekNumber);
}

// --- where the address points -----------------------------------------------------------------

function target() {
  const wanted = new URLSearchParams(window.location.hash.slice(1));
  const number = (name) => (/^\d+$/.test(wanted.get(name) ?? "") ? Number(wanted.get(name)) : null);
  return { offering: number("offering"), week: number("week"), student: number("student") };
}

async function route() {
  if (!api.session()) {
    return; // the address waits for the sign-in
  }
  try {
    const wanted = target();
    if (wanted.offering && isManager()) {
      await showFacilitatorOf(wanted.offering);
    }
    await loadOfferings();
    const offering = offerings.find((candidate) => candidate.id === wanted.offering);
    if (offering) {
      periodOffering(offering);
    }
    if (offering && wanted.week) {
      await showWeek(offering, wanted.week, wanted.student);
    } else {
      await showWeeks(offering ? wanted : {});
    }
  } catch (error) {
    const kept = error instanceof api.Offline && keptWeek(target());
    kept ? openWeek(kept) : tell(error);
  }
}

// A manager following a link to an offering sees its facilitator's weeks.
async function showFacilitatorOf(offeringId) {
  const offering = await api.offering(offeringId);
  if (offering.facilitator_id) {
    $("facilitator").value = String(offering.facilitator_id);
    sessionStorage.setItem("facilitator-shown", $("facilitator").value);
  }
}

async function chooseFacilitator() {
  sessionStorage.setItem("facilitator-shown", $("facilitator").value);
  await goTo("");
}

async function goTo(hash) {
  if (window.location.hash.slice(1) === hash) {
    await route();
  } else {
    window.location.hash = hash; // hashchange routes
  }
}

// --- calendar ---------------------------------------------------------------------------------

async function createFeed() {
  try {
    const feed = await api.createFeed();
    $("calendar-url").value = feed.url;
    $("calendar-link").hidden = false;
    say($("calendar-create"), "calendar.reset");
    say($("calendar-status"), "calendar.created");
    $("calendar-url").select();
  } catch (error) {
    tell(error);
  }
}

async function revokeFeed() {
  try {
    await api.revokeFeed();
    say($("calendar-status"), "calendar.revoked");
  } catch (error) {
    if (error.status !== 404) {
      return tell(error);
    }
    say($("calendar-status"), "calendar.none");
  }
  $("calendar-url").value = "";
  $("calendar-link").hidden = true;
  say($("calendar-create"), "calendar.create");
}

// --- start ------------------------------------------------------------------------------------

function showConnection() {
  $("connection").hidden = navigator.onLine;
}

async function switchLanguage() {
  await useLanguage(otherLanguage());
  $("language-switch").lang = otherLanguage(); // its text is in the language it switches to
}

async function start() {
  await useLanguage(startingLanguage());
  $("language-switch").lang = otherLanguage();
  editor.buildChecklist();
  editor.listen();
  $("language-switch").addEventListener("click", switchLanguage);
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  $("facilitator").addEventListener("change", chooseFacilitator);
  $("period").addEventListener("change", () => goTo(""));
  $("calendar-create").addEventListener("click", createFeed);
  $("calendar-revoke").addEventListener("click", revokeFeed);
  window.addEventListener("hashchange", route);
  window.addEventListener("online", showConnection);
  window.addEventListener("offline", showConnection);
  showConnection();
  // The page's offline copy; without one (a browser that has none) the page works online only.
  navigator.serviceWorker?.register("./sw.js", { scope: "./" }).catch(() => {});
  const current = api.session(); // a reload keeps the tab signed in
  if (current && STAFF.includes(current.user.role)) {
    await showSignedIn();
  }
  document.body.dataset.ready = "true"; // for tests: texts in place, the address followed
}

start();
