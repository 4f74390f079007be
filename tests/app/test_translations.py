"""Every text the code marks for translation has a French translation with the same
placeholders (a missing one would reach French users in English)."""

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.config import PROJECT_ROOT

# page_text(key, text): the reflection page's texts, with their key as the message context.
KEYWORDS = {"_": None, "lazy_gettext": None, "N_": None, "page_text": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def marked_texts() -> set[tuple[str, str | None]]:
    found = extract_from_dir(
        PROJECT_ROOT / "app", method_map=[("**.py", "python")], keywords=KEYWORDS
    )
    return {(message, context) for _, _, message, _, context in found}


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
