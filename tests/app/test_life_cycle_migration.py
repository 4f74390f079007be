"""The life-cycle migration on a copy of data, MariaDB and SQLite: offerings that were active
become active, or completed once they ended; archived ones cancelled; nothing that refers to
an offering is lost; going back leaves the offerings as they were."""

import flask_migrate
import pytest
from sqlalchemy import text

from app.extensions import db
from tests.app.test_migrations import STAMP, insert, migrated_to, person

BEFORE = "a7d3f19c6e52"  # the last revision without offering statuses
LIFE_CYCLE = "b7e4c2a9d351"


@pytest.fixture(params=["sqlite", "mariadb"])
def before_the_life_cycle(request, tmp_path, app_with):
    with migrated_to(BEFORE, request.param, tmp_path, app_with) as app:
        yield app


def offerings(facilitator_id: int) -> dict[str, int]:
    """Offerings as the release before kept them: one that ended long ago, one that runs until
    2099, one archived; the first with a student enrolled."""
    named = {"created_at": STAMP.format(0, 0), "updated_at": STAMP.format(0, 0)}
    catalogue = {
        "module_id": insert("modules", code="CS101", name="Programming", credits=10, **named),
        "class_id": insert("classes", name="2026J", **named),
        "cohort_id": insert("cohorts", name="Cohort 1", **named),
        "mode_id": insert("delivery_modes", code="lab", name="Lab", **named),
    }
    shapes = {
        "ended": ("HT1", "2000-01-03", "2000-03-31", True),
        "running": ("HT2", "2099-01-05", "2099-04-03", True),
        "archived": ("FT", "2099-01-05", "2099-04-03", False),
    }
    made = {
        name: insert(
            "course_offerings",
            **catalogue,
            trimester=1,
            year=int(start[:4]),
            intake=intake,
            start_date=start,
            end_date=end,
            facilitator_id=facilitator_id,
            max_students=50,
            is_active=active,
            **named,
        )
        for name, (intake, start, end, active) in shapes.items()
    }
    insert("enrollments", offering_id=made["ended"], student_id=person("student"),
           enrolled_at=STAMP.format(0, 0))  # fmt: skip
    return made


def statuses() -> dict[int, tuple]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, status, is_active, status_changed_at FROM course_offerings")
        )
        return {row.id: (row.status, bool(row.is_active), row.status_changed_at) for row in rows}


def test_offerings_get_the_status_their_state_and_dates_say(before_the_life_cycle):
    made = offerings(person("facilitator"))

    flask_migrate.upgrade(revision=LIFE_CYCLE)

    assert statuses() == {
        made["ended"]: ("completed", True, None),
        made["running"]: ("active", True, None),
        made["archived"]: ("cancelled", False, None),
    }
    with db.engine.connect() as connection:
        enrolled = connection.execute(text("SELECT COUNT(*) FROM enrollments")).scalar()
    assert enrolled == 1


def test_going_back_keeps_the_offerings(before_the_life_cycle):
    made = offerings(person("facilitator"))
    flask_migrate.upgrade(revision=LIFE_CYCLE)

    flask_migrate.downgrade(revision=BEFORE)

    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, is_active FROM course_offerings")).all()
    assert {row.id: bool(row.is_active) for row in rows} == {
        made["ended"]: True, made["running"]: True, made["archived"]: False
    }  # fmt: skip
