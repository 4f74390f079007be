"""The floor under filing a log: the five statements the app sends for one filing, and the commit,
through PyMySQL from a bare Flask endpoint served like the app. No token, rate limit, validation,
ORM, audit logic or Redis: what is left is the database's work and the driver's, so no filing
path can run faster than this on the machine, whatever it leaves out.

The statements are the ones the app sends (its SQL log, statement for statement). Each worker
files for every offering in turn, with its own run of week numbers far above any real one, so no
two filings collide.
"""

import json
import os
import random
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pymysql
from flask import Flask, request

STATEMENTS = (
    "SELECT id, module_id, class_id, cohort_id, mode_id, trimester, year, intake, start_date, "
    "end_date, facilitator_id, max_students, is_active, created_at, updated_at "
    "FROM course_offerings WHERE id = %(offering)s",
    "INSERT INTO activity_logs (offering_id, week_number, attendance, formative_one_grading, "
    "formative_two_grading, summative_grading, course_moderation, intranet_sync, "
    "grade_book_status, notes, submitted_by_id, filed_on_behalf, due_at, submitted_at, "
    "updated_at) VALUES (%(offering)s, %(week)s, %(attendance)s, 'Done', 'Done', 'Done', "
    "'Done', 'Done', 'Done', %(notes)s, %(user)s, 1, %(now)s, %(now)s, %(now)s)",
    "INSERT INTO activity_log_changes (log_id, offering_id, week_number, action, changed_by_id, "
    "changed_at, changes) VALUES (%(log)s, %(offering)s, %(week)s, 'created', %(user)s, "
    "%(now)s, %(changes)s)",
    "UPDATE notifications SET status = 'cancelled' WHERE status = 'pending' AND claimed_by IS "
    "NULL AND offering_id = %(offering)s AND week_number = %(week)s AND kind IN ('due_soon', "
    "'overdue')",
    "INSERT INTO audit_events (occurred_at, actor_id, action, entity_type, entity_id, changes, "
    "request_id, client_address) VALUES (%(now)s, %(user)s, 'created', 'activity_logs', "
    "%(log)s, %(changes)s, %(request)s, %(address)s)",
)
SELECT_OFFERING, INSERT_LOG, *AFTER_THE_LOG = STATEMENTS

app = Flask(__name__)


class Worker:
    """One gunicorn worker's connection, opened on its first filing (never shared across the
    fork), the offerings it files for, in turn, and its own run of week numbers."""

    def __init__(self):
        parts = urlsplit(os.environ["DATABASE_URL"].replace("mysql+pymysql", "mysql"))
        self.connection = pymysql.connect(
            host=parts.hostname, port=parts.port or 3306, user=parts.username,
            password=parts.password or "", database=parts.path.lstrip("/"), charset="utf8mb4",
        )  # fmt: skip
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT id FROM course_offerings")
            self.offerings = [offering for (offering,) in cursor.fetchall()]
        self.connection.commit()
        self.filed = random.randrange(10**6, 2 * 10**9)

    def next_week(self) -> tuple[int, int]:
        self.filed += 1
        return self.offerings[self.filed % len(self.offerings)], self.filed


worker = None


@app.get("/")
def ready():
    return {"status": "ok"}


@app.post("/")
def file_log():
    global worker
    worker = worker or Worker()
    body = request.get_json()
    offering, week = worker.next_week()
    values = {
        "offering": offering, "week": week, "user": 1, "now": datetime.now(UTC),
        "attendance": json.dumps(body["attendance"]), "notes": body["notes"],
        "changes": json.dumps({"notes": [None, body["notes"]]}),
        "request": os.urandom(16).hex(), "address": request.remote_addr,
    }  # fmt: skip
    with worker.connection.cursor() as cursor:
        cursor.execute(SELECT_OFFERING, values)
        cursor.fetchall()
        cursor.execute(INSERT_LOG, values)
        values["log"] = cursor.lastrowid
        for statement in AFTER_THE_LOG:
            cursor.execute(statement, values)
    worker.connection.commit()
    return {"id": values["log"]}, 201
