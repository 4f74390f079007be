"""Every course route for every kind of caller: allowed → 2xx, forbidden → 403/404, anonymous → 401.

Facilitators and students are told 403 for routes their role may never use, and 404 for an
offering that exists but is not theirs (it looks exactly like a missing one).
"""

import pytest

API = "/api/v1"
ROLES = ("manager", "facilitator", "student", "anonymous")
CALLERS = ("manager", "facilitator", "other_facilitator", "student", "other_student", "anonymous")
READ_ALL = dict.fromkeys(CALLERS[:-1], 200)
MANAGERS_ONLY = {"facilitator": 403, "other_facilitator": 403, "student": 403, "other_student": 403}


def headers_for(people: dict, auth_headers) -> dict:
    return {name: auth_headers(person) for name, person in people.items()} | {"anonymous": {}}


# --- catalogue: the role is all that matters -------------------------------------------------

CATALOGUE = {
    "modules": {"code": "NEW1", "name": "New", "credits": 5},
    "cohorts": {"name": "New cohort"},
    "classes": {"name": "2026S"},
    "modes": {"code": "new_mode", "name": "New mode"},
}
CATALOGUE_ROUTES = [
    ("list", "get", "", None, READ_ALL),
    ("read", "get", "/{id}", None, READ_ALL),
    ("create", "post", "", "new", {"manager": 201} | MANAGERS_ONLY),
    ("change", "patch", "/{id}", {"description": "x"}, {"manager": 200} | MANAGERS_ONLY),
    ("delete", "delete", "/{id}", None, {"manager": 204} | MANAGERS_ONLY),
]


def catalogue_cases():
    for resource in CATALOGUE:
        for action, method, suffix, body, expected in CATALOGUE_ROUTES:
            for caller in ROLES:
                status = 401 if caller == "anonymous" else expected[caller]
                route = (resource, method, suffix, body)
                yield pytest.param(
                    route, caller, status, id=f"{action} {resource}-{caller}-{status}"
                )


@pytest.mark.parametrize(("route", "caller", "status"), catalogue_cases())
def test_catalogue_role_matrix(
    client, create_entry, manager, create_user, auth_headers, route, caller, status
):
    resource, method, suffix, body = route
    entry = create_entry(resource)
    headers = {}
    if caller != "anonymous":
        headers = auth_headers(manager if caller == "manager" else create_user(caller))
    url = f"{API}/{resource}{suffix.format(id=entry['id'])}"

    response = getattr(client, method)(
        url, json=CATALOGUE[resource] if body == "new" else body, headers=headers
    )

    assert response.status_code == status, response.json
    if status >= 400:
        assert response.json["code"] == status and response.json["message"]


# --- offerings: role and ownership -----------------------------------------------------------


@pytest.fixture
def world(create_user, create_offering, enrol, manager, auth_headers):
    """An offering allocated to `facilitator` with `student` enrolled, and outsiders."""
    people = {name: create_user(name.removeprefix("other_")) for name in CALLERS[1:-1]}
    offering = create_offering(facilitator_id=people["facilitator"].id)
    enrol(offering["id"], people["student"])
    people["manager"] = manager
    return {
        "headers": headers_for(people, auth_headers),
        "people": people,
        "offering": offering,
        "newcomer": create_user("student"),
    }


OWN = "/course-offerings/{offering[id]}"
OWNER_ONLY = {"facilitator": 200, "other_facilitator": 404, "student": 403, "other_student": 403}
NEW_OFFERING = "new offering"

OFFERING_ROUTES = [
    ("list offerings", "get", "/course-offerings", None, READ_ALL),
    ("create offering", "post", "/course-offerings", NEW_OFFERING,
     {"manager": 201} | MANAGERS_ONLY),
    ("read offering", "get", OWN, None,
     {"manager": 200, "facilitator": 200, "other_facilitator": 404, "student": 200,
      "other_student": 404}),
    ("change offering", "patch", OWN, {"max_students": 40}, {"manager": 200} | MANAGERS_ONLY),
    ("archive offering", "delete", OWN, None, {"manager": 200} | MANAGERS_ONLY),
    ("assignment history", "get", OWN + "/assignments", None, {"manager": 200} | MANAGERS_ONLY),
    ("list enrolments", "get", OWN + "/enrollments", None, {"manager": 200} | OWNER_ONLY),
    ("enrol", "post", OWN + "/enrollments", "newcomer", {"manager": 201} | MANAGERS_ONLY),
    ("unenrol", "delete", OWN + "/enrollments/{people[student].id}", None,
     {"manager": 204} | MANAGERS_ONLY),
    ("my enrolments", "get", "/me/enrollments", None,
     {"manager": 403, "facilitator": 403, "other_facilitator": 403, "student": 200,
      "other_student": 200}),
]  # fmt: skip


def offering_cases():
    for name, method, path, body, expected in OFFERING_ROUTES:
        for caller in CALLERS:
            status = 401 if caller == "anonymous" else expected[caller]
            yield pytest.param(method, path, body, caller, status, id=f"{name}-{caller}-{status}")


def request_body(body, world, offering_body):
    if body == NEW_OFFERING:
        return offering_body(trimester=2)
    if body == "newcomer":
        return {"student_ids": [world["newcomer"].id]}
    return body


@pytest.mark.parametrize(("method", "path", "body", "caller", "status"), offering_cases())
def test_offering_role_matrix(client, world, offering_body, method, path, body, caller, status):
    url = API + path.format(**world)

    response = getattr(client, method)(
        url, json=request_body(body, world, offering_body), headers=world["headers"][caller]
    )

    assert response.status_code == status, response.json
    if status >= 400:
        assert response.json["code"] == status and response.json["message"]


def test_the_matrix_tells_the_viewers_what_they_asked_for(client, world):
    """A 2xx is not enough: the allowed reads return the offering itself."""
    offering_id = world["offering"]["id"]
    for caller in ("manager", "facilitator", "student"):
        response = client.get(f"{API}/course-offerings", headers=world["headers"][caller])
        assert [item["id"] for item in response.json] == [offering_id], caller
    for caller in ("other_facilitator", "other_student"):
        response = client.get(f"{API}/course-offerings", headers=world["headers"][caller])
        assert response.json == [], caller


@pytest.mark.parametrize("path", ["/modules", "/course-offerings"])
def test_anonymous_callers_hear_401_before_their_body_is_checked(client, path):
    response = client.post(f"{API}{path}", json={"nonsense": [1, 2]})

    assert response.status_code == 401
    assert response.json["message"] == "Authentication is required: send a bearer token."


@pytest.mark.parametrize("path", ["/modules", "/course-offerings"])
def test_forbidden_roles_hear_403_before_their_body_is_checked(
    client, create_user, auth_headers, path
):
    response = client.post(
        f"{API}{path}", json={"nonsense": 1}, headers=auth_headers(create_user("facilitator"))
    )

    assert response.status_code == 403
    assert response.json["message"] == "This action is reserved for: manager."


def test_forbidden_writes_change_nothing(client, world):
    url = f"{API}/course-offerings/{world['offering']['id']}"
    manager, facilitator = world["headers"]["manager"], world["headers"]["facilitator"]
    before = client.get(url, headers=manager).json

    client.patch(url, json={"facilitator_id": None}, headers=facilitator)
    client.delete(url, headers=facilitator)

    assert client.get(url, headers=manager).json == before


def test_an_invalid_token_is_a_401(client, bearer):
    response = client.get(f"{API}/course-offerings", headers=bearer("not-a-token"))

    assert response.status_code == 401
    assert response.json["code"] == 401
