// The reflection page: language, draft auto-save, sign-in, validation, submission, download.

import * as api from "./api.js";
import { clearDraft, clockTime, giveDraft, readDraft, writeDraft } from "./draft.js";
import {
  QUESTIONS,
  fillForm,
  isBlank,
  markValid,
  problems,
  readForm,
  resetForm,
  showProblems,
} from "./form.js";
import { language, otherLanguage, say, startingLanguage, t, unsay, useLanguage } from "./i18n.js";

const AUTOSAVE_PAUSE_MS = 800; // after the student stops typing
const AUTOSAVE_EVERY_MS = 30_000; // and at least this often while they keep going
const REFLECTION_FIELDS = ["offering", ...QUESTIONS, "rating"];

const $ = (id) => document.getElementById(id);
let unsaved = false;
let pause;
// The student whose answers the form holds: their user id, or null for answers typed signed out.
// It changes only when someone else signs in, so an expired session keeps saving to its student.
let owner = null;

// --- draft ------------------------------------------------------------------------------------

function saveDraft() {
  clearTimeout(pause);
  if (!unsaved) {
    return;
  }
  unsaved = false;
  const values = readForm();
  if (isBlank(values)) {
    clearDraft(owner);
    unsay($("draft-status"));
    return;
  }
  const savedAt = writeDraft({ ...values, language: language() }, owner);
  say($("draft-status"), "status.draft_saved", { time: clockTime(savedAt) });
}

function edited(event) {
  unsaved = true;
  clearTimeout(pause);
  pause = setTimeout(saveDraft, AUTOSAVE_PAUSE_MS);
  const field = event.target.closest("fieldset") ?? event.target;
  if (field.getAttribute("aria-invalid") === "true") {
    markValid(field.id);
  }
}

function restoreDraft(draft) {
  fillForm(draft);
  const savedAt = new Date(draft.savedAt);
  say($("draft-status"), "status.draft_restored", { time: clockTime(savedAt) });
}

function clearDraftOnRequest() {
  if (!window.confirm(t("confirm.clear"))) {
    return;
  }
  clearTimeout(pause);
  unsaved = false;
  clearDraft(owner);
  emptyForm();
  say($("status"), "status.draft_cleared");
}

function emptyForm() {
  resetForm();
  showProblems([], REFLECTION_FIELDS);
  unsay($("draft-status"));
}

// A different student's answers are put away (kept for them), never shown to the one signing in,
// who gets their own draft back instead.
function becomeOwner(studentId) {
  if (owner === studentId) {
    return;
  }
  saveDraft(); // pending edits reach the previous owner's draft first
  const previous = owner;
  owner = studentId;
  if (previous === null && readDraft(null)) {
    giveDraft(studentId); // already on the form
    return;
  }
  emptyForm();
  const draft = readDraft(studentId);
  if (draft) {
    restoreDraft(draft);
  }
}

// --- language ---------------------------------------------------------------------------------

async function switchLanguage() {
  await useLanguage(otherLanguage());
  labelSwitch();
  unsaved = true; // the draft remembers its language
  saveDraft();
}

function labelSwitch() {
  $("language-switch").lang = otherLanguage(); // its text is in the language it switches to
}

// --- signing in -------------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const email = $("email").value.trim();
  const password = $("password").value;
  const found = [];
  if (!email) {
    found.push(["email", "error.email", {}]);
  }
  if (!password) {
    found.push(["password", "error.password", {}]);
  }
  showProblems(found, ["email", "password"]);
  if (found.length) {
    return;
  }
  try {
    const started = await api.signIn(email, password);
    $("password").value = "";
    if (await showSignedIn(started)) {
      $("offering").focus(); // the next thing to do
    }
  } catch (error) {
    tell(error, "signin.failed");
  }
}

async function showSignedIn(current) {
  if (!isStudent(current)) {
    say($("status"), "signin.not_student");
    await api.signOut(current.token); // revoked, not just forgotten
    return false;
  }
  becomeOwner(current.user.id);
  $("signin-form").hidden = true;
  $("signed-in").hidden = false;
  const name = `${current.user.first_name} ${current.user.last_name}`;
  say($("signed-in-as"), "signin.signed_in_as", { name });
  unsay($("status"));
  try {
    const [enrolments, reflections] = await Promise.all([
      api.myEnrolments(current.token),
      api.myReflections(current.token),
    ]);
    listOfferings(enrolments, new Set(reflections.map((reflection) => reflection.offering_id)));
  } catch (error) {
    tell(error, "status.session_ended");
  }
  return true;
}

// Every enrolment is listed; an offering the student has already reviewed (`reviewed`: ids)
// is marked so and cannot be chosen, the API taking one reflection per offering.
function listOfferings(enrolments, reviewed) {
  const select = $("offering");
  select.replaceChildren(select.options[0]);
  for (const { offering } of enrolments) {
    const option = new Option("", String(offering.id));
    say(option, "offering.option", {
      module: offering.module.code,
      name: offering.module.name,
      trimester: offering.trimester,
      year: offering.year,
    });
    if (reviewed.has(offering.id)) {
      showReviewed(option);
    }
    select.add(option);
  }
  select.value = select.dataset.wanted ?? "";
  if (select.selectedOptions[0]?.disabled) {
    select.value = ""; // a draft's offering reviewed since
  }
  describeOfferings();
}

