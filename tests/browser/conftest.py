"""The reflection page in the system Chromium (Debian package `chromium`), driven by Playwright,
against the app served on a loopback port with the test MariaDB and Redis behind it.

No browser download: Playwright is pointed at the installed Chromium, and a missing one fails
the tests (never skips them). axe-core comes from npm (`npm ci` in this folder).
"""

import json
import os
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.config import PROJECT_ROOT
from tests.activity.conftest import (  # noqa: F401  (fixtures for the facilitator's page)
    create_log,
    edit_log,
    enrolled,
    facilitator,
    file_log,
    offering_of,
)
from tests.notifications.conftest import smtp, sweep, work  # noqa: F401  (fixtures)

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CATALOGUES = {
    language: json.loads(
        (PROJECT_ROOT / "reflection_page" / "i18n" / f"{language}.json").read_text()
    )
    for language in ("en", "fr")
}


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a free loopback port, in a thread, for the length of the session."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def static_host():
    """reflection_page/ from a plain static file server (no app, no CSP headers)."""
    handler = partial(QuietFiles, directory=str(PROJECT_ROOT / "reflection_page"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="session")
def browser(playwright):
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install the `chromium` package "
            "(apt-get install chromium) or set CHROMIUM_PATH."
        )
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def open_page(browser, live_server):
    """`open_page(query="", clock_at=None, **context_options)` → a page on /reflection/ in a
    fresh context (empty storage), once its texts are in place; `clock_at` installs Playwright's
    fake clock at that instant. Uncaught script errors and CSP violations
    fail the test."""
    contexts, problems = [], []

    def watch(page):
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )

    def make(query: str = "", clock_at=None, **options):
        options = {"locale": "en-GB", "timezone_id": "Africa/Kigali",
                   "viewport": {"width": 1024, "height": 900}} | options  # fmt: skip
        context = browser.new_context(base_url=live_server, accept_downloads=True, **options)
        contexts.append(context)
        if clock_at is not None:
            context.clock.install(time=clock_at)
        page = context.new_page()
        watch(page)
        page.goto(f"/reflection/{query}")
        wait_until_ready(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == []


def wait_until_ready(page) -> None:
    page.wait_for_selector("body[data-ready='true']")


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core missing: run `npm ci` in {HERE} (bash .ci/run does).")
    return AXE.read_text()


def serious_violations(page, axe_source) -> list:
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def text_of(language: str, key: str, **args) -> str:
    """The page's text for `key`, as the page formats it."""
    text = CATALOGUES[language][key]
    for name, value in args.items():
        text = text.replace("{" + name + "}", str(value))
    return text
