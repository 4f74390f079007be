"""Admin fixtures: the admin API's base path and a way to read the audit trail."""

import pytest

from tests.activity.conftest import create_log, file_log  # noqa: F401  (fixtures)

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
