"""Activity-log fixtures: facilitators with offerings, filing logs through the API, editing
them with the ETag they were read with."""

from datetime import UTC, datetime

import pytest

from app.activity.models import CHECKLIST

LOGS = "/api/v1/activity-logs"
ALL_DONE = dict.fromkeys(CHECKLIST, "Done")
# A "now" late in 2026, after every fixed 2026 date these tests use: by then trimesters 1 and
# 2 of 2026 (the default offering starts 2026-01-05) have every week due and locked.
IN_LATE_2026 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def in_late_2026(time_machine):
    """The clock at IN_LATE_2026 (still ticking), for tests whose fixed 2026 dates must be in
    the past. Request it before anything that issues tokens or files logs (`usefixtures`)."""
    time_machine.move_to(IN_LATE_2026, tick=True)


@pytest.fixture
def facilitator(create_user):
    return create_user("facilitator")


@pytest.fixture
def offering_of(create_offering):
    """`offering_of(facilitator, **overrides)` → the id of a new offering allocated to them."""

    def make(person, **overrides) -> int:
        return create_offering(facilitator_id=person.id if person else None, **overrides)["id"]

    return make


@pytest.fixture
def file_log(client, auth_headers):
    """`file_log(user, allocation_id, week_number=1, **fields)` → the response (not asserted)."""

    def post(user, allocation_id, week_number=1, *, client=client, **fields):
        body = {"allocation_id": allocation_id, "week_number": week_number} | fields
        return client.post(LOGS, json=body, headers=auth_headers(user))

    return post


@pytest.fixture
def create_log(file_log):
    """`create_log(user, allocation_id, week_number=1, **fields)` → the new log (201 asserted)."""

    def make(user, allocation_id, week_number=1, **fields) -> dict:
        response = file_log(user, allocation_id, week_number, **fields)
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def edit_log(client, auth_headers):
    """`edit_log(user, log_id, **changes)` → the PATCH response, sent with a fresh If-Match."""

    def patch(user, log_id, **changes):
        headers = auth_headers(user)
        read = client.get(f"{LOGS}/{log_id}", headers=headers)
        assert read.status_code == 200, read.json
        return client.patch(
            f"{LOGS}/{log_id}", json=changes, headers=headers | {"If-Match": read.headers["ETag"]}
        )

    return patch


# Before any offering these tests create begins, whatever the clock.
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def naive_utc(moment: datetime) -> datetime:
    """As the database stores a timestamp (naive UTC), for raw SQL."""
    return moment.astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def enrolled(create_user, enrol, run_sql):
    """`enrolled(offering_id, "Ada Lovelace", …, since=LONG_AGO)` → the new students, enrolled
    (through the API) since that moment, in the order given."""

    def make(offering_id: int, *names: str, since: datetime = LONG_AGO) -> list:
        students = [
            create_user("student", first_name=first, last_name=last)
            for first, last in (name.split(" ", 1) for name in names)
        ]
        enrol(offering_id, *students)
        for student in students:
            run_sql(
                "UPDATE enrollments SET enrolled_at = :at WHERE offering_id = :offering"
                " AND student_id = :student",
                at=naive_utc(since), offering=offering_id, student=student.id,
            )  # fmt: skip
        return students

    return make


def entries(*pairs) -> list[dict]:
    """`entries((ada, "present"), …)` → an attendance list for a log body."""
    return [{"student_id": student.id, "status": status} for student, status in pairs]
