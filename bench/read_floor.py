"""The floor under a first read: what reading an offering, or a page of 50, costs through the
libraries the app must use, with none of the app's own work. A bare Flask endpoint, served like
the app, verifies the bearer token with flask-jwt-extended and makes the token check's one Redis
round trip (as bench/hit_floor.py does), then sends the app's own statements for that read (its
SQL log, statement for statement) through Flask-SQLAlchemy's session with the app's engine
settings, commits, writes the rows out as JSON and stores them in Redis as the cache would.

No ORM objects, identity, visibility rule, rate-limit arithmetic, validation or marshmallow: a
first read of the app, which reads through the same session, cannot be cheaper than this on the
machine.
"""

import json
import os

import redis
from flask import Flask, Response, request
from flask_jwt_extended import JWTManager, verify_jwt_in_request
from flask_sqlalchemy import SQLAlchemy
from hit_floor import token_check_round_trip
from sqlalchemy import text

# The columns the app reads for an offering: its own, its enrolment count, and its catalogue
# entries and facilitator as it shows them.
SHOWN = (
    "course_offerings.id, course_offerings.module_id, course_offerings.class_id, "
    "course_offerings.cohort_id, course_offerings.mode_id, course_offerings.trimester, "
    "course_offerings.year, course_offerings.intake, course_offerings.start_date, "
    "course_offerings.end_date, course_offerings.facilitator_id, course_offerings.max_students, "
    "course_offerings.status, course_offerings.status_changed_at, course_offerings.is_active, "
    "course_offerings.created_at, course_offerings.updated_at, (SELECT count(enrollments.id) "
    "FROM enrollments WHERE enrollments.offering_id = course_offerings.id) AS enrolled, "
    "modules.id AS module, modules.code, modules.name, modules.credits, classes.id AS class, "
    "classes.name AS class_name, cohorts.id AS cohort, cohorts.name AS cohort_name, "
    "delivery_modes.id AS mode, delivery_modes.code AS mode_code, delivery_modes.name AS "
    "mode_name, users.id AS facilitator, users.email, users.first_name, users.last_name "
    "FROM course_offerings LEFT OUTER JOIN modules ON modules.id = course_offerings.module_id "
    "LEFT OUTER JOIN classes ON classes.id = course_offerings.class_id LEFT OUTER JOIN cohorts "
    "ON cohorts.id = course_offerings.cohort_id LEFT OUTER JOIN delivery_modes ON "
    "delivery_modes.id = course_offerings.mode_id LEFT OUTER JOIN users ON users.id = "
    "course_offerings.facilitator_id"
)
ONE_OFFERING = text(f"SELECT {SHOWN} WHERE course_offerings.id = :offering")
IN_TRIMESTER = "course_offerings.trimester = :trimester AND course_offerings.year = :year"
PAGE_COUNT = text(
    "SELECT count(*) FROM (SELECT course_offerings.id FROM course_offerings "
    f"WHERE {IN_TRIMESTER}) AS matching"
)
PAGE = text(
    f"SELECT {SHOWN} WHERE {IN_TRIMESTER} ORDER BY course_offerings.start_date, "
    "course_offerings.id LIMIT :offset, :size"
)

app = Flask(__name__)
app.config.update(
    JWT_SECRET_KEY=os.environ["JWT_SECRET_KEY"],
    JWT_TOKEN_LOCATION=["headers"],
    SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
    # The app's engine settings (app/config.py, app/__init__.py), written out rather than
    # imported: importing the app would attach its session hooks to this floor's session too.
    SQLALCHEMY_ENGINE_OPTIONS={
        "pool_pre_ping": True, "pool_recycle": 1800, "hide_parameters": True,
        "isolation_level": "READ COMMITTED",
        "connect_args": {"connect_timeout": 5,
                         "init_command": "SET SESSION innodb_lock_wait_timeout = 10"},
    },
)  # fmt: skip
jwt = JWTManager(app)
db = SQLAlchemy(app)
store = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)


def entry_key() -> str:
    return f"bench:read-floor:{request.full_path}"


@jwt.token_in_blocklist_loader
def revoked(_header: dict, payload: dict) -> bool:
    # A first read finds no entry: only whether the token is revoked matters here.
    is_revoked, _entry = token_check_round_trip(store, payload, entry_key())
    return is_revoked


@app.get("/")
def ready():
    return {"status": "ok"}


@app.get("/course-offerings/<int:offering_id>")
def one_offering(offering_id: int):
    verify_jwt_in_request()
    row = db.session.execute(ONE_OFFERING, {"offering": offering_id}).one()
    return answer(as_json(row))


@app.get("/course-offerings")
def page():
    verify_jwt_in_request()
    size = int(request.args["page_size"])
    period = {"trimester": int(request.args["trimester"]), "year": int(request.args["year"])}
    total = db.session.execute(PAGE_COUNT, period).scalar_one()
    rows = db.session.execute(PAGE, {**period, "offset": 0, "size": size}).all()
    return answer([as_json(row) for row in rows], {"X-Total": str(total)})


def as_json(row) -> dict:
    return {name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in row._mapping.items()}  # fmt: skip


def answer(data, headers: dict | None = None) -> Response:
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False).encode()  # as the app's JSON provider
    store.set(entry_key(), body, ex=3600)
    return Response(body, content_type="application/json", headers=headers)
