"""The workload report against a known trimester: each active facilitator's offerings against
their maximum, students, logs due, missing, late and incomplete, students at risk; its filters,
its CSV, and a facilitator's own row."""

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.activity.conftest import ALL_DONE, entries
from tests.admin.conftest import ADMIN

TERM = {"year": 2026, "trimester": 1, "start_date": "2026-01-05", "end_date": "2026-04-03"}
# Weeks 1-5 are due (the fifth on Monday 9 February, 09:00 in Kigali); logs filed now are late.
VIEWED_AT = datetime(2026, 2, 10, 12, tzinfo=UTC)
QUERY = {"trimester": 1, "year": 2026}
BOB = {
    "facilitator_name": "Bob Mugisha", "offerings": 1, "max_offerings": 4, "room_left": 3,
    "enrolled_students": 0, "due": 5, "missing": 5, "late": 0, "incomplete": 0,
    "at_risk_students": 0,
}  # fmt: skip
ALICE = {
    "facilitator_name": "Alice Uwase", "offerings": 3, "max_offerings": 3, "room_left": 0,
    "enrolled_students": 4, "due": 10, "missing": 7, "late": 2, "incomplete": 1,
    "at_risk_students": 1,
}  # fmt: skip


@pytest.fixture
def viewed_at(time_machine):
    """The clock at VIEWED_AT (ticking), before anything issues tokens."""
    time_machine.move_to(VIEWED_AT, tick=True)


pytestmark = pytest.mark.usefixtures("viewed_at")


@pytest.fixture
def term(client, as_manager, create_user, create_offering, create_log, enrolled):
    """Alice (maximum 3) runs two active offerings and a planned one: in the first, weeks 1
    and 2 filed complete (late) and week 3 incomplete, Ada absent all three; nothing in the
    second. Bob (the default maximum, 4) runs one with nothing filed, and a cancelled one that
    does not count. Claude is deactivated: not listed. One offering has nobody."""
    alice = create_user("facilitator", first_name="Alice", last_name="Uwase")
    bob = create_user("facilitator", first_name="Bob", last_name="Mugisha")
    claude = create_user("facilitator", first_name="Claude", last_name="Gone")
    users = f"{ADMIN}/users"
    client.patch(f"{users}/{alice.id}", json={"max_offerings_per_trimester": 3}, headers=as_manager)
    first = create_offering(facilitator_id=alice.id, **TERM)["id"]
    second = create_offering(facilitator_id=alice.id, **TERM)["id"]
    planned = create_offering(facilitator_id=alice.id, status="planned", **TERM)["id"]
    create_offering(facilitator_id=bob.id, **TERM)
    cancelled = create_offering(facilitator_id=bob.id, **TERM)["id"]
    create_offering(facilitator_id=claude.id, **TERM)
    create_offering(**TERM)
    ada, _alan = enrolled(first, "Ada Lovelace", "Alan Turing")
    enrolled(second, "Grace Hopper")
    enrolled(planned, "Hedy Lamarr")
    enrolled(cancelled, "Joan Clarke")
    for week, checklist in ((1, ALL_DONE), (2, ALL_DONE), (3, {})):
        create_log(alice, first, week, attendance=entries((ada, "absent")), **checklist)
    client.patch(
        f"/api/v1/course-offerings/{cancelled}", json={"status": "cancelled"}, headers=as_manager
    )
    client.patch(f"{users}/{claude.id}", json={"is_active": False}, headers=as_manager)
    return {"alice": alice, "bob": bob}


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.json
    return [{key: row[key] for key in ALICE} for row in response.json]


def test_each_active_facilitators_load_by_name(client, as_manager, term):
    response = client.get(f"{ADMIN}/workload", query_string=QUERY, headers=as_manager)

    assert rows(response) == [BOB, ALICE]
    assert [row["facilitator_id"] for row in response.json] == [term["bob"].id, term["alice"].id]
    assert response.json[1]["email"] == term["alice"].email


@pytest.mark.parametrize(
    ("query", "expected"),
    [({"has_room": "true"}, [BOB]), ({"has_room": "false"}, [ALICE]),
     ({"trimester": 2}, [BOB | {"offerings": 0, "room_left": 4, "due": 0, "missing": 0},
                         ALICE | {"offerings": 0, "room_left": 3, "enrolled_students": 0,
                                  "due": 0, "missing": 0, "late": 0, "incomplete": 0,
                                  "at_risk_students": 0}])],
    ids=["with-room", "full", "another-trimester"],
)  # fmt: skip
def test_filters(client, as_manager, term, query, expected):
    response = client.get(f"{ADMIN}/workload", query_string=QUERY | query, headers=as_manager)

    assert rows(response) == expected


def test_one_facilitator_and_pages(client, as_manager, term):
    one = client.get(
        f"{ADMIN}/workload", query_string=QUERY | {"facilitator_id": term["alice"].id},
        headers=as_manager,
    )  # fmt: skip
    second_page = client.get(
        f"{ADMIN}/workload", query_string=QUERY | {"page": 2, "page_size": 1}, headers=as_manager
    )

    assert rows(one) == [ALICE]
    assert rows(second_page) == [ALICE]


def test_the_csv_has_the_same_rows_and_columns(client, as_manager, term):
    response = client.get(f"{ADMIN}/exports/workload.csv", query_string=QUERY, headers=as_manager)

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(table[0]) == [
        "facilitator_id", "facilitator_name", "email", "offerings", "max_offerings", "room_left",
        "enrolled_students", "due", "missing", "late", "incomplete", "at_risk_students",
    ]  # fmt: skip
    assert [{key: row[key] for key in ALICE} for row in table] == [
        {key: str(value) for key, value in expected.items()} for expected in (BOB, ALICE)
    ]


def test_a_facilitator_reads_their_own_row(client, auth_headers, term):
    response = client.get(
        "/api/v1/me/workload", query_string=QUERY, headers=auth_headers(term["alice"])
    )

    assert response.status_code == 200
    assert {key: response.json[key] for key in ALICE} == ALICE


@pytest.mark.parametrize("role", ["manager", "student"])
def test_only_facilitators_have_a_row_of_their_own(client, auth_headers, create_user, role):
    response = client.get(
        "/api/v1/me/workload", query_string=QUERY, headers=auth_headers(create_user(role))
    )

    assert response.status_code == 403


def test_the_report_needs_a_trimester(client, as_manager):
    response = client.get(f"{ADMIN}/workload", query_string={"year": 2026}, headers=as_manager)

    assert response.status_code == 422
    assert set(response.json["errors"]["query"]) == {"trimester"}
