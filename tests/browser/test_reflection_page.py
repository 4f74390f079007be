"""The reflection page as a student uses it, in Chromium."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import CATALOGUES, text_of, wait_until_ready

# Every text the page shows, as (key, placeholder values, rendered text), and any visible text
# that does not come from a catalogue (digits aside).
RENDERED_TEXTS = """() => {
  const shown = [...document.querySelectorAll("[data-i18n]")].map((element) => [
    element.dataset.i18n, JSON.parse(element.dataset.i18nArgs || "{}"), element.textContent]);
  const placeholders = [...document.querySelectorAll("[data-i18n-placeholder]")].map(
    (element) => [element.dataset.i18nPlaceholder, {}, element.placeholder]);
  const stray = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (text && !/^[\\d\\s]+$/.test(text) && !node.parentElement.closest("[data-i18n]")) {
      stray.push(text);
    }
  }
  return { texts: [...shown, ...placeholders], stray };
}"""


def assert_all_texts_in(page, language: str) -> list[str]:
    rendered = page.evaluate(RENDERED_TEXTS)
    assert rendered["stray"] == []
    assert page.evaluate("document.documentElement.lang") == language
    assert page.title() == CATALOGUES[language]["page.title"]
    for key, args, text in rendered["texts"]:
        assert text == text_of(language, key, **args), key
    return [text for _, _, text in rendered["texts"]]


def test_the_language_switch_changes_every_visible_text(open_page):
    page = open_page("?lang=en")
    english = assert_all_texts_in(page, "en")

    page.get_by_role("button", name="Français").click()

    french = assert_all_texts_in(page, "fr")
    unchanged = {en for en, fr in zip(english, french, strict=True) if en == fr}
    assert unchanged <= {"Excellent"}  # the same word in both languages
    expect(page.get_by_role("button", name="English")).to_have_attribute("lang", "en")
