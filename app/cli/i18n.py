"""`flask i18n extract|update|compile`: the Babel catalogue workflow in one place."""

import logging
import shutil
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from flask.cli import AppGroup

from app.config import PROJECT_ROOT

i18n_cli = AppGroup("i18n", help="Extract, update and compile translations.")
TRANSLATIONS = PROJECT_ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"


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
    return [
        line
        for line in catalogue.read_text(encoding="utf-8").splitlines()
        if not line.startswith('"POT-Creation-Date:')
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
    """Compile every messages.po into the messages.mo the app loads."""
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
