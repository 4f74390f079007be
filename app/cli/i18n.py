"""`flask i18n extract|update|compile`: the Babel catalogue workflow in one place."""

import json
import logging
import shutil
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from flask.cli import AppGroup

from app.activity.page_texts import PAGE_TEXTS as FACILITATOR_PAGE_TEXTS
from app.admin.page_texts import PAGE_TEXTS as DASHBOARD_TEXTS
from app.config import PROJECT_ROOT
from app.core.i18n import LANGUAGES
from app.reflections.page_texts import PAGE_TEXTS as REFLECTION_PAGE_TEXTS

i18n_cli = AppGroup("i18n", help="Extract, update and compile translations.")
TRANSLATIONS = PROJECT_ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
# Each static page whose texts are in the Babel catalogues: its folder, and its texts by key.
PAGES = {
    PROJECT_ROOT / "reflection_page": REFLECTION_PAGE_TEXTS,
    PROJECT_ROOT / "facilitator_page": FACILITATOR_PAGE_TEXTS,
    PROJECT_ROOT / "admin_dashboard": DASHBOARD_TEXTS,
}
SOURCE_LANGUAGE = "en"


def pybabel(*arguments: str) -> None:
    logging.getLogger("babel").propagate = False  # pybabel prints its own progress
    CommandLineInterface().run(["pybabel", *arguments])


@i18n_cli.command("extract")
def extract():
    """Collect translatable texts from the code into translations/messages.pot."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / TEMPLATE.name
        extract_to(fresh)
        # Only the texts matter: a template whose texts did not change keeps its old date, so
        # extract + update on a clean checkout leaves the tree as it was.
        if not TEMPLATE.exists() or texts_of(fresh) != texts_of(TEMPLATE):
            shutil.copyfile(fresh, TEMPLATE)


def texts_of(catalogue: Path) -> list[str]:
    """The catalogue without what dates it: the creation stamp, and header comments naming
    the year."""
    return [
        line
        for line in catalogue.read_text(encoding="utf-8").splitlines()
        if not line.startswith(('"POT-Creation-Date:', "# "))
    ]


def extract_to(template: Path) -> None:
    pybabel(
        "extract",
        "-F",
        str(PROJECT_ROOT / "babel.cfg"),
        "-k",
        "lazy_gettext",
        "-k",
        "_",
        "-k",
        "N_",
        "-k",
        "page_text:1c,2",
        "--no-location",
        "--sort-output",
        "--no-wrap",
        "-o",
        str(template),
        str(PROJECT_ROOT / "app"),
        str(PROJECT_ROOT / "workers"),
    )


@i18n_cli.command("update")
def update():
    """Merge new texts from messages.pot into every language's messages.po."""
    pybabel(
        "update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--no-wrap"
    )


@i18n_cli.command("compile")
def compile_catalogues():
    """Compile every messages.po into the messages.mo the app loads, and write each static
    page's texts to <page>/i18n/<language>.json (the reflection and facilitator pages, the
    managers' dashboard)."""
    for language in LANGUAGES:
        # The texts are written in English: its catalogue is the source, never "translated",
        # so only the other languages' progress is worth reporting.
        statistics = ["--statistics"] if language != SOURCE_LANGUAGE else []
        pybabel("compile", "-d", str(TRANSLATIONS), "-l", language, *statistics)
        for folder, texts in PAGES.items():
            write_page_catalogue(folder / "i18n", language, texts)


def page_catalogue(language: str, page_texts: dict[str, str]) -> dict[str, str]:
    """A page's texts in `language`, by key; English where a translation is missing (the
    translations test reports those)."""
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    texts = {}
    for key, english in page_texts.items():
        message = catalogue.get(english, context=key)
        translated = message is not None and message.string and not message.fuzzy
        texts[key] = message.string if translated else english
    return texts


def write_page_catalogue(folder: Path, language: str, page_texts: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    catalogue = page_catalogue(language, page_texts)
    text = json.dumps(catalogue, ensure_ascii=False, indent=2, sort_keys=True)
    (folder / f"{language}.json").write_text(text + "\n", encoding="utf-8")