function showReviewed(option) {
  option.disabled = true;
  say(option, "offering.reviewed", JSON.parse(option.dataset.i18nArgs));
}

function markReviewed(offeringId) {
  const option = [...$("offering").options].find((candidate) => candidate.value === offeringId);
  if (option) {
    showReviewed(option);
  }
  describeOfferings();
}

function describeOfferings() {
  const offerings = [...$("offering").options].slice(1); // after "Choose an offering"
  const hint = $("offering-hint");
  if (!offerings.length) {
    say(hint, "offering.none");
  } else if (offerings.every((option) => option.disabled)) {
    say(hint, "offering.all_reviewed");
  } else {
    unsay(hint);
  }
  hint.hidden = !hint.dataset.i18n;
}

function showSignedOut() {
  $("signin-form").hidden = false;
  $("signed-in").hidden = true;
  unsay($("signed-in-as"));
  const select = $("offering");
  select.replaceChildren(select.options[0]);
  say($("offering-hint"), "offering.signed_out");
  $("offering-hint").hidden = false;
}

const isStudent = (current) => current?.user.role === "student";

async function signOut() {
  const current = api.session();
  saveDraft();
  owner = null;
  emptyForm(); // kept for the student's next sign-in, not shown to whoever sits down next
  showSignedOut();
  $("email").focus();
  if (current) {
    await api.signOut(current.token);
  }
}

// --- submitting -------------------------------------------------------------------------------

async function submit(event) {
  event.preventDefault();
  unsaved = true;
  saveDraft(); // whatever happens next, what was typed is kept
  const current = api.session();
  const values = readForm();
  const found = problems(values, { needOffering: Boolean(current) });
  showProblems(found, REFLECTION_FIELDS);
  if (found.length) {
    say($("status"), "error.summary");
    return;
  }
  if (!current) {
    say($("status"), "status.signed_out");
    $("email").focus();
    return;
  }
  await send(current, values);
}

async function send(current, values) {
  const button = $("submit");
  button.disabled = true;
  say($("status"), "status.sending");
  try {
    await api.submitReflection(current.token, {
      offering_id: Number(values.offeringId),
      answers: Object.fromEntries(QUESTIONS.map((name) => [name, values.answers[name].trim()])),
      rating: Number(values.rating),
      language: language(),
    });
    clearDraft(owner);
    resetForm();
    markReviewed(values.offeringId);
    unsay($("draft-status"));
    say($("status"), "status.submitted");
  } catch (error) {
    if (error.status === 409) {
      markReviewed(values.offeringId); // from another tab or device
    }
    tell(error, "status.refused");
  } finally {
    button.disabled = false;
  }
}

// What went wrong, in the page's words; `otherwise` names the message for any other refusal.
function tell(error, otherwise) {
  const status = $("status");
  if (error instanceof api.Offline) {
    say(status, "status.offline");
  } else if (error.status === 401 && api.session()) {
    api.endSession();
    showSignedOut();
    say(status, "status.session_ended");
  } else if (error.status === 409) {
    say(status, "status.duplicate");
  } else {
    say(status, otherwise, { message: error.message });
  }
}

// --- download ---------------------------------------------------------------------------------

function download() {
  const text = (selector) => document.querySelector(selector).textContent;
  const lines = [t("page.title"), ""];
  const offering = $("offering").selectedOptions[0];
  if (offering?.value) {
    lines.push(text('label[for="offering"]'), offering.textContent, "");
  }
  for (const name of QUESTIONS) {
    lines.push(text(`label[for="${name}"]`), $(name).value.trim(), "");
  }
  const rating = document.querySelector('input[name="rating"]:checked');
  lines.push(text("#rating legend"), rating ? text(`label[for="${rating.id}"]`) : "", "");
  lines.push(t("download.written", { date: new Date().toLocaleDateString(language()) }));
  const file = new Blob([`${lines.join("\n")}\n`], { type: "text/plain;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(file);
  link.download = t("download.filename");
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// The bounds live on each answer (data-min-length, data-max-length); the hint repeats them.
function describeLimits() {
  for (const name of QUESTIONS) {
    const { minLength, maxLength } = $(name).dataset;
    say($(`${name}-hint`), "answer.hint", { min: minLength, max: maxLength });
  }
}

// --- start ------------------------------------------------------------------------------------

async function start() {
  describeLimits();
  const current = api.session(); // a reload keeps the tab's student signed in
  owner = isStudent(current) ? current.user.id : null;
  const draft = readDraft(owner);
  await useLanguage(startingLanguage(draft?.language));
  labelSwitch();
  if (draft) {
    restoreDraft(draft);
  }
  $("language-switch").addEventListener("click", switchLanguage);
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  const form = $("reflection-form");
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  form.addEventListener("submit", submit);
  $("download").addEventListener("click", download);
  $("clear").addEventListener("click", clearDraftOnRequest);
  for (const id of ["email", "password"]) {
    $(id).addEventListener("input", () => markValid(id));
  }
  setInterval(saveDraft, AUTOSAVE_EVERY_MS);
  window.addEventListener("pagehide", saveDraft);
  if (current) {
    await showSignedIn(current);
  }
  document.body.dataset.ready = "true"; // for tests: texts and draft are in place
}

start();
