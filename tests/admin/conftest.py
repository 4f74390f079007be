"""Admin fixtures: the admin API's base path, a way to read the audit trail, and the
dashboard in the system Chromium (the reflection page's server and browser fixtures)."""

import pytest

from tests.activity.conftest import (  # noqa: F401  (fixtures)
    create_log,
    enrolled,
    facilitator,
    file_log,
    offering_of,
)
from tests.browser.conftest import axe_source, browser, live_server  # noqa: F401  (fixtures)
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


@pytest.fixture
def page(browser):  # noqa: F811  (the fixture imported above)
    """A fresh browser context (no storage carried over) whose console errors are collected
    in `page.errors` (a Content-Security-Policy violation is one)."""
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()
