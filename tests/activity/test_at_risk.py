"""Students at risk through absence: the thresholds as a trimester goes by, both reasons with
their figures, recovery and relapse; the lists, their filters and download; the interface a
notification uses to find them and to check again before sending."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from app.activity import at_risk
from tests.activity.conftest import entries

OFFERINGS = "/api/v1/course-offerings"
ADMIN_AT_RISK = "/api/v1/admin/at-risk"
BEFORE_TERM = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
TERM_START = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # Monday 09:00 in Kigali
WEEKS = {  # week → status of Ada, Alan, Grace ("-": not taken)
    1: "PPA", 2: "PPP", 3: "PPA", 4: "PPP", 5: "PPP", 6: "PPP",
    7: "PAP", 8: "PAP", 9: "PPP", 10: "PAP", 11: "PAP",
}  # fmt: skip
STATUS = {"P": "present", "A": "absent", "E": "excused"}
# Who is at risk once each week is filed, and why.
EXPECTED = {
    1: {}, 2: {},
    3: {"Grace": ["low_attendance"]},  # 1 of 3: the minimum of weeks is reached
    4: {"Grace": ["low_attendance"]}, 5: {"Grace": ["low_attendance"]},
    6: {"Grace": ["low_attendance"]},
    7: {"Grace": ["low_attendance"]},  # 5 of 7; Alan's first absence is not a run yet
    8: {"Alan": ["consecutive_absences"]},  # Grace recovers at 6 of 8; Alan 6 of 8 is 0.75
    9: {},  # Alan came back
    10: {"Alan": ["low_attendance"]},  # 7 of 10
    11: {"Alan": ["low_attendance", "consecutive_absences"]},  # relapse: both reasons
}  # fmt: skip


@pytest.fixture
def before_term(time_machine):
    time_machine.move_to(BEFORE_TERM, tick=True)


@pytest.fixture
def team(facilitator, offering_of, enrolled):
    offering_id = offering_of(facilitator)
    students = enrolled(offering_id, "Ada Lovelace", "Alan Turing", "Grace Hopper")
    return offering_id, students


def file_week(create_log, facilitator, offering_id, students, week: int, statuses: str) -> None:
    taken = [(s, STATUS[c]) for s, c in zip(students, statuses, strict=True) if c != "-"]
    create_log(facilitator, offering_id, week, attendance=entries(*taken))


def at_risk_in(client, headers, offering_id) -> list[dict]:
    response = client.get(f"{OFFERINGS}/{offering_id}/at-risk", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.usefixtures("before_term")
def test_the_thresholds_as_the_trimester_goes_by(
    client, time_machine, facilitator, team, create_log, auth_headers
):
    offering_id, students = team
    for week, statuses in WEEKS.items():
        time_machine.move_to(TERM_START + timedelta(weeks=week, hours=1), tick=True)
        file_week(create_log, facilitator, offering_id, students, week, statuses)

        listed = at_risk_in(client, auth_headers(facilitator), offering_id)

        assert {row["first_name"]: row["reasons"] for row in listed} == EXPECTED[week], week


def test_both_reasons_come_with_their_figures(client, facilitator, team, create_log, auth_headers):
    offering_id, students = team
    for week, statuses in WEEKS.items():
        file_week(create_log, facilitator, offering_id, students, week, statuses)

    [alan] = at_risk_in(client, auth_headers(facilitator), offering_id)

    assert alan == {
        "allocation_id": offering_id, "module_code": alan["module_code"],
        "facilitator_id": facilitator.id, "student_id": students[1].id,
        "first_name": "Alan", "last_name": "Turing", "student_number": alan["student_number"],
        "reasons": ["low_attendance", "consecutive_absences"],
        "attendance_rate": 0.6364, "recorded_weeks": 11, "present": 7, "absent": 4,
        "excused": 0, "consecutive_absences": 2,
    }  # fmt: skip


def test_weeks_not_taken_do_not_break_a_run_and_excused_ones_do(
    client, facilitator, team, create_log, auth_headers
):
    offering_id, students = team
    # Ada: absent, not taken, absent. Alan: absent, excused, absent. Grace: present throughout.
    for week, statuses in {1: "AAP", 2: "-EP", 3: "AAP"}.items():
        file_week(create_log, facilitator, offering_id, students, week, statuses)

    listed = at_risk_in(client, auth_headers(facilitator), offering_id)

    runs = {row["first_name"]: (row["reasons"], row["consecutive_absences"]) for row in listed}
    # Ada was taken twice (too few weeks for a rate); Alan's absences are not in a row, and
    # his rate (0 of 3) is what flags him.
    assert runs == {"Ada": (["consecutive_absences"], 2), "Alan": (["low_attendance"], 1)}


def test_the_thresholds_are_settings(
    app, monkeypatch, client, facilitator, team, create_log, auth_headers
):
    offering_id, students = team
    for week, statuses in {1: "PAP", 2: "PAP", 3: "PPP"}.items():
        file_week(create_log, facilitator, offering_id, students, week, statuses)
    monkeypatch.setitem(app.config, "AT_RISK_ATTENDANCE", 0.7)  # Alan: 1 of 3
    assert [
        row["first_name"] for row in at_risk_in(client, auth_headers(facilitator), offering_id)
    ] == ["Alan"]

    monkeypatch.setitem(app.config, "AT_RISK_ATTENDANCE", 0.3)
    monkeypatch.setitem(app.config, "AT_RISK_MIN_WEEKS", 4)
    assert at_risk_in(client, auth_headers(facilitator), offering_id) == []


def test_an_unenrolled_student_is_no_longer_listed(
    client, facilitator, team, create_log, auth_headers, as_manager
):
    offering_id, students = team
    for week in (1, 2):
        file_week(create_log, facilitator, offering_id, students, week, "PAP")

    client.delete(f"{OFFERINGS}/{offering_id}/enrollments/{students[1].id}", headers=as_manager)

    assert at_risk_in(client, auth_headers(facilitator), offering_id) == []


# --- the managers' list ----------------------------------------------------------------------


@pytest.fixture
def two_offerings(facilitator, create_user, offering_of, enrolled, create_log):
    """Two offerings of trimester 1 (by two facilitators), each with one student absent twice;
    and one of trimester 2, whose student is too."""
    other = create_user("facilitator")
    made = []
    for person, trimester, name in ((facilitator, 1, "Ada Lovelace"), (other, 1, "Alan Turing"),
                                    (other, 2, "Grace Hopper")):  # fmt: skip
        dates = {} if trimester == 1 else {"start_date": "2026-05-04", "end_date": "2026-07-31"}
        offering_id = offering_of(person, trimester=trimester, **dates)
        [student] = enrolled(offering_id, name)
        for week in (1, 2):
            create_log(person, offering_id, week, attendance=entries((student, "absent")))
        made.append((offering_id, person, student))
    return made


def test_managers_list_a_trimesters_students_at_risk(client, two_offerings, as_manager):
    response = client.get(
        ADMIN_AT_RISK, query_string={"trimester": 1, "year": 2026, "page_size": 1},
        headers=as_manager,
    )  # fmt: skip

    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    assert len(response.json) == 1
    everyone = client.get(
        ADMIN_AT_RISK, query_string={"trimester": 1, "year": 2026}, headers=as_manager
    ).json
    assert sorted(row["last_name"] for row in everyone) == ["Lovelace", "Turing"]


@pytest.mark.parametrize("filter_by", ["module_id", "cohort_id", "facilitator_id"])
def test_managers_filter_the_list(client, two_offerings, as_manager, filter_by):
    offering_id, person, _student = two_offerings[0]
    offering = client.get(f"{OFFERINGS}/{offering_id}", headers=as_manager).json
    value = person.id if filter_by == "facilitator_id" else offering[filter_by]

    listed = client.get(
        ADMIN_AT_RISK, query_string={"trimester": 1, "year": 2026, filter_by: value},
        headers=as_manager,
    ).json  # fmt: skip

    assert [row["last_name"] for row in listed] == ["Lovelace"]


def test_managers_download_the_list_as_csv(client, two_offerings, as_manager):
    response = client.get(
        "/api/v1/admin/exports/at-risk.csv", query_string={"trimester": 1, "year": 2026},
        headers=as_manager,
    )  # fmt: skip

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="at-risk-2026-T1.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["last_name"] for row in rows] == ["Lovelace", "Turing"]
    assert rows[0]["reasons"] == "consecutive_absences"
    assert rows[0]["consecutive_absences"] == "2"


def test_the_list_needs_a_trimester(client, as_manager):
    response = client.get(ADMIN_AT_RISK, headers=as_manager)

    assert response.status_code == 422
    assert set(response.json["errors"]["query"]) == {"trimester", "year"}


# --- what a notification kind calls ----------------------------------------------------------


def test_the_finder_and_the_send_time_check(
    app, client, two_offerings, edit_log, manager, as_manager
):
    (first, _person, ada), (second, _other, alan), (third, *_rest) = two_offerings
    with app.app_context():
        found = at_risk.students_at_risk()
        assert [(s.offering_id, s.student_id, s.reasons) for s in found] == [
            (first, ada.id, ("consecutive_absences",)),
            (second, alan.id, ("consecutive_absences",)),
            (third, two_offerings[2][2].id, ("consecutive_absences",)),
        ]
        assert [s.student_id for s in at_risk.students_at_risk([second])] == [alan.id]
        assert at_risk.is_at_risk(first, ada.id) is True

    [week_2] = client.get(
        "/api/v1/activity-logs", query_string={"allocation_id": first, "week_number": 2},
        headers=as_manager,
    ).json  # fmt: skip
    assert edit_log(manager, week_2["id"], attendance=entries((ada, "excused"))).status_code == 200

    with app.app_context():
        assert at_risk.is_at_risk(first, ada.id) is False
        assert at_risk.is_at_risk(first, alan.id) is False  # not in that offering at all
