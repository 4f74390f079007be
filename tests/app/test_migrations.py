"""The migrations are the schema: they must match the models on MariaDB and on SQLite."""

import json
from contextlib import contextmanager
from types import SimpleNamespace

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.activity import services as activity
from app.audit import services as audit
from app.auth.models import User
from app.config import TestingConfig
from app.core.exceptions import NotFound
from app.extensions import db
from tests.conftest import recreate_database


def pending_changes() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree_on_mariadb(app):
    with app.app_context():
        assert pending_changes() == []


def test_migrations_apply_to_sqlite_and_match_the_models(tmp_path, app_with):
    app = app_with(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    with app.app_context():
        flask_migrate.upgrade()
        assert pending_changes() == []
        flask_migrate.downgrade(revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]


# --- log history moves into the audit trail --------------------------------------------------

# The last revision at which a weekly log's history was kept in activity_log_changes.
LOG_CHANGES_IN_THEIR_OWN_TABLE = "5c3e1f0a9b27"
STAMP = "2026-02-02 09:00:{:02}.{:06}"  # naive UTC, as both databases store timestamps


@contextmanager
def migrated_to(revision: str, kind: str, tmp_path, app_with):
    """An app on a database of its own (`kind`: "sqlite" or "mariadb") migrated to `revision`;
    its app context is pushed."""
    if kind == "sqlite":
        url, options = f"sqlite:///{tmp_path / 'old.sqlite3'}", {}
    else:
        session_url = make_url(TestingConfig.SQLALCHEMY_DATABASE_URI)
        url = session_url.set(database=f"{session_url.database}_migration")
        url = url.render_as_string(hide_password=False)
        options = TestingConfig.SQLALCHEMY_ENGINE_OPTIONS
        recreate_database(url)
    app = app_with(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        flask_migrate.upgrade(revision=revision)
        yield app


@pytest.fixture(params=["sqlite", "mariadb"])
def before_the_move(request, tmp_path, app_with):
    """Migrated to the revision before log history moved."""
    with migrated_to(LOG_CHANGES_IN_THEIR_OWN_TABLE, request.param, tmp_path, app_with) as app:
        yield app


def insert(table: str, **values) -> int:
    names = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    with db.engine.begin() as connection:
        result = connection.execute(
            text(f"INSERT INTO {table} ({names}) VALUES ({placeholders})"), values
        )
        return result.lastrowid


def person(role: str) -> int:
    stamp = STAMP.format(0, 0)
    return insert(
        "users", email=f"{role}@example.test", password_hash="-", first_name=role.title(),
        last_name="Tester", role=role, is_active=True, preferred_language="en",
        session_version=1, created_at=stamp, updated_at=stamp,
    )  # fmt: skip


def an_offering(facilitator_id: int) -> int:
    stamp = STAMP.format(0, 0)
    named = {"created_at": stamp, "updated_at": stamp}
    catalogue = {
        "module_id": insert("modules", code="CS101", name="Programming", credits=10, **named),
        "class_id": insert("classes", name="2026J", **named),
        "cohort_id": insert("cohorts", name="Cohort 1", **named),
        "mode_id": insert("delivery_modes", code="lab", name="Lab", **named),
    }
    return insert(
        "course_offerings", **catalogue, trimester=1, year=2026, intake="FT",
        start_date="2026-01-05", end_date="2026-04-20", facilitator_id=facilitator_id,
        max_students=50, is_active=True, **named,
    )  # fmt: skip


def change_row(log_id, offering_id, action, by, second, changes, week=2) -> None:
    insert(
        "activity_log_changes", log_id=log_id, offering_id=offering_id, week_number=week,
        action=action, changed_by_id=by, changed_at=STAMP.format(second, 50_000),
        changes=json.dumps(changes),
    )  # fmt: skip


def trail_event(log_id, action, by, second, changes) -> int:
    """The event the audit trail wrote along with a change row, moments before its flush."""
    return insert(
        "audit_events", occurred_at=STAMP.format(second, 0), actor_id=by, action=action,
        entity_type="activity_logs", entity_id=log_id, changes=json.dumps(changes),
        request_id="r1", client_address="127.0.0.1",
    )  # fmt: skip


def log_events(log_id: int) -> list[tuple]:
    return [
        (event.action, event.actor_id, event.occurred_at.second, event.changes)
        for event in audit.events_about("activity_logs", log_id)
    ]


def old_history() -> SimpleNamespace:
    """Three logs' history as the release before kept it, with the trail's events of the
    changes made since the trail was added."""
    facilitator, manager = person("facilitator"), person("manager")
    offering = an_offering(facilitator)
    # Log 1, filed, changed and deleted before the audit trail existed: only change rows.
    change_row(1, offering, "created", facilitator, 1, {"notes": [None, "first"]})
    change_row(1, offering, "updated", manager, 2, {"notes": ["first", "second"]})
    change_row(1, offering, "deleted", manager, 3, {"notes": ["second", None]})
    # Log 2, filed and changed since: each change is in both stores.
    filed = {"notes": [None, "a"], "attendance": [None, [True]]}
    snapshot = {"id": [None, 2], "offering_id": [None, offering], "week_number": [None, 3], **filed}
    change_row(2, offering, "created", facilitator, 4, filed, week=3)
    kept = [trail_event(2, "created", facilitator, 4, snapshot),
            trail_event(2, "updated", facilitator, 5, {"notes": ["a", "b"]})]  # fmt: skip
    change_row(2, offering, "updated", facilitator, 5, {"notes": ["a", "b"]}, week=3)
    # Log 3, filed before the trail and changed since.
    change_row(3, offering, "created", facilitator, 6, {"notes": [None, "x"]}, week=4)
    trail_event(3, "updated", manager, 7, {"notes": ["x", "y"]})
    change_row(3, offering, "updated", manager, 7, {"notes": ["x", "y"]}, week=4)
    return SimpleNamespace(facilitator=facilitator, manager=manager, offering=offering, kept=kept)


def test_log_history_moves_into_the_audit_trail_once_and_whole(before_the_move):
    old = old_history()
    facilitator, manager, offering = old.facilitator, old.manager, old.offering
    stranger = person("student")

    flask_migrate.upgrade()

    assert "activity_log_changes" not in db.inspect(db.engine).get_table_names()
    assert log_events(1) == [
        ("created", facilitator, 1,
         {"notes": [None, "first"], "offering_id": [None, offering], "week_number": [None, 2]}),
        ("updated", manager, 2, {"notes": ["first", "second"]}),
        ("deleted", manager, 3,
         {"notes": ["second", None], "offering_id": [offering, None], "week_number": [2, None]}),
    ]  # fmt: skip
    assert [event.id for event in audit.events_about("activity_logs", 2)] == old.kept
    assert log_events(3) == [
        ("created", facilitator, 6,
         {"notes": [None, "x"], "offering_id": [None, offering], "week_number": [None, 4]}),
        ("updated", manager, 7, {"notes": ["x", "y"]}),
    ]  # fmt: skip
    # The deleted log's history is served to whoever may see its offering, and no one else.
    shown = activity.history(db.session.get(User, facilitator), 1)
    assert [entry.action for entry in shown] == ["created", "updated", "deleted"]
    with pytest.raises(NotFound):
        activity.history(db.session.get(User, stranger), 1)
    # ...and keeps its offering from being deleted outright (app.courses.services).
    assert audit.mentions("activity_logs", "offering_id", offering)
    assert not audit.mentions("activity_logs", "offering_id", offering + 1)


def test_going_back_gives_the_release_before_the_same_histories(before_the_move):
    old = old_history()
    flask_migrate.upgrade()

    flask_migrate.downgrade(revision=LOG_CHANGES_IN_THEIR_OWN_TABLE)

    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT log_id, offering_id, week_number, action, changed_by_id, changes "
                 "FROM activity_log_changes ORDER BY log_id, changed_at, id")
        ).all()  # fmt: skip
    by = {old.facilitator: "F", old.manager: "M"}
    assert [(row.log_id, row.week_number, row.action, by[row.changed_by_id]) for row in rows] == [
        (1, 2, "created", "F"), (1, 2, "updated", "M"), (1, 2, "deleted", "M"),
        (2, 3, "created", "F"), (2, 3, "updated", "F"),
        (3, 4, "created", "F"), (3, 4, "updated", "M"),
    ]  # fmt: skip
    assert {row.offering_id for row in rows} == {old.offering}
    assert json.loads(rows[1].changes) == {"notes": ["first", "second"]}
