// Texts come from i18n/<language>.json; `{name}` placeholders are filled after lookup.
export const LANGUAGES = ["en", "fr"];
let texts = {};

export async function load(language) {
  const response = await fetch(`i18n/${language}.json`);
  texts = await response.json();
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  document.title = t("page.title");
}

export function t(key, values = {}) {
  const text = texts[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

export function chooseLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  const remembered = localStorage.getItem("dashboard.language");
  const browser = (navigator.language || "en").slice(0, 2);
  return [asked, remembered, browser].find((language) => LANGUAGES.includes(language)) || "en";
}
