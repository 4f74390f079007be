"""Per-student attendance: the roster of a week, filing and changing attendance per student
(and in the legacy boolean form), its history, and what a statement count says about it."""

from datetime import UTC, datetime

import pytest

from tests.activity.conftest import LOGS, LONG_AGO, entries, naive_utc

OFFERINGS = "/api/v1/course-offerings"
# Teaching weeks of the default offering (starts Monday 2026-01-05; Africa/Kigali, UTC+2).
IN_WEEK_2 = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)
IN_WEEK_3 = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
IN_WEEK_5 = datetime(2026, 2, 3, 12, 0, tzinfo=UTC)


def roster_names(client, headers, offering_id, week=None) -> list[str]:
    query = {} if week is None else {"week_number": week}
    response = client.get(f"{OFFERINGS}/{offering_id}/roster", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return [student["name"] for student in response.json]


def unenrol(client, as_manager, run_sql, offering_id, student, enrolled_at, unenrolled_at):
    """Remove the student (through the API), then date that enrolment's span."""
    response = client.delete(
        f"{OFFERINGS}/{offering_id}/enrollments/{student.id}", headers=as_manager
    )
    assert response.status_code == 204
    run_sql(
        "UPDATE ended_enrollments SET enrolled_at = :since, unenrolled_at = :until"
        " WHERE offering_id = :offering AND student_id = :student",
        since=naive_utc(enrolled_at), until=naive_utc(unenrolled_at),
        offering=offering_id, student=student.id,
    )  # fmt: skip


# --- the roster ------------------------------------------------------------------------------


def test_the_roster_is_ordered_by_last_then_first_name(
    client, facilitator, offering_of, enrolled, auth_headers
):
    offering_id = offering_of(facilitator)
    enrolled(offering_id, "Alan Turing", "Grace Hopper", "Ada Lovelace", "Adam Hopper")

    response = client.get(
        f"{OFFERINGS}/{offering_id}/roster", query_string={"week_number": 1},
        headers=auth_headers(facilitator),
    )  # fmt: skip

    assert response.status_code == 200
    assert [s["name"] for s in response.json] == [
        "Adam Hopper", "Grace Hopper", "Ada Lovelace", "Alan Turing"
    ]  # fmt: skip
    assert set(response.json[0]) == {"id", "name", "first_name", "last_name", "student_number"}


def test_a_student_enrolled_mid_week_is_on_that_weeks_roster_not_the_one_before(
    client, facilitator, offering_of, enrolled, auth_headers
):
    offering_id = offering_of(facilitator)
    enrolled(offering_id, "Ada Lovelace")
    enrolled(offering_id, "Alan Turing", since=IN_WEEK_2)
    headers = auth_headers(facilitator)

    assert roster_names(client, headers, offering_id, 1) == ["Ada Lovelace"]
    assert roster_names(client, headers, offering_id, 2) == ["Ada Lovelace", "Alan Turing"]


def test_an_unenrolled_student_stays_on_the_rosters_of_the_weeks_they_were_in(
    client, facilitator, offering_of, enrolled, auth_headers, as_manager, run_sql, time_machine
):
    offering_id = offering_of(facilitator)
    _ada, alan = enrolled(offering_id, "Ada Lovelace", "Alan Turing")
    unenrol(client, as_manager, run_sql, offering_id, alan, LONG_AGO, IN_WEEK_3)
    headers = auth_headers(facilitator)

    assert roster_names(client, headers, offering_id, 3) == ["Ada Lovelace", "Alan Turing"]
    assert roster_names(client, headers, offering_id, 4) == ["Ada Lovelace"]
    time_machine.move_to(IN_WEEK_5, tick=True)  # now: once Alan left
    assert roster_names(client, auth_headers(facilitator), offering_id) == ["Ada Lovelace"]


def test_a_re_enrolled_student_is_missing_only_from_the_weeks_in_between(
    client, facilitator, offering_of, enrolled, enrol, auth_headers, as_manager, run_sql
):
    offering_id = offering_of(facilitator)
    [alan] = enrolled(offering_id, "Alan Turing")
    unenrol(client, as_manager, run_sql, offering_id, alan, LONG_AGO, IN_WEEK_3)
    enrol(offering_id, alan)
    run_sql("UPDATE enrollments SET enrolled_at = :at", at=naive_utc(IN_WEEK_5))
    headers = auth_headers(facilitator)

    rosters = {week: roster_names(client, headers, offering_id, week) for week in (3, 4, 5)}

    assert rosters == {3: ["Alan Turing"], 4: [], 5: ["Alan Turing"]}


def test_a_week_outside_the_offering_has_no_roster(client, facilitator, offering_of, auth_headers):
    offering_id = offering_of(facilitator)

    response = client.get(
        f"{OFFERINGS}/{offering_id}/roster", query_string={"week_number": 14},
        headers=auth_headers(facilitator),
    )  # fmt: skip

    assert response.status_code == 422
    assert response.json["errors"] == {
        "query": {"week_number": ["Must be between 1 and 13, the offering's teaching weeks."]}
    }


# --- filing attendance per student -----------------------------------------------------------


def test_a_log_records_each_students_status_and_the_rate(
    facilitator, offering_of, enrolled, create_log
):
    offering_id = offering_of(facilitator)
    ada, alan, grace = enrolled(offering_id, "Ada Lovelace", "Alan Turing", "Grace Hopper")

    log = create_log(
        facilitator, offering_id, 1,
        attendance=entries((ada, "present"), (alan, "absent"), (grace, "excused")),
    )  # fmt: skip

    assert log["attendance"] == sorted(
        entries((ada, "present"), (alan, "absent"), (grace, "excused")),
        key=lambda entry: entry["student_id"],
    )
    assert log["attendance_rate"] == round(1 / 3, 4)
    assert log["legacy_attendance"] is None


def test_a_student_not_taken_is_neither_present_nor_absent(
    facilitator, offering_of, enrolled, create_log
):
    offering_id = offering_of(facilitator)
    ada, _alan = enrolled(offering_id, "Ada Lovelace", "Alan Turing")

    log = create_log(facilitator, offering_id, 1, attendance=entries((ada, "present")))

    assert log["attendance"] == entries((ada, "present"))
    assert log["attendance_rate"] == 1.0


def test_the_legacy_boolean_list_is_read_in_roster_order(
    facilitator, offering_of, enrolled, create_log
):
    offering_id = offering_of(facilitator)
    alan, ada = enrolled(offering_id, "Alan Turing", "Ada Lovelace")  # roster: Ada, Alan

    log = create_log(facilitator, offering_id, 1, attendance=[False, True])

    statuses = {entry["student_id"]: entry["status"] for entry in log["attendance"]}
    assert statuses == {ada.id: "absent", alan.id: "present"}
    assert log["attendance_rate"] == 0.5


@pytest.mark.parametrize("length", [1, 3, 40])
def test_a_legacy_list_of_another_length_is_refused_with_the_roster_size(
    facilitator, offering_of, enrolled, file_log, run_sql, length
):
    offering_id = offering_of(facilitator)
    enrolled(offering_id, "Ada Lovelace", "Alan Turing")

    response = file_log(facilitator, offering_id, 2, attendance=[True] * length)

    assert response.status_code == 422
    assert response.json["errors"]["json"] == {
        "attendance": [
            "The list of booleans needs one entry per student on the roster of week 2: 2."
        ]
    }
    assert run_sql("SELECT COUNT(*) FROM activity_logs")[0][0] == 0


def test_a_student_not_on_the_weeks_roster_is_refused_by_entry(
    facilitator, offering_of, enrolled, create_user, file_log, run_sql
):
    offering_id = offering_of(facilitator)
    [ada] = enrolled(offering_id, "Ada Lovelace")
    [later] = enrolled(offering_id, "Alan Turing", since=IN_WEEK_2)
    stranger = create_user("student")

    response = file_log(
        facilitator, offering_id, 1,
        attendance=entries((ada, "present"), (stranger, "absent"), (later, "present")),
    )  # fmt: skip

    assert response.status_code == 422
    assert response.json["errors"]["json"] == {
        "attendance": {
            "1": {"student_id": ["Not on the roster of week 1."]},
            "2": {"student_id": ["Not on the roster of week 1."]},
        }
    }
    assert run_sql("SELECT COUNT(*) FROM attendance_records")[0][0] == 0


def test_the_same_student_twice_is_refused(facilitator, offering_of, enrolled, file_log):
    offering_id = offering_of(facilitator)
    [ada] = enrolled(offering_id, "Ada Lovelace")

    response = file_log(
        facilitator, offering_id, attendance=entries((ada, "present"), (ada, "absent"))
    )

    assert response.status_code == 422
    assert response.json["errors"]["json"] == {
        "attendance": {"1": {"student_id": [f"Student {ada.id} appears twice."]}}
    }


NOT_A_LIST = "A list of entries with student_id and status (or of booleans)."
STATUS_ENUM = "Must be one of: present, absent, excused."


@pytest.mark.parametrize(
    "attendance, error",
    [
        ([{"student_id": 1, "status": "late"}], {"0": {"status": [STATUS_ENUM]}}),
        ([{"student_id": "1", "status": "present"}],
         {"0": {"student_id": ["Not a valid integer."]}}),
        ([{"student_id": 1}], {"0": {"status": ["Missing data for required field."]}}),
        ([{"student_id": 1, "status": "present", "late": True}],
         {"0": {"late": ["Unknown field."]}}),
        ([True, {"student_id": 1, "status": "present"}], {"0": [NOT_A_LIST]}),
        ("yes", [NOT_A_LIST]),
        ([1], {"0": [NOT_A_LIST]}),
    ],
)  # fmt: skip
def test_malformed_attendance_is_refused_naming_the_entry(
    facilitator, offering_of, file_log, attendance, error
):
    response = file_log(facilitator, offering_of(facilitator), attendance=attendance)

    assert response.status_code == 422
    assert response.json["errors"]["json"] == {"attendance": error}


# --- changing it, its history ----------------------------------------------------------------


def test_a_change_is_recorded_per_student_in_history_and_audit(
    client, facilitator, offering_of, enrolled, create_log, edit_log, manager, as_manager
):
    offering_id = offering_of(facilitator)
    ada, alan = enrolled(offering_id, "Ada Lovelace", "Alan Turing")
    log = create_log(
        facilitator, offering_id, 1, attendance=entries((ada, "absent"), (alan, "present"))
    )

    changed = edit_log(
        manager, log["id"], attendance=entries((ada, "excused"), (alan, "present"))
    ).json

    assert changed["attendance_rate"] == 0.5
    history = client.get(f"{LOGS}/{log['id']}/history", headers=as_manager).json
    assert history[0]["changes"][f"attendance: Ada Lovelace (#{ada.id})"] == [None, "absent"]
    assert history[1]["changes"] == {f"attendance: Ada Lovelace (#{ada.id})": ["absent", "excused"]}
    audit = client.get(
        "/api/v1/admin/audit-events",
        query_string={"entity_type": "activity_logs"},
        headers=as_manager,
    ).json
    by_action = {event["action"]: event["changes"] for event in audit}
    assert by_action["updated"] == {f"attendance: Ada Lovelace (#{ada.id})": ["absent", "excused"]}
    assert by_action["created"][f"attendance: Alan Turing (#{alan.id})"] == [None, "present"]


def test_a_patch_replaces_the_weeks_attendance(
    facilitator, offering_of, enrolled, create_log, edit_log, manager
):
    offering_id = offering_of(facilitator)
    ada, alan = enrolled(offering_id, "Ada Lovelace", "Alan Turing")
    log = create_log(
        facilitator, offering_id, 1, attendance=entries((ada, "absent"), (alan, "present"))
    )

    changed = edit_log(manager, log["id"], attendance=entries((alan, "absent")))

    assert changed.status_code == 200
    assert changed.json["attendance"] == entries((alan, "absent"))


def test_a_patch_without_attendance_keeps_it(
    facilitator, offering_of, enrolled, create_log, edit_log, manager
):
    offering_id = offering_of(facilitator)
    [ada] = enrolled(offering_id, "Ada Lovelace")
    log = create_log(facilitator, offering_id, 1, attendance=entries((ada, "absent")))

    changed = edit_log(manager, log["id"], notes="Quiet week.").json

    assert changed["attendance"] == entries((ada, "absent"))


def test_unenrolling_keeps_the_students_recorded_attendance(
    client, facilitator, offering_of, enrolled, create_log, auth_headers, as_manager
):
    offering_id = offering_of(facilitator)
    [ada] = enrolled(offering_id, "Ada Lovelace")
    log = create_log(facilitator, offering_id, 1, attendance=entries((ada, "present")))

    client.delete(f"{OFFERINGS}/{offering_id}/enrollments/{ada.id}", headers=as_manager)

    read = client.get(f"{LOGS}/{log['id']}", headers=auth_headers(facilitator)).json
    assert read["attendance"] == entries((ada, "present"))


def test_deleting_a_log_removes_its_records_and_keeps_them_in_history(
    client, facilitator, offering_of, enrolled, create_log, as_manager, run_sql
):
    offering_id = offering_of(facilitator)
    [ada] = enrolled(offering_id, "Ada Lovelace")
    log = create_log(facilitator, offering_id, 1, attendance=entries((ada, "excused")))

    assert client.delete(f"{LOGS}/{log['id']}", headers=as_manager).status_code == 204

    assert run_sql("SELECT COUNT(*) FROM attendance_records")[0][0] == 0
    history = client.get(f"{LOGS}/{log['id']}/history", headers=as_manager).json
    assert history[-1]["changes"][f"attendance: Ada Lovelace (#{ada.id})"] == ["excused", None]


# --- legacy counts ---------------------------------------------------------------------------


def test_an_unmatched_old_list_reads_as_counts_until_re_entered(
    client, facilitator, offering_of, enrolled, create_log, edit_log, manager, as_manager, run_sql
):
    offering_id = offering_of(facilitator)
    [ada] = enrolled(offering_id, "Ada Lovelace")
    log = create_log(facilitator, offering_id, 1)
    run_sql("UPDATE activity_logs SET legacy_present = 3, legacy_recorded = 4")

    read = client.get(f"{LOGS}/{log['id']}", headers=as_manager).json
    assert read["legacy_attendance"] == {"present": 3, "recorded": 4}
    assert read["attendance_rate"] == 0.75

    changed = edit_log(manager, log["id"], attendance=entries((ada, "present"))).json

    assert changed["legacy_attendance"] is None
    assert changed["attendance_rate"] == 1.0
    history = client.get(f"{LOGS}/{log['id']}/history", headers=as_manager).json
    assert history[-1]["changes"]["legacy_attendance"] == [{"present": 3, "recorded": 4}, None]


def test_the_unmatched_command_lists_the_logs_to_re_enter(
    app, facilitator, offering_of, create_log, run_sql
):
    offering_id = offering_of(facilitator)
    log = create_log(facilitator, offering_id, 4)
    create_log(facilitator, offering_id, 5)
    run_sql("UPDATE activity_logs SET legacy_present = 1, legacy_recorded = 40 WHERE id = :id",
            id=log["id"])  # fmt: skip

    result = app.test_cli_runner().invoke(args=["attendance", "unmatched"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"log {log['id']}  offering {offering_id} (")
    assert lines[0].endswith("week 4  1 present of 40")
    assert lines[-1] == "1 log(s) to re-enter."


# --- cost ------------------------------------------------------------------------------------


def test_filing_costs_the_same_statements_for_60_students_as_for_2(
    client, facilitator, offering_of, enrolled, auth_headers, count_queries
):
    headers = auth_headers(facilitator)
    client.get("/api/v1/auth/me", headers=headers)  # the caller's identity is cached from here
    counts = {}
    for size in (2, 60):
        offering_id = offering_of(facilitator, max_students=60)
        students = enrolled(offering_id, *(f"Student{n:02d} Roster" for n in range(size)))
        body = {
            "allocation_id": offering_id,
            "week_number": 1,
            "attendance": entries(*((student, "present") for student in students)),
        }
        with count_queries() as statements:
            response = client.post(LOGS, json=body, headers=headers)
        assert response.status_code == 201, response.json
        assert len(response.json["attendance"]) == size
        counts[size] = statements

    assert len(counts[60]) == len(counts[2]), (counts[2], counts[60])
    inserts = [s for s in counts[60] if s.startswith("INSERT INTO attendance_records")]
    assert len(inserts) == 1
