"""The floor under filing a log: the four statements the app sends for one filing, and the commit,
through PyMySQL from a bare Flask endpoint served like the app. No token, rate limit, validation,
ORM, audit logic or Redis: what is left is the database's work and the driver's, so no filing
path can run faster than this on the machine, whatever it leaves out.

The statements are the ones the app sends (its SQL log, statement for statement), with rows of
the same size (the audit event, the log's history, holds every column). Each worker files for
every offering in turn, with week numbers of its own far above any real one, so no two filings
collide.
"""

import json
import os
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pymysql
from datasets import MANAGER_EMAIL
from flask import Flask, request

STATEMENTS = (
    "SELECT id, module_id, class_id, cohort_id, mode_id, trimester, year, intake, start_date, "
    "end_date, facilitator_id, max_students, is_active, created_at, updated_at "
    "FROM course_offerings WHERE id = %(offering)s",
    "INSERT INTO activity_logs (offering_id, week_number, formative_one_grading, "
    "formative_two_grading, summative_grading, course_moderation, intranet_sync, "
    "grade_book_status, notes, submitted_by_id, filed_on_behalf, due_at, submitted_at, "
    "updated_at) VALUES (%(offering)s, %(week)s, 'Done', 'Done', 'Done', "
    "'Done', 'Done', 'Done', %(notes)s, %(user)s, 1, %(now)s, %(now)s, %(now)s)",
    "UPDATE notifications SET status = 'cancelled' WHERE status = 'pending' AND claimed_by IS "
    "NULL AND offering_id = %(offering)s AND week_number = %(week)s AND kind IN ('due_soon', "
    "'overdue')",
    "INSERT INTO audit_events (occurred_at, actor_id, action, entity_type, entity_id, changes, "
    "request_id, client_address) VALUES (%(now)s, %(user)s, 'created', 'activity_logs', "
    "%(log)s, %(changes)s, %(request)s, %(address)s)",
)
SELECT_OFFERING, INSERT_LOG, CANCEL_REMINDERS, INSERT_AUDIT_EVENT = STATEMENTS

app = Flask(__name__)
# A worker's week numbers start at 10**6 + its process id times this: room for 100 rounds of
# every offering, and under INT's limit for any process id.
WEEKS_PER_WORKER = 100


class Worker:
    """One gunicorn worker's connection, set up as the app sets up its own and opened on the
    first filing (never shared across the fork); the offerings it files for, in turn."""

    def __init__(self):
        parts = urlsplit(os.environ["DATABASE_URL"].replace("mysql+pymysql", "mysql"))
        self.connection = pymysql.connect(
            host=parts.hostname, port=parts.port or 3306, user=parts.username,
            password=parts.password or "", database=parts.path.lstrip("/"), charset="utf8mb4",
            init_command="SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
        )  # fmt: skip
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT id FROM course_offerings")
            self.offerings = [offering for (offering,) in cursor.fetchall()]
            cursor.execute("SELECT id FROM users WHERE email = %s", (MANAGER_EMAIL,))
            (self.user,) = cursor.fetchone()
        self.connection.commit()
        self.filed = 0

    def next_week(self) -> tuple[int, int]:
        """A fresh (offering, week): every offering in turn, then the next week number."""
        self.filed += 1
        weeks_in, offering = divmod(self.filed, len(self.offerings))
        return self.offerings[offering], 10**6 + os.getpid() * WEEKS_PER_WORKER + weeks_in


worker = None


@app.get("/")
def ready():
    return {"status": "ok"}


@app.post("/")
def file_log():
    global worker
    worker = worker or Worker()
    try:
        log_id = write(worker, request.get_json())
    except pymysql.OperationalError:
        worker = None  # the connection may be gone: the next filing opens another
        raise
    return {"id": log_id}, 201


def write(worker: Worker, body: dict) -> int:
    offering, week = worker.next_week()
    now = datetime.now(UTC)
    # What the app's audit event holds: every column of the log.
    filed = {field: [None, value] for field, value in body.items()
             if field not in ("allocation_id", "week_number")}  # fmt: skip
    stamped = {name: [None, now.isoformat()] for name in ("due_at", "submitted_at", "updated_at")}
    columns = {**filed, **stamped, "offering_id": [None, offering], "week_number": [None, week],
               "submitted_by_id": [None, worker.user], "filed_on_behalf": [None, True]}  # fmt: skip
    values = {
        "offering": offering, "week": week, "user": worker.user, "now": now,
        "notes": body["notes"], "request": os.urandom(16).hex(),
        "address": request.remote_addr,
    }  # fmt: skip
    try:
        with worker.connection.cursor() as cursor:
            cursor.execute(SELECT_OFFERING, values)
            cursor.fetchall()
            cursor.execute(INSERT_LOG, values)
            values["log"] = cursor.lastrowid
            cursor.execute(CANCEL_REMINDERS, values)
            values["changes"] = json.dumps({"id": [None, values["log"]], **columns})
            cursor.execute(INSERT_AUDIT_EVENT, values)
        worker.connection.commit()
    except pymysql.MySQLError:
        worker.connection.rollback()  # nothing of a failed filing stays for the next commit
        raise
    return values["log"]
