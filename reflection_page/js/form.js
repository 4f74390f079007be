// Reading, filling and checking the reflection form. Messages are shown next to each field
// (aria-invalid + aria-describedby already point at the error element).

import { say, unsay } from "./i18n.js";

export const QUESTIONS = ["went_well", "hardest", "would_help"];

const form = () => document.getElementById("reflection-form");

export function readForm() {
  const fields = form().elements;
  return {
    offeringId: fields.offering.value,
    answers: Object.fromEntries(QUESTIONS.map((name) => [name, fields[name].value])),
    rating: fields.rating.value,
  };
}

export function fillForm({ offeringId, answers = {}, rating }) {
  const fields = form().elements;
  for (const name of QUESTIONS) {
    fields[name].value = answers[name] ?? "";
  }
  fields.rating.value = rating ?? "";
  if (offeringId) {
    fields.offering.dataset.wanted = offeringId; // chosen once the offerings are loaded
    fields.offering.value = offeringId;
  }
}

export function resetForm() {
  form().reset();
  delete form().elements.offering.dataset.wanted;
}

export function isBlank({ answers, rating }) {
  return !rating && QUESTIONS.every((name) => !answers[name].trim());
}

// Characters as the API counts them (code points): an emoji is one, not two UTF-16 units.
export function characterCount(text) {
  return [...text].length;
}

// [field id, message key, args] for every problem, in the order the fields appear.
export function problems({ offeringId, answers, rating }, { needOffering }) {
  const found = [];
  if (needOffering && !offeringId) {
    found.push(["offering", "error.offering", {}]);
  }
  for (const name of QUESTIONS) {
    const area = document.getElementById(name);
    const min = Number(area.dataset.minLength);
    const max = Number(area.dataset.maxLength);
    const count = characterCount(answers[name].trim());
    if (count === 0) {
      found.push([name, "error.required", {}]);
    } else if (count < min) {
      found.push([name, "error.too_short", { min, count }]);
    } else if (count > max) {
      found.push([name, "error.too_long", { max, count }]);
    }
  }
  if (!rating) {
    found.push(["rating", "error.rating", {}]);
  }
  return found;
}

export function showProblems(found, fieldIds) {
  for (const id of fieldIds) {
    markValid(id);
  }
  for (const [id, key, args] of found) {
    document.getElementById(id).setAttribute("aria-invalid", "true");
    const message = document.getElementById(`${id}-error`);
    say(message, key, args);
    message.hidden = false;
  }
  if (found.length) {
    focusField(found[0][0]);
  }
}

export function markValid(id) {
  document.getElementById(id).removeAttribute("aria-invalid");
  const message = document.getElementById(`${id}-error`);
  unsay(message);
  message.hidden = true;
}

function focusField(id) {
  const field = document.getElementById(id);
  if (field.tagName === "FIELDSET") {
    (field.querySelector("input:checked") ?? field.querySelector("input")).focus();
  } else {
    field.focus();
  }
}
