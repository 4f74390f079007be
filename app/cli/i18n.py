"""`flask i18n extract|update|compile`: the Babel catalogue workflow in one place."""

import logging

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
        "-o",
        str(TEMPLATE),
        str(PROJECT_ROOT / "app"),
        str(PROJECT_ROOT / "workers"),
    )


@i18n_cli.command("update")
def update():
    """Merge new texts from messages.pot into every language's messages.po."""
    pybabel("update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "--no-fuzzy-matching")


@i18n_cli.command("compile")
def compile_catalogues():
    """Compile every messages.po into the messages.mo the app loads."""
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
