"""Only managers reach any /api/v1/admin route: facilitators and students hear 403,
anonymous callers 401. The list of routes is checked against the app's URL map, so a new
admin route without a row here fails."""

import pytest

from tests.admin.conftest import ADMIN

# (method, path with {me} for the caller's own id, {notification} and {period} for a
# notification and an unavailable period that do not exist, JSON body or None, manager's status)
ROUTES = [
    ("get", "/users", None, 200),
    ("post", "/users", "new_account", 201),
    ("get", "/users/{me}", None, 200),
    ("patch", "/users/{me}", {"first_name": "Same"}, 200),
    ("post", "/users/import", None, 422),  # the manager sent no file
    ("get", "/audit-events", None, 200),
    ("get", "/exports/offerings.csv", None, 200),
    ("get", "/exports/activity-logs.csv", None, 200),
    ("get", "/exports/at-risk.csv", None, 422),  # the manager named no trimester
    ("get", "/at-risk", None, 422),
    ("get", "/unstaffed-offerings", None, 200),
    ("get", "/notifications", None, 200),
    ("post", "/notifications/{notification}/retry", None, 404),
    ("get", "/users/{me}/unavailability", None, 404),  # a manager is no facilitator
    (
        "post",
        "/users/{me}/unavailability",
        {"starts_on": "2027-01-04", "ends_on": "2027-01-05"},
        404,
    ),
    ("delete", "/users/{me}/unavailability/{period}", None, 404),
    ("get", "/workload", None, 422),  # the manager named no trimester
    ("get", "/exports/workload.csv", None, 422),
    ("get", "/queues", None, 200),
    ("post", "/queues/failed/requeue", None, 200),
]
PLACEHOLDERS = {"{me}": "<id:user_id>", "{notification}": "<id:notification_id>",
                "{period}": "<id:period_id>"}  # fmt: skip
ROLES = ("manager", "facilitator", "student", "anonymous")


def cases():
    for method, path, body, manager_status in ROUTES:
        for role in ROLES:
            status = {"manager": manager_status, "anonymous": 401}.get(role, 403)
            yield pytest.param(method, path, body, role, status, id=f"{method} {path} {role}")


@pytest.mark.parametrize(("method", "path", "body", "role", "status"), cases())
def test_only_managers_reach_admin_routes(
    client, create_user, manager, auth_headers, method, path, body, role, status
):
    caller = manager if role in {"manager", "anonymous"} else create_user(role)
    headers = auth_headers(caller) if role != "anonymous" else {}
    if body == "new_account":
        body = {"role": "student", "email": "matrix@example.test", "password": "long enough!",
                "first_name": "Ma", "last_name": "Trix"}  # fmt: skip

    response = client.open(
        f"{ADMIN}{path.format(me=caller.id, notification=999999, period=999999)}",
        method=method.upper(),
        json=body,
        headers=headers,
    )

    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status >= 400:
        assert response.json["code"] == status


def test_every_admin_route_is_in_the_matrix(app):
    served = {
        (method.lower(), rule.rule.removeprefix(ADMIN))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(ADMIN)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {(method, rule_of(path)) for method, path, *_ in ROUTES}
    assert served == listed


def rule_of(path: str) -> str:
    for placeholder, converter in PLACEHOLDERS.items():
        path = path.replace(placeholder, converter)
    return path
