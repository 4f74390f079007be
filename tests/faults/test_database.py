"""MariaDB connections ended under a real gunicorn (`KILL`, as a failover or an administrator
would), and row locks held too long: the client hears a 503 or a 409 envelope, never a 500,
nothing is half written, and the server recovers by itself."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

import pytest

from app.activity.models import CHECKLIST
from tests.faults.conftest import wait_until
from tests.notifications.conftest import WEEK_1_DUE

LOGS = "/api/v1/activity-logs"
DUE_SOON_AT = WEEK_1_DUE - timedelta(hours=48)
FILING_REACHES_REMINDERS = "UPDATE notifications"
KILL_EVERY = 0.05  # seconds
WEEKS = range(1, 13)

# Every test here ends or locks MariaDB sessions from outside the app.
pytestmark = pytest.mark.mariadb


def log_body(offering_id: int, week: int) -> dict:
    return {"allocation_id": offering_id, "week_number": week}


def written_for_logs(database) -> tuple:
    """Logs and their audit events (their history): filing writes one of each."""
    return database.count("activity_logs"), log_events(database)


def log_events(database) -> int:
    return database.count("audit_events", "entity_type = 'activity_logs'")


LOCK_CONFLICT = {
    "code": 409,
    "status": "Conflict",
    "message": "Another request was changing the same data. Nothing was saved; try again.",
}


def assert_dependency_down(answer) -> None:
    assert answer.status == 503, answer.body
    assert answer.json == {
        "code": 503,
        "status": "Service Unavailable",
        "message": "A service this request depends on is unavailable. Try again shortly.",
    }
    assert answer.headers["Retry-After"] == "5"


def test_a_request_whose_connection_is_killed_answers_503_and_writes_nothing(
    gunicorn, database, facilitator, offering_of, sweep, notifications
):
    offering = offering_of(facilitator)
    sweep(DUE_SOON_AT)  # a due-soon reminder that filing week 1 cancels
    [reminder] = notifications()
    server = gunicorn()
    token = server.sign_in(facilitator)

    # The reminder's row is locked, so the request stops after writing the log, its history
    # row and its audit event, with its transaction open: that is when its connection dies.
    with ThreadPoolExecutor(1) as pool, database.row_locked("notifications", reminder["id"]):
        filing = pool.submit(server.call, "POST", LOGS, log_body(offering, 1), token)
        session = wait_until(
            lambda: database.waiting_on(FILING_REACHES_REMINDERS), 15, "the filing to wait"
        )
        database.kill(session[0])
        hit = filing.result(15)

    assert_dependency_down(hit)
    assert written_for_logs(database) == (0, 0)
    assert [row["status"] for row in notifications()] == ["pending"]
    # The same workers, not restarted, serve the retry.
    workers = {worker.pid for worker in server.workers()}
    again = server.call("POST", LOGS, log_body(offering, 1), token)
    assert again.status == 201, again.body
    assert written_for_logs(database) == (1, 1)
    assert [row["status"] for row in notifications()] == ["cancelled"]
    assert {worker.pid for worker in server.workers()} == workers


def test_connections_killed_while_requests_flow_cost_503s_then_the_pool_recovers(
    gunicorn, database, create_user, offering_of
):
    people = [create_user("facilitator") for _ in range(3)]
    offerings = {person.id: offering_of(person) for person in people}
    server = gunicorn()
    tokens = {person.id: server.sign_in(person) for person in people}
    workers = {worker.pid for worker in server.workers()}
    done = threading.Event()
    killed = []

    def kill_every_app_session():
        while not done.wait(KILL_EVERY):
            for session_id, _port, _statement in database.app_sessions():
                database.kill(session_id)
                killed.append(session_id)

    def file_weeks(person_id: int) -> list:
        body = partial(log_body, offerings[person_id])
        return [(week, server.call("POST", LOGS, body(week), tokens[person_id])) for week in WEEKS]

    killer = threading.Thread(target=kill_every_app_session)
    killer.start()
    try:
        with ThreadPoolExecutor(len(people)) as pool:
            answers = dict(zip(offerings, pool.map(file_weeks, offerings), strict=True))
    finally:
        done.set()
        killer.join()

    statuses = [answer.status for filed in answers.values() for _, answer in filed]
    assert killed and set(statuses) <= {201, 503}, statuses
    for filed in answers.values():
        for _, answer in filed:
            if answer.status == 503:
                assert_dependency_down(answer)
    # Whatever was cut off left whole logs or nothing: one audit event each.
    logs, events = written_for_logs(database)
    assert logs == events >= statuses.count(201)

    # Killing over, the same workers file every refused week again: created, or (if its
    # commit got through before the connection died) a 409 naming the log that exists.
    for person_id, filed in answers.items():
        for week, answer in filed:
            if answer.status == 503:
                again = server.call(
                    "POST", LOGS, log_body(offerings[person_id], week), tokens[person_id]
                )
                assert again.status in (201, 409), again.body
    assert written_for_logs(database) == (36, 36)
    assert {worker.pid for worker in server.workers()} == workers


def test_a_row_locked_for_too_long_answers_409_to_try_again_and_writes_nothing(
    app_with, database, auth_headers, manager, facilitator, offering_of
):
    client = app_with(DATABASE_LOCK_WAIT_SECONDS=1).test_client()
    headers = auth_headers(manager)
    log = client.post(LOGS, json=log_body(offering_of(facilitator), 1), headers=headers).json
    etag = client.get(f"{LOGS}/{log['id']}", headers=headers).headers["ETag"]
    edit = {"path": f"{LOGS}/{log['id']}", "json": {"notes": "Moderation done"}}
    headers |= {"If-Match": etag}

    # Another transaction (another manager's edit, a long report) holds the log's row.
    with database.row_locked("activity_logs", log["id"]):
        started = time.monotonic()
        refused = client.patch(**edit, headers=headers)
        waited = time.monotonic() - started

    assert (refused.status_code, refused.json) == (409, LOCK_CONFLICT)
    assert refused.headers["Retry-After"] == "1"
    assert 1 <= waited < 5
    assert log_events(database) == 1  # the filing's, no edit's
    # Trying again once the lock is gone works, with the same ETag.
    assert client.patch(**edit, headers=headers).status_code == 200


def test_editing_a_log_does_not_wait_for_changes_to_its_catalogue_or_facilitator(
    app_with, database, auth_headers, manager, facilitator, offering_of, online_mode_id
):
    client = app_with(DATABASE_LOCK_WAIT_SECONDS=1).test_client()
    headers = auth_headers(manager)
    log = client.post(LOGS, json=log_body(offering_of(facilitator), 1), headers=headers).json
    etag = client.get(f"{LOGS}/{log['id']}", headers=headers).headers["ETag"]

    # Another transaction holds rows every edit of this log reads, and no edit changes: the
    # delivery mode most offerings share, the facilitator's account.
    with database.transaction():
        database.lock("delivery_modes", online_mode_id)
        database.lock("users", facilitator.id)
        edited = client.patch(
            f"{LOGS}/{log['id']}",
            json={"notes": "Moderation done"},
            headers=headers | {"If-Match": etag},
        )

    assert edited.status_code == 200, edited.json


def test_a_request_chosen_as_a_deadlock_victim_answers_409_and_writes_nothing(
    client, database, auth_headers, manager, create_user, facilitator, offering_of, sweep,
    notifications,
):  # fmt: skip
    headers = auth_headers(manager)
    log = client.post(LOGS, json=log_body(offering_of(facilitator), 1), headers=headers).json
    sweep(WEEK_1_DUE + timedelta(hours=3))  # the log is incomplete: an "overdue" reminder
    [reminder] = [row for row in notifications() if row["kind"] == "overdue"]
    etag = client.get(f"{LOGS}/{log['id']}", headers=headers).headers["ETag"]
    completing = {
        "path": f"{LOGS}/{log['id']}",
        "json": dict.fromkeys(CHECKLIST, "Done"),
        "headers": headers | {"If-Match": etag},
    }
    for _ in range(20):
        create_user("student")

    # The other transaction writes more than the request will (so InnoDB rolls the request
    # back, not it), holds the reminder the completed log cancels, and once the request holds
    # the log and waits for the reminder, asks for the log: a deadlock.
    with ThreadPoolExecutor(1) as pool, database.transaction():
        database.query("UPDATE users SET last_name = 'Busy' WHERE role = 'student'")
        database.lock("notifications", reminder["id"])
        completion = pool.submit(client.patch, **completing)
        wait_until(lambda: database.waiting_on(FILING_REACHES_REMINDERS), 15, "the request")
        database.lock("activity_logs", log["id"])
        victim = completion.result(15)

    assert (victim.status_code, victim.json) == (409, LOCK_CONFLICT)
    assert victim.headers["Retry-After"] == "1"
    assert log_events(database) == 1
    assert [row["status"] for row in notifications() if row["kind"] == "overdue"] == ["pending"]
    assert client.patch(**completing).status_code == 200
    assert [row["status"] for row in notifications() if row["kind"] == "overdue"] == ["cancelled"]
