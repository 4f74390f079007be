"""API1 (broken object level authorization) and API5 (broken function level authorization).

Every operation comes from the OpenAPI document, so a new one is tested, or the tests name it
as unclassified. Role refusals (403) are derived from the roles each operation documents;
ownership refusals (404: someone else's object looks exactly like a missing one) are listed
per route below. Either way nothing in the database changes.
"""

import pytest

from tests.security.conftest import (
    API,
    CATALOGUE,
    ROLES,
    VALID_REQUESTS,
    assert_envelope,
    case_id,
    is_public,
    json_operations,
    listed,
    operations,
    resolve,
    roles_allowed,
    url_in,
    valid_body,
    with_any_ids,
    writable_properties,
)

# --- API5: every role an operation does not admit hears 403 ----------------------------------


def function_level_cases():
    for method, path, operation in operations():
        refused = sorted(set(ROLES) - set(roles_allowed(operation)))
        if refused:
            yield pytest.param(method, path, refused, id=case_id(method, path))


@pytest.mark.parametrize(("method", "path", "refused"), function_level_cases())
def test_roles_an_operation_does_not_admit_are_refused(
    client, world, database_rows, method, path, refused
):
    """The world's owner of that role is refused too, on their own objects: the role decides."""
    before = database_rows()

    for role in refused:
        response = client.open(
            url_in(world, path), method=method.upper(), headers=world.headers[role]
        )
        assert_envelope(response, 403)

    assert database_rows() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [pytest.param(m, p, id=case_id(m, p)) for m, p, op in operations() if not is_public(op)],
)
def test_anonymous_callers_are_refused_everything_not_public(client, method, path):
    response = client.open(with_any_ids(path), method=method.upper())

    assert_envelope(response, 401)


# Operations every signed-in role may call (each acting only on what is theirs, or on shared
# reference data). Anything else must name its roles, so the tests above cover it.
OPEN_TO_EVERY_ROLE = {
    ("post", "/auth/refresh"), ("post", "/auth/logout"), ("get", "/auth/me"),
    ("patch", "/auth/me"), ("post", "/auth/password"),
    *{("get", f"/{resource}") for resource in CATALOGUE},
    *{("get", f"/{resource}/{{entry_id}}") for resource in CATALOGUE},
    ("get", "/course-offerings"), ("get", "/course-offerings/{offering_id}"),
    ("get", "/notifications"), ("post", "/notifications/{notification_id}/read"),
    ("post", "/notifications/read-all"), ("get", "/me/notification-preferences"),
    ("put", "/me/notification-preferences"), ("get", "/me/calendar.ics"),
    ("post", "/me/calendar-feed"), ("delete", "/me/calendar-feed"),
    ("get", "/reflections"), ("get", "/reflections/{reflection_id}"),
}  # fmt: skip


def test_every_operation_names_its_roles_or_is_known_to_be_open():
    open_ones = {
        (method, path.removeprefix(API))
        for method, path, operation in operations()
        if not is_public(operation) and roles_allowed(operation) == ROLES
    }
    assert open_ones == OPEN_TO_EVERY_ROLE


# --- API1: someone else's object -------------------------------------------------------------
#
# For each route with an id that a non-manager role may call: the owner in the world, the
# callers whose role admits the route but who do not own the object, the status they all hear,
# and a valid body for writes. (Managers see every log, offering and reflection; a notification
# belongs to its recipient alone.)

OWNERSHIP = {
    ("get", "/activity-logs/{log_id}"): ("facilitator", ["other_facilitator"], 404, None),
    ("patch", "/activity-logs/{log_id}"):
        ("facilitator", ["other_facilitator"], 404, {"notes": "Not mine"}),
    ("get", "/activity-logs/{log_id}/history"): ("facilitator", ["other_facilitator"], 404, None),
    ("get", "/course-offerings/{offering_id}"):
        ("student", ["other_facilitator", "other_student"], 404, None),
    ("get", "/course-offerings/{offering_id}/enrollments"):
        ("facilitator", ["other_facilitator"], 404, None),
    ("get", "/course-offerings/{offering_id}/roster"):
        ("facilitator", ["other_facilitator"], 404, None),
    ("get", "/course-offerings/{offering_id}/at-risk"):
        ("facilitator", ["other_facilitator"], 404, None),
    ("get", "/course-offerings/{offering_id}/weeks"):
        ("facilitator", ["other_facilitator"], 404, None),
    ("post", "/notifications/{notification_id}/read"):
        ("student", ["manager", "facilitator", "other_facilitator", "other_student"], 404, None),
    ("get", "/reflections/{reflection_id}"):
        ("student", ["other_facilitator", "other_student"], 404, None),
}  # fmt: skip
# Routes with a path parameter that is not someone's object.
NOT_OWNED = {
    **{("get", f"/{resource}/{{entry_id}}"): "reference data every role reads"
       for resource in CATALOGUE},
    ("get", "/calendar-feeds/{token}.ics"):
        "the secret token is the permission (unknown and revoked ones: tests/notifications)",
}  # fmt: skip


