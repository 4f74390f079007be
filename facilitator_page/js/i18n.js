// Texts come from i18n/<language>.json, written from the Babel catalogues by `flask i18n
// compile`. Elements name their text by key: data-i18n (text) and data-i18n-args (JSON values
// for its placeholders). A value may itself need the language: {"at": ISO instant, "zone": IANA
// zone} is a moment written in that zone, {"key": …, "args": …} another text. Messages set at
// run time use the same attributes, so a language switch re-renders every one of them.

export const LANGUAGES = ["en", "fr"];
const REMEMBERED = "facilitator-language";
const LOCALES = { en: "en-GB", fr: "fr-FR" };

let texts = {};
let current = "en";

export function language() {
  return current;
}

export function t(key, args = {}) {
  const text = texts[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in args ? value(args[name]) : whole));
}

function value(given) {
  if (given !== null && typeof given === "object") {
    return "at" in given ? moment(given.at, given.zone) : t(given.key, given.args);
  }
  return String(given);
}

// A moment as people read it, in `zone`: "Mon 12 Jan 2026, 09:00" / "lun. 12 janv. 2026, 09:00".
export function moment(instant, zone) {
  return new Intl.DateTimeFormat(LOCALES[current], {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone,
  }).format(new Date(instant));
}

export async function useLanguage(wanted) {
  const chosen = LANGUAGES.includes(wanted) ? wanted : "en";
  const response = await fetch(new URL(`../i18n/${chosen}.json`, import.meta.url));
  texts = await response.json();
  current = chosen;
  localStorage.setItem(REMEMBERED, chosen);
  render();
}

// An explicit ?lang= wins (and is then remembered), then the remembered choice, the browser's
// languages, else English.
export function startingLanguage() {
  const address = new URL(window.location.href);
  const asked = address.searchParams.get("lang");
  if (asked !== null) {
    address.searchParams.delete("lang"); // a reload after a switch keeps the switch
    window.history.replaceState(window.history.state, "", address);
  }
  const candidates = [
    asked,
    localStorage.getItem(REMEMBERED),
    ...navigator.languages.map((tag) => tag.slice(0, 2).toLowerCase()),
  ];
  return candidates.find((candidate) => LANGUAGES.includes(candidate)) ?? "en";
}

export function otherLanguage() {
  return LANGUAGES.find((candidate) => candidate !== current);
}

function render() {
  document.documentElement.lang = current;
  document.title = t("page.title");
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n, JSON.parse(element.dataset.i18nArgs ?? "{}"));
  }
}

// Show the text for `key` in `element` now and after every language switch.
export function say(element, key, args = {}) {
  element.dataset.i18n = key;
  element.dataset.i18nArgs = JSON.stringify(args);
  element.textContent = t(key, args);
  return element;
}

export function unsay(element) {
  delete element.dataset.i18n;
  delete element.dataset.i18nArgs;
  element.textContent = "";
}
