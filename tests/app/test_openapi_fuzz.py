"""Schemathesis, every check, against the app's own OpenAPI document: each operation, signed in
as each role and anonymous, on a database seeded so that ids reach real objects.

The bounded run here uses a fixed seed and a few examples per operation and role;
`make fuzz` runs the same module with FUZZ_EXAMPLES examples each (see docs/testing.md).
"""

import os
import zlib
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from app import create_app
from app.activity.deadlines import DeadlineRule
from app.activity.models import ActivityLog
from app.auth import services as auth_services
from app.auth.models import User
from app.config import TestingConfig
from app.core import clock
from app.courses.models import Cohort, CourseClass, CourseOffering, DeliveryMode, Enrollment, Module
from app.data.unit_of_work import unit_of_work
from app.extensions import db
from app.notifications import services as notification_services
from app.notifications.models import Notification
from app.reflections.models import Reflection

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
ROLES = ("manager", "facilitator", "student", "anonymous")


fuzz_app = create_app(TestingConfig)
UNLIMITED = "1000000 per minute"


@pytest.fixture(scope="module", autouse=True)
def no_rate_limits():
    """Rate limits answer 429 to a fuzzer's burst; they are documented and tested on their
    own, and raised here out of its way."""
    limits = {name: UNLIMITED for name in fuzz_app.config if "RATE_LIMIT" in name}
    fuzz_app.config.update(limits)


# --- the seeded world ------------------------------------------------------------------------

# Path parameter → the seeded ids it may take (filled per test by `world`).
IDS: dict[str, list] = {}
SIGNED_IN: dict[str, int] = {}


def issue(user_id: int) -> dict:
    with fuzz_app.test_request_context():
        return auth_services.issue_tokens(db.session.get(User, user_id))


PEOPLE = {
    "manager": "manager", "other_manager": "manager",
    "facilitator": "facilitator", "other_facilitator": "facilitator",
    "student": "student", "other_student": "student",
}  # fmt: skip


@pytest.fixture
def world(app, create_user):
    """Each role's own objects and someone else's (offerings, weekly logs, reflections,
    notifications, calendar feeds, catalogue entries), written straight to the tables: the
    world is built again for every operation, so what one operation deletes or changes does
    not leave the next with nothing to reach."""
    people = {name: create_user(role).id for name, role in PEOPLE.items()}
    with fuzz_app.app_context(), unit_of_work():
        ids = seed(people)
    IDS.clear()
    IDS.update(ids)
    SIGNED_IN.clear()
    SIGNED_IN.update({role: people[role] for role in ROLES if role in people})


def seed(people: dict[str, int]) -> dict[str, list]:
    catalogue = [Module(code="FZ1", name="Fuzz", credits=10), Module(code="FZ2", name="Unused",
                 credits=5), CourseClass(name="FZ1"), Cohort(name="Fuzz cohort")]  # fmt: skip
    db.session.add_all(catalogue)
    db.session.flush()
    module, _, klass, cohort = catalogue
    mode_id = db.session.scalar(select(DeliveryMode.id).limit(1))
    today = clock.now().date()
    start = today - timedelta(days=today.weekday() + 21)  # a Monday three weeks ago
    rule = DeadlineRule.from_config()
    offerings = [
        CourseOffering(module_id=module.id, class_id=klass.id, cohort_id=cohort.id,
                       mode_id=mode_id, trimester=1, year=start.year, intake=intake,
                       start_date=start, end_date=start + timedelta(weeks=10), max_students=30,
                       facilitator_id=people.get(facilitator))
        for intake, facilitator in [("HT1", "facilitator"), ("HT2", "other_facilitator"),
                                    ("FT", None)]
    ]  # fmt: skip
    db.session.add_all(offerings)
    db.session.flush()
    mine, theirs = offerings[:2]
    rows = [
        Enrollment(offering_id=mine.id, student_id=people["student"]),
        Enrollment(offering_id=theirs.id, student_id=people["other_student"]),
        *(ActivityLog(offering_id=offering.id, week_number=1, due_at=rule.due_at(start, 1),
                      submitted_by_id=offering.facilitator_id)
          for offering in (mine, theirs)),
        *(Reflection(offering_id=offering.id, student_id=people[student], rating=4,
                     language="en", **ANSWERS)
          for offering, student in [(mine, "student"), (theirs, "other_student")]),
        *(Notification(dedupe_key=f"fuzz:{person}:{status}", recipient_id=person,
                       kind="overdue", offering_id=mine.id, week_number=1,
                       deadline=clock.now(), channel="email", status=status, attempts=1,
                       language="en", last_error="550 refused" if status == "failed" else None)
          for person in people.values() for status in ("sent", "failed")),
    ]  # fmt: skip
    db.session.add_all(rows)
    db.session.flush()
    feeds = [notification_services.create_feed(db.session.get(User, people[name]))
             for name in ("manager", "facilitator", "student")]  # fmt: skip
    return {
        "entry_id": [entry.id for entry in catalogue] + [mode_id],
        "offering_id": [offering.id for offering in offerings],
        "student_id": [people["student"], people["other_student"]],
        # Other people's accounts only: the signed-in manager is not the one deactivated.
        "user_id": [people[name] for name in people if name.startswith("other_")],
        "log_id": [row.id for row in rows if isinstance(row, ActivityLog)],
        "reflection_id": [row.id for row in rows if isinstance(row, Reflection)],
        "notification_id": [row.id for row in rows if isinstance(row, Notification)],
        "token": feeds,
    }