def ownership_cases():
    for (method, path), (_owner, outsiders, status, _body) in OWNERSHIP.items():
        for caller in outsiders:
            yield pytest.param(method, path, caller, status, id=f"{case_id(method, path)} {caller}")


@pytest.mark.parametrize(("method", "path", "caller", "status"), ownership_cases())
def test_nobody_reaches_someone_elses_object(
    client, world, database_rows, method, path, caller, status
):
    owner, _outsiders, _status, body = OWNERSHIP[method, path]
    url, before = url_in(world, API + path), database_rows()
    # With some ETag, as an attacker would send: without one, a log's PATCH answers 428 to
    # everyone before looking the log up (which tells nothing either).
    guess = {"If-Match": '"guessed"'}

    response = client.open(
        url, method=method.upper(), json=body, headers=world.headers[caller] | guess
    )

    assert_envelope(response, status)
    assert database_rows() == before
    # The same request reaches the object for its owner (so the refusal above was about
    # ownership, not a wrong id); a PATCH gets as far as comparing the ETag.
    reached = client.open(
        url, method=method.upper(), json=body, headers=world.headers[owner] | guess
    )
    assert reached.status_code in (200, 412), reached.json


def test_every_route_with_an_id_has_its_outsiders_listed():
    """A new route with a path parameter fails here until it has cases above (or admits
    managers only, which the role tests cover)."""
    unlisted = [
        case_id(method, path)
        for method, path, operation in operations()
        if "{" in path
        and roles_allowed(operation) != ("manager",)
        and (method, path.removeprefix(API)) not in OWNERSHIP | NOT_OWNED
    ]
    assert unlisted == []


# --- API1 through lists: filters naming someone else's objects find nothing ------------------

NAMING_THE_WORLD = {
    "offering_id": lambda w: w.offering_id,
    "allocation_id": lambda w: w.offering_id,
    "facilitator_id": lambda w: w.people["facilitator"].id,
    "module_id": lambda w: w.catalogue["modules"],
    "cohort_id": lambda w: w.catalogue["cohorts"],
    "trimester": lambda w: 1,
    "year": lambda w: 2026,
}
OUTSIDERS = {"facilitator": "other_facilitator", "student": "other_student"}


def list_filter_cases():
    for method, path, operation in operations():
        names = {resolve(p)["name"] for p in operation.get("parameters", [])}
        if method == "get" and names & {"offering_id", "allocation_id", "facilitator_id"}:
            for role in set(roles_allowed(operation)) & set(OUTSIDERS):
                yield pytest.param(
                    path, names, OUTSIDERS[role], id=f"{case_id(method, path)} {role}"
                )


# Late in 2026 the world's offering has every week due, so the compliance report has rows.
@pytest.mark.usefixtures("in_late_2026")
@pytest.mark.parametrize(("path", "names", "caller"), list_filter_cases())
def test_lists_filtered_to_someone_elses_objects_are_empty(client, world, path, names, caller):
    query = {name: value(world) for name, value in NAMING_THE_WORLD.items() if name in names}

    response = client.get(path, query_string=query, headers=world.headers[caller])

    assert response.status_code == 200, response.json
    assert listed(response) == []
    # The manager, who may see everything, finds the world's objects with the same filters.
    assert listed(client.get(path, query_string=query, headers=world.headers["manager"]))


# --- API1 through bodies: naming someone else's offering -------------------------------------

OFFERING_REFERENCES = ("offering_id", "allocation_id")


def body_reference_cases():
    for method, path, schema in json_operations():
        field = next((f for f in OFFERING_REFERENCES if f in writable_properties(schema)), None)
        caller, _body = VALID_REQUESTS[method, path.removeprefix(API)]
        if field and caller != "manager":
            outsider = OUTSIDERS[caller.removeprefix("other_")]
            yield pytest.param(method, path, field, outsider, id=case_id(method, path))


@pytest.mark.parametrize(("method", "path", "field", "caller"), body_reference_cases())
def test_writes_naming_someone_elses_offering_are_refused(
    world, send, database_rows, method, path, field, caller
):
    """A facilitator filing a log, a student reflecting: only on their own offering."""
    before = database_rows()
    body = valid_body(world, method, path) | {field: world.offering_id}

    response = send(method, path, body, headers=world.headers[caller])

    assert_envelope(response, 403)
    assert database_rows() == before
