"""The compliance report: every (offering, week) already due, classified, with totals, checked
against a small term whose answers were worked out by hand."""

import csv
import io
import json
from datetime import date, timedelta

import pytest

from app.activity.models import ActivityLog
from app.extensions import db
from tests.activity.conftest import ALL_DONE

# The hand-worked answers below are for trimesters of 2026 seen from late 2026.
pytestmark = pytest.mark.usefixtures("in_late_2026")

REPORT = "/api/v1/activity-logs/compliance"
TERM = {"trimester": 1, "year": 2026}
UNSYNCED = ALL_DONE | {"intranet_sync": "Pending"}  # five of six: incomplete


@pytest.fixture
def term(app, create_user, create_entry, create_offering, create_log):
    """Trimester 1 of 2026, every week in the past:

    alice — A (4 weeks): 1 on time, 2 late, 3 incomplete, 4 missing
            C (3 weeks, its own cohort): 1 missing, 2 missing, 3 late
    bob   — B (4 weeks, its own module): 1, 2, 3 on time, 4 late
    Plus a trimester-2 offering of alice's with a log, which the report must leave out.
    Logs filed now are late (every deadline has passed); "on time" ones are moved back.
    """
    alice = create_user("facilitator", first_name="Alice", last_name="Uwase")
    bob = create_user("facilitator", first_name="Bob", last_name="Mugisha")
    four_weeks = {"start_date": "2026-01-05", "end_date": "2026-02-01"}
    a = create_offering(facilitator_id=alice.id, **four_weeks)
    b = create_offering(facilitator_id=bob.id, start_date="2026-01-12", end_date="2026-02-08")
    c = create_offering(facilitator_id=alice.id, start_date="2026-01-05", end_date="2026-01-25")
    later = create_offering(
        facilitator_id=alice.id, trimester=2, start_date="2026-05-04", end_date="2026-05-31"
    )
    assert (a["weeks"], b["weeks"], c["weeks"]) == (4, 4, 3)

    def on_time(log):
        with app.app_context():
            filed = db.session.get(ActivityLog, log["id"])
            filed.submitted_at = filed.due_at - timedelta(days=1)
            db.session.commit()
        return log

    logs = {
        (a["id"], 1): on_time(create_log(alice, a["id"], 1, **ALL_DONE)),
        (a["id"], 2): create_log(alice, a["id"], 2, **ALL_DONE),
        (a["id"], 3): on_time(create_log(alice, a["id"], 3, **UNSYNCED)),
        (c["id"], 3): create_log(alice, c["id"], 3, **ALL_DONE),
        (b["id"], 1): on_time(create_log(bob, b["id"], 1, **ALL_DONE)),
        (b["id"], 2): on_time(create_log(bob, b["id"], 2, **ALL_DONE)),
        (b["id"], 3): on_time(create_log(bob, b["id"], 3, **ALL_DONE)),
        (b["id"], 4): create_log(bob, b["id"], 4, **ALL_DONE),
    }
    create_log(alice, later["id"], 1, **ALL_DONE)
    expected = {
        (a["id"], 1): "submitted_on_time",
        (a["id"], 2): "submitted_late",
        (a["id"], 3): "incomplete",
        (a["id"], 4): "missing",
        (b["id"], 1): "submitted_on_time",
        (b["id"], 2): "submitted_on_time",
        (b["id"], 3): "submitted_on_time",
        (b["id"], 4): "submitted_late",
        (c["id"], 1): "missing",
        (c["id"], 2): "missing",
        (c["id"], 3): "submitted_late",
    }
    return {
        "alice": alice, "bob": bob, "a": a, "b": b, "c": c, "logs": logs, "expected": expected,
    }  # fmt: skip


def statuses(report: dict) -> dict:
    return {(row["allocation_id"], row["week_number"]): row["status"] for row in report["rows"]}


def test_report_classifies_every_week_due(client, term, as_manager):
    response = client.get(REPORT, query_string=TERM, headers=as_manager)

    assert response.status_code == 200
    report = response.json
    assert (report["trimester"], report["year"]) == (1, 2026)
    assert report["generated_at"]
    assert len(report["rows"]) == 11
    assert statuses(report) == term["expected"]


