"""Every text the code marks for translation has a French translation with the same
placeholders (a missing one would reach French users in English)."""

import json
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.cli.i18n import PAGES, page_catalogue
from app.config import PROJECT_ROOT

# page_text(key, text): the static pages' texts, with their key as the message context.
KEYWORDS = {"_": None, "lazy_gettext": None, "N_": None, "page_text": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


# The same map as babel.cfg: Python code, and the e-mail templates.
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.txt", "jinja2"),
]


def marked_texts() -> set[tuple[str, str | None]]:
    return {
        (message, context)
        for folder in ("app", "workers")
        for _, _, message, _, context in extract_from_dir(
            PROJECT_ROOT / folder, method_map=METHODS, keywords=KEYWORDS
        )
    }


def test_e_mail_template_texts_are_among_those_checked():
    text = "Your weekly activity log for week {week} is due on {deadline}:"
    assert (text, None) in marked_texts()


def test_every_marked_text_has_a_french_translation_with_the_same_placeholders():
    with open(PROJECT_ROOT / "translations/fr/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle)
    texts = marked_texts()

    assert len(texts) > 50
    for text, context in texts:
        entry = catalogue.get(text, context=context)
        assert entry is not None and entry.string, f"no French for {text!r}"
        assert not entry.fuzzy, f"fuzzy French for {text!r}"
        assert set(PLACEHOLDER.findall(entry.string)) == set(PLACEHOLDER.findall(text)), text


# French typography: a no-break space before a colon (U+00A0) and before ; ! ? (U+202F, the
# narrow one, or U+00A0), and inside « », so that no line ever starts with one of them.
TYPOGRAPHY_FAULT = re.compile(
    r"(?:^|[^\u00a0\u202f])[:;!?»](?=\s|$)|«(?![\u00a0\u202f])|(?<![\u00a0\u202f])»"
)


def french_texts() -> dict[str, list[str]]:
    """Every French text users see, by where it lives: the Babel catalogue (API, e-mails,
    reflection page) and each page's French file."""
    with open(PROJECT_ROOT / "translations/fr/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle)
    texts = {"messages.po": [
        text for message in catalogue if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
    ]}  # fmt: skip
    for page in PROJECT_ROOT.glob("*/i18n/fr.json"):
        texts[str(page.relative_to(PROJECT_ROOT))] = list(json.loads(page.read_text()).values())
    return texts


def test_every_french_text_keeps_its_punctuation_on_the_line_of_the_word_before():
    texts = french_texts()

    faults = {
        (where, text) for where, found in texts.items() for text in found
        if TYPOGRAPHY_FAULT.search(text)
    }  # fmt: skip

    pages = {"reflection_page/i18n/fr.json", "admin_dashboard/i18n/fr.json",
             "facilitator_page/i18n/fr.json"}  # fmt: skip
    assert {"messages.po", *pages} <= set(texts)
    assert faults == set()


def test_the_typography_check_tells_right_from_wrong():
    wrong = ["Semaine 1 : 3", "Merci!", "Pourquoi ?", "« Done »", "Vos rappels :"]
    right = ["Semaine 1\u00a0: 3", "Merci\u202f!", "à 14:32", "«\u00a0Done\u00a0»", "?lang=fr x"]

    assert [bool(TYPOGRAPHY_FAULT.search(text)) for text in wrong] == [True] * len(wrong)
    assert [bool(TYPOGRAPHY_FAULT.search(text)) for text in right] == [False] * len(right)


@pytest.mark.parametrize("folder", sorted(PAGES), ids=lambda folder: folder.name)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_pages_committed_texts_are_what_flask_i18n_compile_writes(folder, language):
    """The pages' i18n/<language>.json files come from the catalogues, never edited by hand."""
    written = json.loads((folder / "i18n" / f"{language}.json").read_text(encoding="utf-8"))

    assert written == page_catalogue(language, PAGES[folder])
