// Texts come from i18n/<language>.json, written from the Babel catalogues by `flask i18n
// compile`. Elements name their text by key: data-i18n (text), data-i18n-placeholder, and
// data-i18n-args (JSON placeholder values). Messages set at run time use the same attributes,
// so switching language re-renders them too.

export const LANGUAGES = ["en", "fr"];
const REMEMBERED = "reflection-language";

let texts = {};
let current = "en";

export function language() {
  return current;
}

export function t(key, args = {}) {
  const text = texts[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in args ? String(args[name]) : whole));
}

export async function useLanguage(wanted) {
  const chosen = LANGUAGES.includes(wanted) ? wanted : "en";
  const response = await fetch(new URL(`../i18n/${chosen}.json`, import.meta.url));
  texts = await response.json();
  current = chosen;
  localStorage.setItem(REMEMBERED, chosen);
  render(document);
}

// An explicit ?lang= wins on any visit (useLanguage then remembers it); otherwise the draft's
// language, the remembered choice, the browser's languages, else English.
export function startingLanguage(draftLanguage) {
  const candidates = [
    takeLanguageFromAddress(),
    draftLanguage,
    localStorage.getItem(REMEMBERED),
    ...navigator.languages.map((tag) => tag.slice(0, 2).toLowerCase()),
  ];
  return candidates.find((candidate) => LANGUAGES.includes(candidate)) ?? "en";
}

// ?lang= is read once and dropped from the address, so reloading after a switch keeps the switch.
function takeLanguageFromAddress() {
  const address = new URL(window.location.href);
  const wanted = address.searchParams.get("lang");
  if (wanted !== null) {
    address.searchParams.delete("lang");
    window.history.replaceState(window.history.state, "", address);
  }
  return wanted;
}

export function otherLanguage() {
  return LANGUAGES.find((candidate) => candidate !== current);
}

function render(root) {
  document.documentElement.lang = current;
  document.title = t("page.title");
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n, JSON.parse(element.dataset.i18nArgs ?? "{}"));
  }
  for (const element of root.querySelectorAll("[data-i18n-placeholder]")) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
}

// Show the text for `key` in `element` now and after every language switch.
export function say(element, key, args = {}) {
  element.dataset.i18n = key;
  element.dataset.i18nArgs = JSON.stringify(args);
  element.textContent = t(key, args);
}

export function unsay(element) {
  delete element.dataset.i18n;
  delete element.dataset.i18nArgs;
  element.textContent = "";
}