ANSWERS = {
    "went_well": "The weekly labs made it concrete.",
    "hardest": "Keeping up with the reading.",
    "would_help": "Worked examples before assignments.",
}


# --- the run ---------------------------------------------------------------------------------


def seeded_ids(context, path_parameters: dict | None) -> dict | None:
    """Three generated ids in four become seeded ones (the others still try unknown ids); the
    choice follows the generated value, so a fixed seed replays exactly."""
    for name, value in (path_parameters or {}).items():
        pool = IDS.get(name)
        number = zlib.crc32(str(value).encode())
        if pool and number % 4 and (name == "token" or (isinstance(value, int) and value > 0)):
            path_parameters[name] = pool[number % len(pool)]
    return path_parameters


# Their 422 also answers for what the data means, not only for its shape, which no schema can
# state: an id that names nothing, dates out of order, ids that are not students' or not an
# offering's week, a wrong current password, a password too easy to guess (common, or only
# repetitions and sequences), a used link, someone else's refresh token, a profile field of
# another role than the account's, a file that is not UTF-8 CSV, an unavailable period that
# ends before it starts. A schema-valid request may
# hear it here.
CROSS_CHECKED = [
    "POST /api/v1/auth/register",
    "POST /api/v1/auth/logout",
    "POST /api/v1/auth/password",
    "POST /api/v1/auth/password-reset/confirm",
    "POST /api/v1/course-offerings",
    "PATCH /api/v1/course-offerings/{offering_id}",
    "POST /api/v1/course-offerings/{offering_id}/enrollments",
    "GET /api/v1/course-offerings/{offering_id}/roster",
    "POST /api/v1/activity-logs",
    "PATCH /api/v1/activity-logs/{log_id}",
    "PATCH /api/v1/admin/users/{user_id}",
    "POST /api/v1/admin/users/import",
    "POST /api/v1/admin/users/{user_id}/unavailability",
]
# What a schema-valid request may hear anywhere: 304 for an If-None-Match that matches, 412 for
# a made-up If-Match; no 429, as rate limits are raised out of the way here.
ACCEPTED = ["2xx", "304", "401", "403", "404", "409", "412"]
ONLY_FOR = "Only for: "  # how app/api/blueprint.py documents a 403 for the wrong role


def refused_unread(role: str) -> list[str]:
    """The operations that turn this role away (401, or 403 for its role) before reading what
    it sent: every invalid variant of their input would hear that same answer, so their
    coverage phase sends only the valid boundary cases (the other phases still send both)."""
    spec = fuzz_app.test_client().get("/openapi.json").json
    refused = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters" or operation.get("security") == []:
                continue
            forbidden = operation["responses"].get("403", {}).get("description", "")
            only_for = forbidden.startswith(ONLY_FOR)
            allowed = forbidden.removeprefix(ONLY_FOR).split(", ") if only_for else ROLES
            if role == "anonymous" or role not in allowed:
                refused.append(f"{method.upper()} {path}")
    return refused


def config_for(role: str) -> schemathesis.Config:
    refused = refused_unread(role)
    return schemathesis.Config.from_dict(
        {
            "checks": {
                # The one required header is If-Match: without it, 428 (RFC 6585), unless the
                # caller is refused first (401, 403); it is checked before the body is read.
                "missing_required_header": {"expected-statuses": [401, 403, 428]},
                "positive_data_acceptance": {"expected-statuses": ACCEPTED},
            },
            "operations": [
                {
                    "include-name": CROSS_CHECKED,
                    "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, 422]}},
                },
                *([{"include-name": refused,
                    "phases": {"coverage": {"generation": {"mode": "positive"}}}}]
                  if refused else []),
            ],
        }
    )  # fmt: skip


def as_role_reads_it(role: str) -> dict:
    """The document as a caller of `role` reads it: a shape that depends on the caller's role
    (`x-by-role`, app/api/openapi.py) is that role's."""
    document = fuzz_app.test_client().get("/openapi.json").json
    shapes = document["components"]["schemas"]
    for name, shape in shapes.items():
        if role in shape.get("x-by-role", {}):
            shapes[name] = {"$ref": shape["x-by-role"][role]}
    return document


def role_schema(role: str):
    schema = schemathesis.openapi.from_dict(as_role_reads_it(role), config=config_for(role))
    schema.app, schema.location = fuzz_app, "/openapi.json"  # as `from_wsgi` loads it
    schema.hook("map_path_parameters")(seeded_ids)

    if role == "anonymous":
        return schema

    @schema.auth(refresh_interval=None)
    class FreshToken:
        """A new token for every request: an example that signs out, or changes the password,
        leaves the examples after it signed in still."""

        def get(self, case, context):
            if role not in SIGNED_IN:  # asked while collecting, before anyone exists
                return None
            kind = "refresh_token" if case.path.endswith("/auth/refresh") else "access_token"
            return issue(SIGNED_IN[role])[kind]

        def set(self, case, token, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    return schema


@schemathesis.pytest.parametrize(**{role: role_schema(role) for role in ROLES})
@settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples on every run
    database=None,
    deadline=None,
    # `world` is built per operation on purpose, and the long text patterns are slow to draw.
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_every_promise_its_document_makes(case, world):
    case.call_and_validate()