def test_report_totals_per_facilitator_and_overall(client, term, as_manager):
    report = client.get(REPORT, query_string=TERM, headers=as_manager).json

    assert report["overall"] == {
        "due": 11,
        "submitted_on_time": 4,
        "submitted_late": 3,
        "incomplete": 1,
        "missing": 3,
        "completion_rate": round(7 / 11, 4),
        "on_time_rate": round(4 / 11, 4),
    }
    by_facilitator = {row["facilitator_id"]: row for row in report["facilitators"]}
    assert by_facilitator[term["alice"].id] == {
        "facilitator_id": term["alice"].id,
        "facilitator_name": "Alice Uwase",
        "due": 7,
        "submitted_on_time": 1,
        "submitted_late": 2,
        "incomplete": 1,
        "missing": 3,
        "completion_rate": round(3 / 7, 4),
        "on_time_rate": round(1 / 7, 4),
    }
    assert by_facilitator[term["bob"].id] == {
        "facilitator_id": term["bob"].id,
        "facilitator_name": "Bob Mugisha",
        "due": 4,
        "submitted_on_time": 3,
        "submitted_late": 1,
        "incomplete": 0,
        "missing": 0,
        "completion_rate": 1.0,
        "on_time_rate": 0.75,
    }
    assert len(report["facilitators"]) == 2


def test_rows_name_the_deadline_and_the_log(client, term, as_manager):
    report = client.get(REPORT, query_string=TERM, headers=as_manager).json
    rows = {(row["allocation_id"], row["week_number"]): row for row in report["rows"]}
    a = term["a"]

    missing = rows[(a["id"], 4)]
    assert missing["due_at"] == "2026-02-02T07:00:00+00:00"
    assert missing["log_id"] is None and missing["submitted_at"] is None
    assert missing["facilitator_name"] == "Alice Uwase"
    assert missing["module_code"] == a["module"]["code"]
    on_time = rows[(a["id"], 1)]
    assert on_time["log_id"] == term["logs"][(a["id"], 1)]["id"]
    assert on_time["due_at"] == "2026-01-12T07:00:00+00:00"
    assert on_time["submitted_at"] == "2026-01-11T07:00:00+00:00"


def test_facilitator_sees_only_their_own_weeks(client, term, auth_headers):
    report = client.get(REPORT, query_string=TERM, headers=auth_headers(term["bob"])).json

    assert {row["facilitator_id"] for row in report["rows"]} == {term["bob"].id}
    assert len(report["rows"]) == 4
    assert [row["facilitator_name"] for row in report["facilitators"]] == ["Bob Mugisha"]
    assert report["overall"]["due"] == 4


def test_facilitator_cannot_see_another_facilitators_weeks(client, term, auth_headers):
    query = TERM | {"facilitator_id": term["alice"].id}

    report = client.get(REPORT, query_string=query, headers=auth_headers(term["bob"])).json

    assert report["rows"] == []
    assert report["facilitators"] == []
    assert report["overall"]["due"] == 0


@pytest.mark.parametrize(
    "narrowing, offerings",
    [
        (lambda t: {"facilitator_id": t["alice"].id}, ("a", "c")),
        (lambda t: {"module_id": t["b"]["module_id"]}, ("b",)),
        (lambda t: {"cohort_id": t["c"]["cohort_id"]}, ("c",)),
    ],
)
def test_report_can_be_narrowed(client, term, as_manager, narrowing, offerings):
    report = client.get(REPORT, query_string=TERM | narrowing(term), headers=as_manager).json

    expected = {
        key: status
        for key, status in term["expected"].items()
        if key[0] in {term[name]["id"] for name in offerings}
    }
    assert statuses(report) == expected
    assert report["overall"]["due"] == len(expected)


def test_other_trimesters_are_a_separate_report(client, term, as_manager):
    report = client.get(
        REPORT, query_string={"trimester": 2, "year": 2026}, headers=as_manager
    ).json

    assert [row["status"] for row in report["rows"]] == ["submitted_late"] + ["missing"] * 3


def test_only_weeks_already_due_are_reported(
    client, create_user, create_offering, create_log, as_manager
):
    facilitator = create_user("facilitator")
    start = date.today() - timedelta(days=15)  # weeks 1 and 2 due; week 3 due in 6 days
    offering = create_offering(
        facilitator_id=facilitator.id,
        trimester=3,
        start_date=start.isoformat(),
        end_date=(start + timedelta(days=83)).isoformat(),
    )
    create_log(facilitator, offering["id"], 3, **ALL_DONE)  # filed early, not due yet

    report = client.get(
        REPORT, query_string={"trimester": 3, "year": 2026}, headers=as_manager
    ).json

    assert [(row["week_number"], row["status"]) for row in report["rows"]] == [
        (1, "missing"),
        (2, "missing"),
    ]
    assert report["overall"]["completion_rate"] == 0.0


