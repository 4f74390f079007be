"""What the OWASP API Top 10 tests share: the OpenAPI document (read once, at collection, so a
new operation becomes a new test case by itself), a small world of people who own things, and
a snapshot of every table to show that a refused write changed nothing."""

import functools
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app import create_app
from app.auth import password_links
from app.auth.models import User
from app.config import TestingConfig
from app.core import clock
from app.data.unit_of_work import unit_of_work
from app.extensions import db
from app.notifications.models import Channel, Notification
from tests.activity.conftest import in_late_2026  # noqa: F401  (fixture)
from tests.reflections.conftest import ANSWERS

API = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")
ROLES = ("manager", "facilitator", "student")
# Everyone in the world: the owners of its objects, and one outsider per role.
CALLERS = ("manager", "facilitator", "other_facilitator", "student", "other_student")
# Catalogue list → the offering's field naming an entry of it.
CATALOGUE = {"modules": "module", "cohorts": "cohort", "classes": "class", "modes": "mode"}


@functools.cache
def openapi() -> dict:
    """The app's own OpenAPI document (no database or Redis needed to build it)."""
    return create_app(TestingConfig).test_client().get("/openapi.json").json


def operations() -> list[tuple[str, str, dict]]:
    """(method, path, operation) for every operation the document lists under /api/v1."""
    return [
        (method, path, operation)
        for path, item in openapi()["paths"].items()
        if path.startswith(API)
        for method, operation in item.items()
        if method in METHODS
    ]


def roles_allowed(operation: dict) -> tuple[str, ...]:
    """The roles an operation admits, read from the 403 the role guard documents
    ("Only for: manager, facilitator"); every role when it documents none."""
    forbidden = operation.get("responses", {}).get("403", {}).get("description", "")
    if not forbidden.startswith("Only for: "):
        return ROLES
    return tuple(forbidden.removeprefix("Only for: ").split(", "))


def is_public(operation: dict) -> bool:
    return operation.get("security") == []


def resolve(part: dict) -> dict:
    """A part of the document with its `$ref` ("#/components/<kind>/<name>") followed."""
    if "$ref" not in part:
        return part
    _, kind, name = part["$ref"].rsplit("/", 2)
    return openapi()["components"][kind][name]


def json_body_schema(operation: dict) -> dict | None:
    """The body's schema; one with a shape per role or per value of a field (`oneOf`, `anyOf`)
    as the fields any of its shapes documents."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if not schema:
        return None
    schema = resolve(schema)
    shapes = [resolve(shape) for shape in schema.get("oneOf", schema.get("anyOf", []))]
    if not shapes:
        return schema
    fields = {name: field for shape in shapes for name, field in shape["properties"].items()}
    return {"type": "object", "properties": fields}


def writable_properties(schema: dict) -> dict:
    """The fields a request body may set: read-only ones are documented but refused."""
    properties = schema.get("properties", {}).items()
    return {name: resolve(field) for name, field in properties if not field.get("readOnly")}


def fields_of(schema: dict, kind: str, prefix=()) -> list[tuple[str, ...]]:
    """Paths to every writable field of this JSON type, nested objects included."""
    found = []
    for name, field in writable_properties(schema).items():
        if field.get("type") == kind:
            found.append((*prefix, name))
        elif "properties" in field:
            found += fields_of(field, kind, (*prefix, name))
    return found


def schema_at(schema: dict, place: tuple[str, ...]) -> dict:
    """The schema of the field at this path of a body."""
    for name in place:
        schema = writable_properties(schema)[name]
    return schema


def with_value(body: dict, path: tuple[str, ...], value) -> dict:
    head, *rest = path
    return body | {head: with_value(body.get(head, {}), tuple(rest), value) if rest else value}


def case_id(method: str, path: str) -> str:
    return f"{method.upper()} {path.removeprefix(API)}"


# --- the world -------------------------------------------------------------------------------


@pytest.fixture
def world(app, client, manager, create_user, auth_headers, create_offering, enrol):
    """An offering allocated to `facilitator` with `student` enrolled, its weekly log, the
    student's reflection, notification, calendar feed and set-password link, a period the
    facilitator cannot teach; and an outsider
    of each role (`other_facilitator`, `other_student`, with an offering of their own)."""
    people = {"manager": manager} | {
        name: create_user(name.removeprefix("other_")) for name in CALLERS[1:]
    }
    offering = create_offering(facilitator_id=people["facilitator"].id)
    enrol(offering["id"], people["student"])
    # The same module, class and cohort in another trimester.
    catalogue = {f"{key}_id": offering[f"{key}_id"] for key in CATALOGUE.values()}
    elsewhere = create_offering(
        facilitator_id=people["other_facilitator"].id, trimester=2, **catalogue
    )
    enrol(elsewhere["id"], people["other_student"])
    headers = {name: auth_headers(person) for name, person in people.items()}
    log = created(
        client,
        "/activity-logs",
        headers["facilitator"],
        allocation_id=offering["id"],
        week_number=1,
    )
    reflection = created(
        client,
        "/reflections",
        headers["student"],
        offering_id=offering["id"],
        answers=ANSWERS,
        rating=4,
        language="en",
    )
    feed = created(client, "/me/calendar-feed", headers["student"])
    period = created(
        client,
        f"/admin/users/{people['facilitator'].id}/unavailability",
        headers["manager"],
        starts_on="2027-01-04",
        ends_on="2027-01-08",
        reason="Leave",
    )
    return SimpleNamespace(
        people=people,
        headers=headers,
        offering_id=offering["id"],
        elsewhere_id=elsewhere["id"],
        log_id=log["id"],
        reflection_id=reflection["id"],
        notification_id=notification_for(app, people["student"].id, offering["id"]),
        reset_secret=password_link_for(app, people["student"].id),
        feed_token=feed["url"].rsplit("/", 1)[1].removesuffix(".ics"),
        period_id=period["id"],
        catalogue={resource: catalogue[f"{key}_id"] for resource, key in CATALOGUE.items()},
    )


def created(client, path: str, headers: dict, **body) -> dict:
    response = client.post(API + path, json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def notification_for(app, recipient_id: int, offering_id: int) -> int:
    """An in-app notification in this person's inbox (as the reminder sweep writes them)."""
    with app.app_context(), unit_of_work():
        notification = Notification(
            dedupe_key=f"security:{recipient_id}:{offering_id}",
            recipient_id=recipient_id,
            kind="reflection_due",
            offering_id=offering_id,
            deadline=clock.now(),
            channel=Channel.IN_APP,
            language="en",
        )
        db.session.add(notification)
        db.session.flush()
        return notification.id


