"""The attendance migrations on a copy of real-shaped data, on MariaDB and SQLite: lists whose
length matches their week's roster become one row per student in roster order, the others
stay as counts, a list filed by the release before during the rollout is converted by the
contract step, and nothing is lost either way."""

import json
from datetime import datetime

import flask_migrate
import pytest
from sqlalchemy import text

from app.config import TestingConfig
from app.extensions import db
from tests.conftest import recreate_database

BEFORE, EXPAND = "9e0b3f6d2c18", "3b8e5d1c7a42"
ENROLLED = datetime(2025, 12, 1)  # naive UTC, as stored
LATE_ENROLMENT = datetime(2026, 1, 20)  # during week 3 of an offering starting 2026-01-05


@pytest.fixture(params=[pytest.param("mariadb", marks=pytest.mark.mariadb), "sqlite"])
def old_database(request, tmp_path, app_with):
    """An app on a database of its own, migrated up to the revision before attendance."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
        app = app_with(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={})
    else:
        url = TestingConfig.SQLALCHEMY_DATABASE_URI.replace("?", "_migration?", 1)
        recreate_database(url)
        app = app_with(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
    return app


def run(statement: str, **values):
    result = db.session.execute(text(statement), values)
    rows = result.all() if result.returns_rows else None
    db.session.commit()
    return rows


def insert(table: str, **values) -> int:
    columns = ", ".join(values)
    run(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in values)})", **values)
    return run(f"SELECT MAX(id) FROM {table}")[0][0]


def person(role: str, first: str, last: str) -> int:
    now = datetime(2025, 11, 1)
    return insert(
        "users", email=f"{first}.{last}@example.test".lower(), password_hash="!", first_name=first,
        last_name=last, role=role, is_active=True, preferred_language="en", session_version=1,
        created_at=now, updated_at=now,
    )  # fmt: skip


def old_world() -> dict:
    """An offering with three students (one enrolled in week 3) and its logs as the release
    before wrote them: lists of booleans, some matching their week's roster, some not."""
    now = datetime(2025, 11, 1)
    stamps = {"created_at": now, "updated_at": now}
    catalogue = {
        "module_id": insert("modules", code="CS101", name="Programming", credits=15, **stamps),
        "class_id": insert("classes", name="2025J", **stamps),
        "cohort_id": insert("cohorts", name="Cohort 2025", **stamps),
        "mode_id": run("SELECT id FROM delivery_modes WHERE code = 'online'")[0][0],
    }
    facilitator = person("facilitator", "Jean", "Habimana")
    offering = insert(
        "course_offerings", **catalogue, trimester=1, year=2026, intake="HT1",
        start_date="2026-01-05", end_date="2026-04-03", facilitator_id=facilitator,
        max_students=40, is_active=True, **stamps,
    )  # fmt: skip
    turing, lovelace, hopper = (
        person("student", "Alan", "Turing"),
        person("student", "Ada", "Lovelace"),
        person("student", "Grace", "Hopper"),
    )
    for student, since in ((turing, ENROLLED), (lovelace, ENROLLED), (hopper, LATE_ENROLMENT)):
        insert("enrollments", offering_id=offering, student_id=student, enrolled_at=since)
    lists = {
        1: [True, False],  # roster of week 1: Lovelace, Turing → converted
        2: [True, True, True, False],  # 4 entries for 2 students → counts
        3: [False, True, True],  # roster of week 3: Hopper, Lovelace, Turing → converted
        4: [],  # nothing taken
    }
    logs = {
        week: insert(
            "activity_logs",
            offering_id=offering,
            week_number=week,
            attendance=json.dumps(attendance),
            formative_one_grading="Done",
            formative_two_grading="Done",
            summative_grading="Done",
            course_moderation="Done",
            intranet_sync="Done",
            grade_book_status="Done",
            submitted_by_id=facilitator,
            filed_on_behalf=False,
            due_at=datetime(2026, 1, 12),
            submitted_at=now,
            updated_at=now,
        )
        for week, attendance in lists.items()
    }
    return {"logs": logs, "turing": turing, "lovelace": lovelace, "hopper": hopper,
            "offering": offering, "facilitator": facilitator}  # fmt: skip


def records_of(log_id: int) -> dict:
    rows = run("SELECT student_id, status FROM attendance_records WHERE log_id = :id", id=log_id)
    return dict(rows)


def counts_of(log_id: int) -> tuple:
    [row] = run(
        "SELECT legacy_present, legacy_recorded FROM activity_logs WHERE id = :id", id=log_id
    )
    return tuple(row)


def test_matching_lists_become_rows_and_the_others_counts(old_database):
    with old_database.app_context():
        world = old_world()
        logs = world["logs"]

        flask_migrate.upgrade()

        assert records_of(logs[1]) == {world["lovelace"]: "present", world["turing"]: "absent"}
        assert counts_of(logs[1]) == (None, None)
        assert records_of(logs[2]) == {}
        assert counts_of(logs[2]) == (3, 4)
        assert records_of(logs[3]) == {
            world["hopper"]: "absent", world["lovelace"]: "present", world["turing"]: "present"
        }  # fmt: skip
        assert records_of(logs[4]) == {} and counts_of(logs[4]) == (None, None)
        assert run("SELECT COUNT(*) FROM activity_logs")[0][0] == 4


def test_the_contract_step_converts_lists_the_release_before_filed_meanwhile(old_database):
    with old_database.app_context():
        world = old_world()
        flask_migrate.upgrade(revision=EXPAND)
        # The release before, still running during the rollout, files week 5 the old way.
        run(
            "UPDATE activity_logs SET week_number = 5, attendance = :list WHERE id = :id",
            list=json.dumps([True, True, False]), id=world["logs"][4],
        )  # fmt: skip

        flask_migrate.upgrade()

        assert records_of(world["logs"][4]) == {
            world["hopper"]: "present", world["lovelace"]: "present", world["turing"]: "absent"
        }  # fmt: skip


def test_going_back_gives_the_lists_back(old_database):
    with old_database.app_context():
        old_world()
        flask_migrate.upgrade()

        flask_migrate.downgrade(revision=BEFORE)

        lists = dict(run("SELECT week_number, attendance FROM activity_logs"))
        decoded = {week: json.loads(value) for week, value in lists.items()}
        assert decoded == {
            1: [True, False],
            2: [True, True, True, False],
            3: [False, True, True],
            4: [],
        }