def test_csv_has_the_same_rows_as_json(client, term, as_manager):
    as_json = client.get(REPORT, query_string=TERM, headers=as_manager).json

    response = client.get(REPORT, query_string=TERM | {"format": "csv"}, headers=as_manager)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.get_data().startswith("\ufeff".encode())  # spreadsheets then read UTF-8
    assert "compliance-2026-T1.csv" in response.headers["Content-Disposition"]
    reader = csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))
    assert reader.fieldnames == [
        "allocation_id", "module_code", "facilitator_id", "facilitator_name",
        "week_number", "due_at", "status", "log_id", "submitted_at",
    ]  # fmt: skip
    expected = [
        {key: "" if value is None else str(value) for key, value in row.items()}
        for row in as_json["rows"]
    ]
    assert list(reader) == expected
    assert len(expected) == 11


def test_csv_for_a_facilitator_holds_only_their_rows(client, term, auth_headers):
    response = client.get(
        REPORT, query_string=TERM | {"format": "csv"}, headers=auth_headers(term["alice"])
    )

    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert {row["facilitator_name"] for row in rows} == {"Alice Uwase"}
    assert len(rows) == 7


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"trimester": 1},
        {"year": 2026},
        {"trimester": 4, "year": 2026},
        {"trimester": 0, "year": 2026},
        {"trimester": "first", "year": 2026},
        {"trimester": 1, "year": "this"},
        {"trimester": 1, "year": 1999},
        {"trimester": 1, "year": 2026, "format": "xlsx"},
    ],
)
def test_missing_or_invalid_report_parameters_are_a_422(client, as_manager, query):
    response = client.get(REPORT, query_string=query, headers=as_manager)

    assert response.status_code == 422
    assert response.json["errors"]["query"]


def test_rows_come_in_pages_while_totals_cover_the_whole_term(client, term, as_manager):
    whole = client.get(REPORT, query_string=TERM, headers=as_manager).json
    page = client.get(REPORT, query_string=TERM | {"page": 2, "page_size": 4}, headers=as_manager)

    assert json.loads(page.headers["X-Pagination"])["total"] == 11
    assert page.json["rows"] == whole["rows"][4:8]
    assert page.json["overall"] == whole["overall"]
    assert page.json["facilitators"] == whole["facilitators"]


def test_archived_offerings_leave_the_report(client, term, as_manager, create_offering):
    archived = create_offering(
        facilitator_id=term["alice"].id, is_active=False, start_date="2026-01-05",
        end_date="2026-02-01", intake="FT",
    )  # fmt: skip

    report = client.get(REPORT, query_string=TERM, headers=as_manager).json

    assert report["overall"]["due"] == 11
    assert archived["id"] not in {row["allocation_id"] for row in report["rows"]}


def test_totals_and_rows_agree_after_an_offering_moves(client, term, as_manager):
    """B's four logs were filed in January; moved to have started 8 days ago, only its week 1
    is due, and the totals must count just that week, as the rows do."""
    start = date.today() - timedelta(days=8)
    moved = client.patch(
        f"/api/v1/course-offerings/{term['b']['id']}",
        json={
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(weeks=4)).isoformat(),
        },
        headers=as_manager,
    )
    assert moved.status_code == 200

    report = client.get(REPORT, query_string=TERM | {"page_size": 1000}, headers=as_manager).json

    outcomes = ("submitted_on_time", "submitted_late", "incomplete", "missing")
    counted = dict.fromkeys(outcomes, 0)
    for row in report["rows"]:
        counted[row["status"]] += 1
    assert {outcome: report["overall"][outcome] for outcome in outcomes} == counted
    assert report["overall"]["due"] == len(report["rows"]) == 8
    assert [
        row["week_number"] for row in report["rows"] if row["allocation_id"] == term["b"]["id"]
    ] == [1]


def test_csv_cells_cannot_become_spreadsheet_formulas(client, term, as_manager, auth_headers):
    client.patch(
        "/api/v1/auth/me", json={"first_name": "=HYPERLINK(\"http://x\")"},
        headers=auth_headers(term["bob"]),
    )  # fmt: skip

    response = client.get(REPORT, query_string=TERM | {"format": "csv"}, headers=as_manager)

    names = {
        row["facilitator_name"]
        for row in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))
    }
    assert '\'=HYPERLINK("http://x") Mugisha' in names
    assert not any(name.startswith("=") for name in names)
