"""Weekly logs: filing, reading, editing with ETags, locking, deleting, history and lists."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.activity.conftest import ALL_DONE, LOGS

ENUM_MESSAGE = "Must be one of: Done, Pending, Not Started."


def recent_start(days_ago: int) -> dict:
    """Offering dates that start `days_ago` days before today and run for ten weeks, in that
    start's year (the app wants the start within a year of the offering's year)."""
    start = date.today() - timedelta(days=days_ago)
    return {
        "year": start.year,
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=69)).isoformat(),
    }


def log_count(run_sql, offering_id) -> int:
    rows = run_sql("SELECT COUNT(*) FROM activity_logs WHERE offering_id = :id", id=offering_id)
    return rows[0][0]


@pytest.fixture
def current_offering(offering_of):
    """An offering that started ten days ago: its week 1 log is due but not locked yet."""
    return lambda person, **overrides: offering_of(person, **recent_start(10), **overrides)


# --- filing ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("in_late_2026")  # week 3 of the default offering is long past
def test_facilitator_files_a_log_for_their_offering(facilitator, offering_of, create_log, enrolled):
    offering_id = offering_of(facilitator)
    students = enrolled(offering_id, "Ada A", "Bea B", "Cy C", "Di D")
    before = datetime.now(UTC)

    log = create_log(
        facilitator,
        offering_id,
        3,
        attendance=[True, True, False, True],
        formative_one_grading="Done",
        summative_grading="Pending",
        notes="Quiz marked.",
    )

    assert log["allocation_id"] == offering_id
    assert log["week_number"] == 3
    assert log["facilitator_id"] == facilitator.id
    assert log["attendance"] == [
        {"student_id": student.id, "status": status}
        for student, status in zip(
            students, ["present", "present", "absent", "present"], strict=True
        )
    ]
    assert log["attendance_rate"] == 0.75
    assert log["formative_one_grading"] == "Done"
    assert log["summative_grading"] == "Pending"
    for untouched in ("formative_two_grading", "course_moderation", "intranet_sync"):
        assert log[untouched] == "Not Started"
    assert log["grade_book_status"] == "Not Started"
    assert log["notes"] == "Quiz marked."
    assert log["submitted_by_id"] == facilitator.id
    assert log["filed_on_behalf"] is False
    assert log["due_at"] == "2026-01-26T07:00:00+00:00"
    assert log["is_late"] is True
    assert log["is_complete"] is False
    submitted = datetime.fromisoformat(log["submitted_at"])
    assert before - timedelta(seconds=1) <= submitted <= datetime.now(UTC)
    assert datetime.fromisoformat(log["updated_at"]) >= submitted


def test_a_log_with_all_six_items_done_is_complete(facilitator, offering_of, create_log):
    log = create_log(facilitator, offering_of(facilitator), **ALL_DONE)

    assert log["is_complete"] is True


def test_five_of_six_done_is_not_complete(facilitator, offering_of, create_log):
    log = create_log(
        facilitator, offering_of(facilitator), **ALL_DONE | {"intranet_sync": "Pending"}
    )

    assert log["is_complete"] is False


def test_without_attendance_there_is_no_attendance_rate(facilitator, offering_of, create_log):
    log = create_log(facilitator, offering_of(facilitator))

    assert log["attendance"] == []
    assert log["attendance_rate"] is None


def test_filing_before_the_deadline_is_not_late(facilitator, offering_of, create_log):
    log = create_log(facilitator, offering_of(facilitator, **recent_start(days_ago=0)), 2)

    assert log["is_late"] is False


def test_manager_files_on_behalf_of_the_facilitator(facilitator, offering_of, create_log, manager):
    log = create_log(manager, offering_of(facilitator))

    assert log["filed_on_behalf"] is True
    assert log["submitted_by_id"] == manager.id
    assert log["facilitator_id"] == facilitator.id


def test_another_facilitator_cannot_file_for_an_offering(
    facilitator, offering_of, file_log, create_user, run_sql
):
    offering_id = offering_of(facilitator)

    response = file_log(create_user("facilitator"), offering_id)

    assert response.status_code == 403
    assert log_count(run_sql, offering_id) == 0


def test_unassigned_offering_takes_no_log_from_a_facilitator(offering_of, file_log, facilitator):
    response = file_log(facilitator, offering_of(None))

    assert response.status_code == 403


def test_unknown_offering_is_a_422_naming_allocation_id_for_managers(manager, file_log):
    response = file_log(manager, 999999)

    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["allocation_id"]


def test_facilitators_cannot_tell_unknown_offerings_from_others(
    facilitator, create_user, offering_of, file_log
):
    someone_elses = offering_of(create_user("facilitator"))

    unknown = file_log(facilitator, 999999)
    not_mine = file_log(facilitator, someone_elses)

    assert unknown.status_code == not_mine.status_code == 403
    assert unknown.json == not_mine.json


def test_archived_offering_takes_no_logs(facilitator, offering_of, file_log):
    response = file_log(facilitator, offering_of(facilitator, is_active=False))

    assert response.status_code == 409
    assert "archived" in response.json["message"]


@pytest.mark.parametrize("week", [0, -1, 14, 53])
def test_week_outside_the_offering_is_a_422_naming_the_range(
    facilitator, offering_of, file_log, week
):
    response = file_log(facilitator, offering_of(facilitator), week)  # 13 teaching weeks

    assert response.status_code == 422
    assert response.json["errors"]["json"]["week_number"] == [
        "Must be between 1 and 13, the offering's teaching weeks."
    ]


@pytest.mark.parametrize("week", [1, 13])
def test_first_and_last_teaching_weeks_are_accepted(facilitator, offering_of, create_log, week):
    assert create_log(facilitator, offering_of(facilitator), week)["week_number"] == week


@pytest.mark.parametrize("week", ["1", 1.5, None])
def test_week_number_must_be_an_integer(facilitator, offering_of, file_log, week):
    response = file_log(facilitator, offering_of(facilitator), week)

    assert response.status_code == 422
    assert "week_number" in response.json["errors"]["json"]


@pytest.mark.parametrize("value", ["done", "DONE", "Completed", "not started", "NotStarted", ""])
def test_checklist_status_must_be_spelled_exactly(facilitator, offering_of, file_log, value):
    response = file_log(facilitator, offering_of(facilitator), summative_grading=value)

    assert response.status_code == 422
    assert response.json["errors"]["json"]["summative_grading"] == [ENUM_MESSAGE]


def test_checklist_status_may_not_be_null(facilitator, offering_of, file_log):
    response = file_log(facilitator, offering_of(facilitator), course_moderation=None)

    assert response.status_code == 422
    assert "course_moderation" in response.json["errors"]["json"]


def test_notes_are_limited_to_5000_characters(facilitator, offering_of, file_log, create_log):
    offering_id = offering_of(facilitator)

    response = file_log(facilitator, offering_id, notes="x" * 5001)

    assert response.status_code == 422
    assert "notes" in response.json["errors"]["json"]
    assert len(create_log(facilitator, offering_id, notes="é" * 5000)["notes"]) == 5000


@pytest.mark.parametrize(
    "field, value",
    [
        ("submitted_at", "2026-01-01T00:00:00+00:00"),
        ("updated_at", "2026-01-01T00:00:00+00:00"),
        ("due_at", "2030-01-01T00:00:00+00:00"),
        ("submitted_by_id", 1),
        ("filed_on_behalf", True),
        ("is_late", False),
    ],
)
def test_server_set_fields_cannot_be_sent(
    facilitator, offering_of, file_log, run_sql, field, value
):
    offering_id = offering_of(facilitator)

    response = file_log(facilitator, offering_id, **{field: value})

    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert log_count(run_sql, offering_id) == 0


def test_second_log_for_the_same_week_is_a_409_with_the_existing_id(
    facilitator, offering_of, create_log, file_log, manager, run_sql
):
    offering_id = offering_of(facilitator)
    first = create_log(facilitator, offering_id, 2)

    again = file_log(facilitator, offering_id, 2, notes="again")
    by_manager = file_log(manager, offering_id, 2)

    for response in (again, by_manager):
        assert response.status_code == 409
        assert response.json["errors"]["existing_log_id"] == first["id"]
        assert str(first["id"]) in response.json["message"]
    assert log_count(run_sql, offering_id) == 1


def test_twenty_simultaneous_submissions_make_exactly_one_log(
    app, facilitator, offering_of, auth_headers, run_sql
):
    offering_id = offering_of(facilitator)
    headers = auth_headers(facilitator)
    body = {"allocation_id": offering_id, "week_number": 4, **ALL_DONE}

    def submit(_):
        response = app.test_client().post(LOGS, json=body, headers=headers)
        return response.status_code, response.json

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(submit, range(20)))

    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [201] + [409] * 19, outcomes
    created = next(body for status, body in outcomes if status == 201)
    assert {body["errors"]["existing_log_id"] for status, body in outcomes if status == 409} == {
        created["id"]
    }
    assert log_count(run_sql, offering_id) == 1
    assert run_sql("SELECT COUNT(*) FROM audit_events WHERE entity_type = 'activity_logs'") == [
        (1,)
    ]


def test_filing_a_log_runs_at_most_five_statements(
    client, facilitator, offering_of, file_log, count_queries
):
    """The offering, the log, its audit event (its history) and the reminders it makes moot:
    no savepoint, since a duplicate ends the request anyway."""
    offering_id = offering_of(facilitator)
    file_log(facilitator, offering_id, 1)  # the caller's identity is cached from here

    with count_queries() as statements:
        response = file_log(facilitator, offering_id, 2)

    assert response.status_code == 201
    assert len(statements) <= 5, statements
    assert not any(statement.startswith("SAVEPOINT") for statement in statements)
    # The offering's own row: no catalogue joins, no enrolment count, neither used to file.
    (read,) = [statement for statement in statements if "FROM course_offerings" in statement]
    assert "JOIN" not in read and "enrollments" not in read, read


# --- reading ---------------------------------------------------------------------------------


def test_reading_a_log_gives_it_with_an_etag(
    client, facilitator, offering_of, create_log, auth_headers
):
    log = create_log(facilitator, offering_of(facilitator), notes="n")

    response = client.get(f"{LOGS}/{log['id']}", headers=auth_headers(facilitator))

    assert response.status_code == 200
    assert response.json == log
    assert response.headers["ETag"]


def test_facilitator_cannot_read_another_facilitators_log(
    client, facilitator, offering_of, create_log, create_user, auth_headers
):
    log = create_log(facilitator, offering_of(facilitator))
    other = auth_headers(create_user("facilitator"))

    assert client.get(f"{LOGS}/{log['id']}", headers=other).status_code == 404
    assert client.get(f"{LOGS}/{log['id']}/history", headers=other).status_code == 404


def test_manager_reads_any_log(client, facilitator, offering_of, create_log, as_manager):
    log = create_log(facilitator, offering_of(facilitator))

    response = client.get(f"{LOGS}/{log['id']}", headers=as_manager)

    assert response.status_code == 200
    assert response.json == log


def test_missing_log_is_a_404(client, as_manager):
    assert client.get(f"{LOGS}/999999", headers=as_manager).status_code == 404


ROUTES = [
    ("get", ""),
    ("post", ""),
    ("get", "/{id}"),
    ("patch", "/{id}"),
    ("delete", "/{id}"),
    ("get", "/{id}/history"),
    ("get", "/compliance?trimester=1&year=2026"),
]


@pytest.mark.parametrize("method, suffix", ROUTES)
@pytest.mark.parametrize("caller, status", [("student", 403), ("anonymous", 401)])
def test_students_and_anonymous_callers_are_kept_out(
    client, facilitator, offering_of, create_log, create_user, auth_headers, run_sql,
    method, suffix, caller, status,
):  # fmt: skip
    offering_id = offering_of(facilitator)
    log = create_log(facilitator, offering_id)
    headers = auth_headers(create_user("student")) if caller == "student" else {}
    body = {"allocation_id": offering_id, "week_number": 2} if method == "post" else None
    if method == "patch":
        body, headers = {"notes": "mine"}, headers | {"If-Match": "*"}

    response = getattr(client, method)(
        LOGS + suffix.format(id=log["id"]), json=body, headers=headers
    )

    assert response.status_code == status
    assert response.json["code"] == status
    assert log_count(run_sql, offering_id) == 1
    assert run_sql("SELECT notes FROM activity_logs")[0][0] is None


# --- editing ---------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_it_names(
    facilitator, current_offering, create_log, edit_log, enrolled
):
    offering_id = current_offering(facilitator)
    enrolled(offering_id, "Ada Lovelace", "Alan Turing")
    log = create_log(facilitator, offering_id, attendance=[True, False], notes="a")

    response = edit_log(facilitator, log["id"], summative_grading="Done", notes="b")

    assert response.status_code == 200
    changed = response.json
    assert changed["summative_grading"] == "Done"
    assert changed["notes"] == "b"
    assert changed["attendance"] == log["attendance"]
    assert changed["formative_one_grading"] == "Not Started"
    assert changed["submitted_at"] == log["submitted_at"]
    assert changed["due_at"] == log["due_at"]
    assert changed["updated_at"] > log["updated_at"]
    assert changed["submitted_by_id"] == facilitator.id


def test_patch_updates_derived_fields(
    facilitator, current_offering, create_log, edit_log, enrolled
):
    offering_id = current_offering(facilitator)
    enrolled(offering_id, "Ada Lovelace", "Alan Turing")
    log = create_log(facilitator, offering_id, **ALL_DONE | {"intranet_sync": "Pending"})

    changed = edit_log(facilitator, log["id"], intranet_sync="Done", attendance=[True, False]).json

    assert changed["is_complete"] is True
    assert changed["attendance_rate"] == 0.5


def test_patch_without_if_match_is_a_428(
    client, facilitator, current_offering, create_log, auth_headers, run_sql
):
    log = create_log(facilitator, current_offering(facilitator))

    response = client.patch(
        f"{LOGS}/{log['id']}", json={"notes": "x"}, headers=auth_headers(facilitator)
    )

    assert response.status_code == 428
    assert run_sql("SELECT notes FROM activity_logs")[0][0] is None


def test_patch_with_a_stale_etag_is_a_412(
    client, facilitator, current_offering, create_log, auth_headers, manager, edit_log
):
    log = create_log(facilitator, current_offering(facilitator))
    headers = auth_headers(facilitator)
    etag = client.get(f"{LOGS}/{log['id']}", headers=headers).headers["ETag"]
    assert edit_log(manager, log["id"], notes="manager's note").status_code == 200

    response = client.patch(
        f"{LOGS}/{log['id']}", json={"notes": "mine"}, headers=headers | {"If-Match": etag}
    )

    assert response.status_code == 412
    assert client.get(f"{LOGS}/{log['id']}", headers=headers).json["notes"] == "manager's note"


def test_the_etag_from_a_patch_allows_the_next_patch(
    client, facilitator, current_offering, create_log, auth_headers, edit_log
):
    log = create_log(facilitator, current_offering(facilitator))
    first = edit_log(facilitator, log["id"], notes="one")

    second = client.patch(
        f"{LOGS}/{log['id']}",
        json={"notes": "two"},
        headers=auth_headers(facilitator) | {"If-Match": first.headers["ETag"]},
    )

    assert second.status_code == 200
    assert second.json["notes"] == "two"


def test_simultaneous_edits_with_the_same_etag_let_exactly_one_through(
    app, client, facilitator, current_offering, create_log, auth_headers, as_manager
):
    log = create_log(facilitator, current_offering(facilitator))
    headers = auth_headers(facilitator)
    etag = client.get(f"{LOGS}/{log['id']}", headers=headers).headers["ETag"]

    def edit(number):
        response = app.test_client().patch(
            f"{LOGS}/{log['id']}",
            json={"notes": f"edit {number}"},
            headers=headers | {"If-Match": etag},
        )
        return response.status_code, response.json

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(edit, range(10)))

    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [200] + [412] * 9, outcomes
    winner = next(body for status, body in outcomes if status == 200)
    assert client.get(f"{LOGS}/{log['id']}", headers=headers).json["notes"] == winner["notes"]
    history = client.get(f"{LOGS}/{log['id']}/history", headers=as_manager).json
    assert [entry["action"] for entry in history] == ["created", "updated"]


@pytest.mark.parametrize("field, value", [("allocation_id", 1), ("week_number", 2)])
def test_offering_and_week_cannot_be_changed(
    facilitator, offering_of, create_log, edit_log, manager, field, value
):
    log = create_log(facilitator, offering_of(facilitator))

    response = edit_log(manager, log["id"], **{field: value})

    assert response.status_code == 422
    assert response.json["errors"]["json"] == {field: ["This field cannot be changed here."]}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"course_moderation": "done"}, "course_moderation"),
        ({"attendance": [True, 1]}, "attendance"),
        ({"attendance": [True] * 4}, "attendance"),
        ({"notes": "x" * 5001}, "notes"),
        ({"submitted_at": "2026-01-01T00:00:00+00:00"}, "submitted_at"),
    ],
)
def test_patch_validates_like_filing(
    facilitator, current_offering, create_log, edit_log, run_sql, changes, field
):
    log = create_log(facilitator, current_offering(facilitator, max_students=3))

    response = edit_log(facilitator, log["id"], **changes)

    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert run_sql("SELECT course_moderation, notes FROM activity_logs")[0] == ("Not Started", None)


def test_wrong_status_spelling_on_patch_lists_the_allowed_values(
    facilitator, current_offering, create_log, edit_log
):
    log = create_log(facilitator, current_offering(facilitator))

    response = edit_log(facilitator, log["id"], grade_book_status="Finished")

    assert response.json["errors"]["json"]["grade_book_status"] == [ENUM_MESSAGE]


def test_another_facilitator_cannot_patch(
    client, facilitator, current_offering, create_log, create_user, auth_headers
):
    log = create_log(facilitator, current_offering(facilitator))
    etag = client.get(f"{LOGS}/{log['id']}", headers=auth_headers(facilitator)).headers["ETag"]

    response = client.patch(
        f"{LOGS}/{log['id']}",
        json={"notes": "not mine"},
        headers=auth_headers(create_user("facilitator")) | {"If-Match": etag},
    )

    assert response.status_code == 404


# --- locking ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("in_late_2026")  # its lock, 2026-01-26, is in the past
def test_facilitator_cannot_change_a_log_14_days_after_its_deadline(
    facilitator, offering_of, create_log, edit_log
):
    log = create_log(facilitator, offering_of(facilitator))  # week 1 due 2026-01-12

    response = edit_log(facilitator, log["id"], notes="too late")

    assert response.status_code == 403
    assert "2026-01-26" in response.json["message"]


def test_manager_can_still_correct_a_locked_log(
    facilitator, offering_of, create_log, edit_log, manager
):
    log = create_log(facilitator, offering_of(facilitator))

    response = edit_log(manager, log["id"], notes="corrected")

    assert response.status_code == 200
    assert response.json["notes"] == "corrected"


def test_facilitator_can_change_a_recent_log(facilitator, current_offering, create_log, edit_log):
    log = create_log(facilitator, current_offering(facilitator))

    response = edit_log(facilitator, log["id"], notes="added later")

    assert response.status_code == 200
    assert response.json["notes"] == "added later"


@pytest.mark.parametrize(
    "since_deadline, status",
    [(timedelta(days=14) - timedelta(minutes=5), 200), (timedelta(days=14, minutes=5), 403)],
)
def test_lock_starts_fourteen_days_after_the_deadline(
    facilitator, current_offering, create_log, edit_log, run_sql, since_deadline, status
):
    log = create_log(facilitator, current_offering(facilitator))
    due = (datetime.now(UTC) - since_deadline).replace(tzinfo=None)
    run_sql("UPDATE activity_logs SET due_at = :due WHERE id = :id", due=due, id=log["id"])

    assert edit_log(facilitator, log["id"], notes="edit").status_code == status


# --- deleting and history --------------------------------------------------------------------


def test_manager_deletes_a_log(client, facilitator, offering_of, create_log, as_manager, run_sql):
    offering_id = offering_of(facilitator)
    log = create_log(facilitator, offering_id)

    response = client.delete(f"{LOGS}/{log['id']}", headers=as_manager)

    assert response.status_code == 204
    assert client.get(f"{LOGS}/{log['id']}", headers=as_manager).status_code == 404
    assert log_count(run_sql, offering_id) == 0


def test_facilitator_cannot_delete_their_log(
    client, facilitator, offering_of, create_log, auth_headers, run_sql
):
    offering_id = offering_of(facilitator)
    log = create_log(facilitator, offering_id)

    response = client.delete(f"{LOGS}/{log['id']}", headers=auth_headers(facilitator))

    assert response.status_code == 403
    assert log_count(run_sql, offering_id) == 1


def test_week_can_be_filed_again_after_its_log_is_deleted(
    client, facilitator, offering_of, create_log, as_manager
):
    offering_id = offering_of(facilitator)
    client.delete(f"{LOGS}/{create_log(facilitator, offering_id, 5)['id']}", headers=as_manager)

    assert create_log(facilitator, offering_id, 5)["week_number"] == 5


def test_history_records_creation_with_every_value(
    client, facilitator, offering_of, create_log, auth_headers, enrolled
):
    offering_id = offering_of(facilitator)
    [ada] = enrolled(offering_id, "Ada Lovelace")
    log = create_log(facilitator, offering_id, attendance=[True], intranet_sync="Pending")

    history = client.get(f"{LOGS}/{log['id']}/history", headers=auth_headers(facilitator)).json

    assert len(history) == 1
    created = history[0]
    assert created["action"] == "created"
    assert created["changed_by_id"] == facilitator.id
    assert created["changed_at"]
    assert created["changes"][f"attendance: Ada Lovelace (#{ada.id})"] == [None, "present"]
    assert created["changes"]["intranet_sync"] == [None, "Pending"]
    assert created["changes"]["summative_grading"] == [None, "Not Started"]


def test_history_records_who_changed_which_fields_from_what_to_what(
    client, facilitator, offering_of, create_log, edit_log, manager, as_manager
):
    log = create_log(facilitator, offering_of(facilitator), notes="draft")
    edit_log(
        manager, log["id"], notes="final", course_moderation="Done", intranet_sync="Not Started"
    )

    history = client.get(f"{LOGS}/{log['id']}/history", headers=as_manager).json

    assert [entry["action"] for entry in history] == ["created", "updated"]
    updated = history[1]
    assert updated["changed_by_id"] == manager.id
    assert updated["changes"] == {
        "notes": ["draft", "final"],
        "course_moderation": ["Not Started", "Done"],
    }
    assert updated["changed_at"] >= history[0]["changed_at"]


def test_patch_that_changes_nothing_adds_no_history(
    client, facilitator, offering_of, create_log, edit_log, as_manager, manager
):
    log = create_log(facilitator, offering_of(facilitator), notes="same")

    response = edit_log(manager, log["id"], notes="same")

    assert response.status_code == 200
    history = client.get(f"{LOGS}/{log['id']}/history", headers=as_manager).json
    assert [entry["action"] for entry in history] == ["created"]


def test_history_of_a_deleted_log_survives_and_stays_readable(
    client, facilitator, create_user, offering_of, create_log, edit_log, manager, as_manager,
    auth_headers, run_sql,
):  # fmt: skip
    offering_id = offering_of(facilitator)
    log = create_log(facilitator, offering_id, 6, notes="kept")
    edit_log(manager, log["id"], summative_grading="Done")

    client.delete(f"{LOGS}/{log['id']}", headers=as_manager)

    rows = run_sql(
        "SELECT entity_id, action, actor_id, changes FROM audit_events "
        "WHERE entity_type = 'activity_logs' ORDER BY id"
    )
    assert [row.action for row in rows] == ["created", "updated", "deleted"]
    assert {row.entity_id for row in rows} == {log["id"]}
    created, deleted = json.loads(rows[0].changes), json.loads(rows[-1].changes)
    assert (created["offering_id"], created["week_number"]) == ([None, offering_id], [None, 6])
    assert (deleted["offering_id"], deleted["week_number"]) == ([offering_id, None], [6, None])
    assert deleted["notes"] == ["kept", None] and deleted["summative_grading"] == ["Done", None]
    assert rows[-1].actor_id == manager.id
    history = f"{LOGS}/{log['id']}/history"
    assert client.get(f"{LOGS}/{log['id']}", headers=as_manager).status_code == 404
    assert [c["action"] for c in client.get(history, headers=as_manager).json] == [
        "created", "updated", "deleted"
    ]  # fmt: skip
    assert client.get(history, headers=auth_headers(facilitator)).status_code == 200
    assert client.get(history, headers=auth_headers(create_user("facilitator"))).status_code == 404


def test_an_offering_whose_logs_were_deleted_is_archived_with_their_history(
    client, facilitator, offering_of, create_log, as_manager, auth_headers
):
    offering_id = offering_of(facilitator)
    log = create_log(facilitator, offering_id, 3, notes="kept")
    client.delete(f"{LOGS}/{log['id']}", headers=as_manager)

    response = client.delete(f"/api/v1/course-offerings/{offering_id}", headers=as_manager)

    assert response.status_code == 200
    assert (response.json["id"], response.json["is_active"]) == (offering_id, False)
    history = client.get(f"{LOGS}/{log['id']}/history", headers=auth_headers(facilitator))
    assert [entry["action"] for entry in history.json] == ["created", "deleted"]


# --- lists -----------------------------------------------------------------------------------


@pytest.fixture
def listed(create_user, create_entry, online_mode_id, create_offering, create_log, run_sql):
    """Four logs across three offerings, two facilitators, two years; returns names → ids."""
    alice, bob = create_user("facilitator"), create_user("facilitator")
    module_a, module_b = create_entry("modules")["id"], create_entry("modules")["id"]
    cohort_a, cohort_b = create_entry("cohorts")["id"], create_entry("cohorts")["id"]
    common = {"class_id": create_entry("classes")["id"], "mode_id": online_mode_id}
    t1 = create_offering(
        facilitator_id=alice.id, module_id=module_a, cohort_id=cohort_a, **common
    )["id"]  # fmt: skip
    t2 = create_offering(
        facilitator_id=alice.id, module_id=module_b, cohort_id=cohort_b, **common,
        trimester=2, start_date="2026-05-04", end_date="2026-07-31",
    )["id"]  # fmt: skip
    old = create_offering(
        facilitator_id=bob.id, module_id=module_a, cohort_id=cohort_b, **common,
        year=2025, start_date="2025-01-06", end_date="2025-04-04",
    )["id"]  # fmt: skip
    logs = {
        "done_late": create_log(alice, t1, 1, **ALL_DONE),  # due 2026-01-12 07:00
        "pending_on_time": create_log(alice, t1, 2, formative_one_grading="Pending"),  # 01-19
        "untouched_late": create_log(alice, t2, 1),  # due 2026-05-11 07:00
        "done_on_time": create_log(bob, old, 1, **ALL_DONE),  # due 2025-01-13 07:00
    }
    # As the app writes them (SQLite compares these as text, microseconds included).
    submitted = {
        "done_late": "2026-01-13 10:00:00.000000",
        "pending_on_time": "2026-01-18 12:00:00.000000",
        "untouched_late": "2026-05-20 08:00:00.000000",
        "done_on_time": "2025-01-10 09:00:00.000000",
    }
    for name, moment in submitted.items():
        run_sql(
            "UPDATE activity_logs SET submitted_at = :moment WHERE id = :id",
            moment=moment, id=logs[name]["id"],
        )  # fmt: skip
    ids = {name: log["id"] for name, log in logs.items()}
    return {
        "ids": ids, "alice": alice, "bob": bob, "t1": t1, "old": old,
        "module_a": module_a, "cohort_b": cohort_b,
    }  # fmt: skip


FILTERS = {
    "allocation": (lambda d: {"allocation_id": d["t1"]}, {"done_late", "pending_on_time"}),
    "week": (lambda d: {"week_number": 1}, {"done_late", "untouched_late", "done_on_time"}),
    "facilitator": (lambda d: {"facilitator_id": d["bob"].id}, {"done_on_time"}),
    "module": (
        lambda d: {"module_id": d["module_a"]},
        {"done_late", "pending_on_time", "done_on_time"},
    ),
    "cohort": (lambda d: {"cohort_id": d["cohort_b"]}, {"untouched_late", "done_on_time"}),
    "trimester": (lambda d: {"trimester": 2}, {"untouched_late"}),
    "year": (lambda d: {"year": 2025}, {"done_on_time"}),
    "status Done": (lambda d: {"status": "Done"}, {"done_late", "done_on_time"}),
    "status Pending": (lambda d: {"status": "Pending"}, {"pending_on_time"}),
    "status Not Started": (
        lambda d: {"status": "Not Started"},
        {"pending_on_time", "untouched_late"},
    ),
    "late": (lambda d: {"is_late": "true"}, {"done_late", "untouched_late"}),
    "on time": (lambda d: {"is_late": "false"}, {"pending_on_time", "done_on_time"}),
    "complete": (lambda d: {"is_complete": "true"}, {"done_late", "done_on_time"}),
    "incomplete": (lambda d: {"is_complete": "false"}, {"pending_on_time", "untouched_late"}),
    "submitted from (inclusive, with offset)": (
        lambda d: {"submitted_from": "2026-01-18T14:00:00+02:00"},
        {"pending_on_time", "untouched_late"},
    ),
    "submitted to (exclusive)": (
        lambda d: {"submitted_to": "2026-01-18T12:00:00+00:00"},
        {"done_late", "done_on_time"},
    ),
    "submitted to (no offset means UTC)": (
        lambda d: {"submitted_to": "2026-01-18T12:00:01"},
        {"done_late", "pending_on_time", "done_on_time"},
    ),
    "submitted between": (
        lambda d: {
            "submitted_from": "2026-01-01T00:00:00Z",
            "submitted_to": "2026-05-20T08:00:00Z",
        },
        {"done_late", "pending_on_time"},
    ),
    "combined": (
        lambda d: {"facilitator_id": d["alice"].id, "is_late": "true", "status": "Not Started"},
        {"untouched_late"},
    ),
    "no match": (lambda d: {"week_number": 9}, set()),
}


@pytest.mark.parametrize("name", FILTERS)
def test_list_filters(client, listed, as_manager, name):
    make_query, expected = FILTERS[name]
    by_id = {log_id: key for key, log_id in listed["ids"].items()}

    response = client.get(LOGS, query_string=make_query(listed), headers=as_manager)

    assert response.status_code == 200
    assert {by_id[log["id"]] for log in response.json} == expected


def test_facilitators_list_only_their_own_logs(client, listed, auth_headers):
    bob = auth_headers(listed["bob"])

    own = client.get(LOGS, headers=bob).json
    asked_for_alice = client.get(
        LOGS, query_string={"facilitator_id": listed["alice"].id}, headers=bob
    ).json

    assert [log["id"] for log in own] == [listed["ids"]["done_on_time"]]
    assert asked_for_alice == []


def test_list_is_paginated(client, listed, as_manager):
    first = client.get(LOGS, query_string={"page_size": 3}, headers=as_manager)
    second = client.get(LOGS, query_string={"page_size": 3, "page": 2}, headers=as_manager)

    assert len(first.json) == 3 and len(second.json) == 1
    assert json.loads(first.headers["X-Pagination"])["total"] == 4
    assert {log["id"] for log in first.json + second.json} == set(listed["ids"].values())


@pytest.mark.parametrize(
    "query",
    [
        {"status": "done"},
        {"week_number": 0},
        {"is_late": "sometimes"},
        {"submitted_from": "yesterday"},
        {"allocation_id": "abc"},
        {"trimester": 4},
        {"page_size": 101},
    ],
)
def test_invalid_list_filters_are_a_422(client, as_manager, query):
    response = client.get(LOGS, query_string=query, headers=as_manager)

    assert response.status_code == 422
    assert response.json["errors"]["query"]


@pytest.mark.parametrize("role", ["manager", "facilitator"])
def test_list_query_count_does_not_grow_with_page_size(
    client,
    facilitator,
    create_user,
    offering_of,
    create_log,
    auth_headers,
    role,
    count_queries,
    enrolled,
):
    for _ in range(3):
        offering_id = offering_of(facilitator)
        enrolled(offering_id, "Ada Lovelace", "Alan Turing")
        for week in (1, 2, 3):
            create_log(facilitator, offering_id, week, attendance=[True, False])
    headers = auth_headers(create_user("manager") if role == "manager" else facilitator)
    client.get("/api/v1/auth/me", headers=headers)  # the caller's identity is cached from here
    counts = {}
    for page_size in (1, 100):
        with count_queries() as statements:
            response = client.get(LOGS, query_string={"page_size": page_size}, headers=headers)
        assert response.status_code == 200
        counts[page_size] = len(statements)

    assert len(response.json) == 9
    # The page with its count, and its attendance records: nothing per row.
    assert counts[1] == counts[100] == 2, counts


def test_a_log_list_reads_only_the_facilitator_of_each_offering(
    client, facilitator, offering_of, create_log, as_manager, count_queries
):
    create_log(facilitator, offering_of(facilitator), 1)
    client.get("/api/v1/auth/me", headers=as_manager)  # the caller's identity is cached from here

    with count_queries() as statements:
        response = client.get(LOGS, headers=as_manager)

    assert response.json[0]["facilitator_id"] == facilitator.id
    page = next(statement for statement in statements if "FROM activity_logs" in statement)
    assert "JOIN modules" not in page and "password_hash" not in page, page


# --- edges found in review -------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"submitted_from": "9999-12-31T23:00:00-05:00"},
        {"submitted_to": "0001-01-01T00:30:00+05:00"},
        {"submitted_from": "not a time"},
    ],
    ids=repr,
)
def test_impossible_submission_windows_are_a_422(client, as_manager, query):
    response = client.get(LOGS, query_string=query, headers=as_manager)

    assert response.status_code == 422
    assert list(response.json["errors"]["query"]) == list(query)


def test_a_page_far_past_the_end_is_empty(client, as_manager, facilitator, offering_of, create_log):
    create_log(facilitator, offering_of(facilitator), 1)

    response = client.get(LOGS, query_string={"page": 10**20}, headers=as_manager)

    assert (response.status_code, response.json) == (200, [])


def test_notes_keep_line_breaks_but_refuse_hidden_characters(facilitator, offering_of, file_log):
    offering_id = offering_of(facilitator)

    hidden = file_log(facilitator, offering_id, 1, notes="fine\u202e\x07")
    multi_line = file_log(facilitator, offering_id, 1, notes="line one\nline two")

    assert hidden.status_code == 422
    assert hidden.json["errors"]["json"]["notes"] == ["May not contain control characters."]
    assert multi_line.status_code == 201


def test_moving_an_offering_moves_its_logs_deadlines(
    client, as_manager, facilitator, offering_of, create_log
):
    offering_id = offering_of(facilitator)  # starts 2026-01-05
    log = create_log(facilitator, offering_id, 2)

    moved = client.patch(
        f"/api/v1/course-offerings/{offering_id}",
        json={"start_date": "2026-01-12", "end_date": "2026-04-10"},
        headers=as_manager,
    )

    assert moved.status_code == 200
    after = client.get(f"{LOGS}/{log['id']}", headers=as_manager).json
    assert after["due_at"] == "2026-01-26T07:00:00+00:00"
    assert log["due_at"] == "2026-01-19T07:00:00+00:00"


def test_an_offering_cannot_shrink_below_its_logged_weeks(
    client, as_manager, facilitator, offering_of, create_log
):
    offering_id = offering_of(facilitator)
    create_log(facilitator, offering_id, 9)

    response = client.patch(
        f"/api/v1/course-offerings/{offering_id}", json={"end_date": "2026-02-27"},
        headers=as_manager,
    )  # fmt: skip

    assert response.status_code == 422
    assert response.json["errors"]["json"]["end_date"] == [
        "Logs exist up to week 9; keep at least that many weeks."
    ]