def password_link_for(app, user_id: int) -> str:
    """The secret of a set-password link for this person (as the e-mailing job makes it)."""
    with app.app_context(), unit_of_work():
        return password_links.issue(db.session.get(User, user_id), password_links.RESET)


PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def url_in(world, path: str) -> str:
    """The path with each `{parameter}` naming the world's object: the student's log,
    reflection, notification and feed, the facilitator's offering and account."""
    values = {
        "log_id": world.log_id,
        "offering_id": world.offering_id,
        "student_id": world.people["student"].id,
        "user_id": world.people["facilitator"].id,
        "notification_id": world.notification_id,
        "reflection_id": world.reflection_id,
        "token": world.feed_token,
        "period_id": world.period_id,
        # /api/v1/<resource>/{entry_id}: an entry of that catalogue list
        "entry_id": world.catalogue.get(path.removeprefix(API + "/").split("/")[0]),
    }
    return PATH_PARAMETER.sub(lambda match: str(values[match.group(1)]), path)


def with_any_ids(path: str) -> str:
    """The path with 1 for each parameter: for answers given before anything is looked up."""
    return PATH_PARAMETER.sub("1", path)


@pytest.fixture
def lifted_limits(app, monkeypatch):
    """Every rate limit lifted, for tests that send many requests on purpose."""
    for setting in [name for name in app.config if "RATE_LIMIT" in name]:
        monkeypatch.setitem(app.config, setting, "100000 per minute")


@pytest.fixture
def database_rows(app):
    """`database_rows()` → every row of every table, to compare before and after a request."""

    def read() -> dict:
        with app.app_context(), db.engine.connect() as connection:
            return {
                table.name: connection.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).all()
                for table in db.metadata.sorted_tables
            }

    return read


def listed(response) -> list:
    """The items of a list answer: the body itself, or the compliance report's rows."""
    return response.json if isinstance(response.json, list) else response.json["rows"]


