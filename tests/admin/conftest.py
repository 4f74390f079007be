"""Admin fixtures: the admin API's base path and a way to read the audit trail."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.activity.conftest import (  # noqa: F401  (fixtures)
    create_log,
    facilitator,
    file_log,
    offering_of,
)
from tests.notifications.conftest import (  # noqa: F401  (fixtures)
    notifications,
    smtp,
    sweep,
    travel,
    work,
)

ADMIN = "/api/v1/admin"


@pytest.fixture
def audit_events(client, as_manager):
    """`audit_events(**filters)` → the audit trail as the manager reads it (newest first)."""

    def read(**filters) -> list[dict]:
        response = client.get(
            f"{ADMIN}/audit-events", query_string={"page_size": 100, **filters}, headers=as_manager
        )
        assert response.status_code == 200, response.json
        return response.json

    return read


# --- the dashboard in a real browser ---------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def dashboard_server(app):
    """The app on a free loopback port, in a thread, for the length of the session."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def chromium(playwright):
    """The system Chromium (Debian package `chromium`) under Playwright; never a download."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
    )
    yield browser
    browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context (no storage carried over) whose console errors are collected
    in `page.errors` (a Content-Security-Policy violation is one)."""
    context = chromium.new_context()
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()