def assert_envelope(response, status: int) -> None:
    """The shared error envelope with this status, not a stack trace or an HTML page."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    assert response.json["code"] == status and response.json["message"]


# --- a valid request for every operation with a JSON body ------------------------------------

NEW_PASSWORD = "a brand new passphrase"
# (method, path) → (caller, body as a function of the world); the body alone succeeds.
VALID_REQUESTS = {
    ("post", "/auth/register"): ("anonymous", lambda w: {
        "email": "newcomer@example.test", "password": NEW_PASSWORD, "first_name": "New",
        "last_name": "Comer"}),
    ("post", "/auth/login"): ("anonymous", lambda w: {
        "email": w.people["student"].email, "password": w.people["student"].password}),
    ("post", "/auth/logout"): ("student", lambda w: {}),
    ("patch", "/auth/me"): ("student", lambda w: {"first_name": "Renamed"}),
    ("post", "/auth/password"): ("student", lambda w: {
        "current_password": w.people["student"].password, "new_password": NEW_PASSWORD}),
    ("post", "/auth/password-reset"): ("anonymous", lambda w: {
        "email": w.people["student"].email}),
    ("post", "/auth/password-reset/confirm"): ("anonymous", lambda w: {
        "token": w.reset_secret, "new_password": NEW_PASSWORD}),
    ("post", "/modules"): ("manager", lambda w: {"code": "NEW1", "name": "New", "credits": 5}),
    ("post", "/cohorts"): ("manager", lambda w: {"name": "New cohort"}),
    ("post", "/classes"): ("manager", lambda w: {"name": "2027J"}),
    ("post", "/modes"): ("manager", lambda w: {"code": "new_mode", "name": "New mode"}),
    **{("patch", f"/{resource}/{{entry_id}}"): ("manager", lambda w: {"description": "Changed"})
       for resource in CATALOGUE},
    ("post", "/course-offerings"): ("manager", lambda w: {
        "module_id": w.catalogue["modules"], "class_id": w.catalogue["classes"],
        "cohort_id": w.catalogue["cohorts"], "mode_id": w.catalogue["modes"], "trimester": 3,
        "year": 2026, "intake": "HT1", "start_date": "2026-09-07", "end_date": "2026-12-04"}),
    ("patch", "/course-offerings/{offering_id}"): ("manager", lambda w: {"max_students": 40}),
    ("post", "/course-offerings/{offering_id}/enrollments"): ("manager", lambda w: {
        "student_ids": [w.people["other_student"].id]}),
    ("post", "/activity-logs"): ("facilitator", lambda w: {
        "allocation_id": w.offering_id, "week_number": 2, "attendance": []}),
    # A manager: the facilitator's log may be locked already, depending on the clock.
    ("patch", "/activity-logs/{log_id}"): ("manager", lambda w: {"notes": "Updated"}),
    ("put", "/me/notification-preferences"): ("student", lambda w: {"reflection_due": "off"}),
    ("post", "/reflections"): ("other_student", lambda w: {
        "offering_id": w.elsewhere_id, "rating": 4, "language": "en", "answers": {
            "went_well": "The weekly labs.", "hardest": "The reading list.",
            "would_help": "Worked examples."}}),
    ("post", "/admin/users"): ("manager", lambda w: {
        "role": "student", "email": "made@example.test", "password": NEW_PASSWORD,
        "first_name": "Made", "last_name": "ByManager"}),
    ("patch", "/admin/users/{user_id}"): ("manager", lambda w: {"first_name": "Renamed"}),
    ("post", "/admin/users/{user_id}/unavailability"): ("manager", lambda w: {
        "starts_on": "2027-05-03", "ends_on": "2027-05-07", "reason": "Conference"}),
}  # fmt: skip


def json_operations() -> list[tuple[str, str, dict]]:
    """(method, path, body schema) of every operation that reads a JSON body."""
    return [
        (method, path, schema)
        for method, path, operation in operations()
        if (schema := json_body_schema(operation)) is not None
    ]


@pytest.fixture
def send(client, world):
    """`send(method, path, body)` → the response to the world's caller of that operation
    (anonymous, or with their token, unless `headers` are given; with a fresh If-Match where
    the operation needs one)."""

    def request(method: str, path: str, body, headers=None, **options):
        caller, _valid = VALID_REQUESTS[method, path.removeprefix(API)]
        url = url_in(world, path)
        headers = world.headers.get(caller, {}) if headers is None else headers
        if "428" in dict(openapi()["paths"][path][method]["responses"]):
            headers = headers | {"If-Match": client.get(url, headers=headers).headers["ETag"]}
        return client.open(url, method=method.upper(), json=body, headers=headers, **options)

    return request


def valid_body(world, method: str, path: str) -> dict:
    return VALID_REQUESTS[method, path.removeprefix(API)][1](world)
