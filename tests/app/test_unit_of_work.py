"""One transaction boundary per unit of work: all or nothing, after-commit work, subscribers
inside the unit."""

import flask_migrate
import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.orm import make_transient_to_detached

from app.auth import services as auth_services
from app.auth.models import Role, User
from app.core.exceptions import Conflict
from app.core.signals import offering_changed
from app.courses import services as course_services
from app.courses.models import AssignmentChange, CourseOffering
from app.data.unit_of_work import after_commit, unit_of_work
from app.extensions import db

OFFERINGS = "/api/v1/course-offerings"


def count_users(email: str) -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.email == email))


def new_account(email: str) -> User:
    return auth_services.create_user(
        role=Role.STUDENT, email=email, password="long enough pass", first_name="A", last_name="B"
    )


def test_a_unit_that_fails_after_flushing_leaves_no_row(app):
    with app.app_context():
        with pytest.raises(Conflict), unit_of_work():
            user = new_account("flushed@example.test")
            assert user.id is not None  # the row was written inside the transaction
            raise Conflict("something later in the same unit refused")

        assert count_users("flushed@example.test") == 0


def test_a_request_refused_by_a_later_step_keeps_none_of_its_earlier_writes(
    client, as_manager, auth_headers, create_user, create_offering, run_sql
):
    """Reassigning and shortening at once: the reassignment is written (and its history row
    flushed) before the activity room refuses the shorter calendar; neither survives."""
    first, second = create_user("facilitator"), create_user("facilitator")
    offering = create_offering(facilitator_id=first.id)
    filed = client.post(
        "/api/v1/activity-logs",
        json={"allocation_id": offering["id"], "week_number": 9},
        headers=auth_headers(first),
    )
    assert filed.status_code == 201

    response = client.patch(
        f"{OFFERINGS}/{offering['id']}",
        json={"facilitator_id": second.id, "end_date": "2026-02-27"},
        headers=as_manager,
    )

    assert response.status_code == 422
    assert "end_date" in response.json["errors"]["json"]
    after = client.get(f"{OFFERINGS}/{offering['id']}", headers=as_manager).json
    assert (after["facilitator_id"], after["end_date"]) == (first.id, offering["end_date"])
    history = run_sql(
        "SELECT facilitator_id FROM offering_assignment_changes WHERE offering_id = :id",
        id=offering["id"],
    )
    assert [row[0] for row in history] == [first.id]


def test_after_commit_work_runs_once_the_data_is_visible_to_others(app):
    other_connection = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    seen = []

    def look_from_elsewhere():
        with other_connection.connect() as connection:
            query = text("SELECT COUNT(*) FROM users WHERE email = 'after@example.test'")
            seen.append(connection.scalar(query))

    with app.app_context(), unit_of_work():
        new_account("after@example.test")
        after_commit(look_from_elsewhere)
        assert seen == []  # not yet: the unit has not committed

    other_connection.dispose()
    assert seen == [1]


def test_a_change_never_flushed_is_committed_at_the_end_of_its_unit(app):
    """Nothing reached the database yet: the commit itself sends the pending row."""
    with app.app_context():
        with unit_of_work():
            db.session.add(
                User(role=Role.STUDENT, email="pending@example.test", password_hash="x",
                     first_name="A", last_name="B", preferred_language="en")
            )  # fmt: skip
        db.session.remove()
        assert count_users("pending@example.test") == 1


def first_name_seen_elsewhere(app, user_id: int) -> str:
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.connect() as connection:
        name = connection.scalar(text("SELECT first_name FROM users WHERE id = :id"),
                                 {"id": user_id})  # fmt: skip
    other.dispose()
    return name


def test_a_write_sent_as_a_statement_with_no_object_pending_is_committed(app):
    with app.app_context():
        with unit_of_work():
            user_id = new_account("statement@example.test").id
        with unit_of_work():
            db.session.execute(update(User).where(User.id == user_id).values(first_name="Sent"))
        db.session.remove()

        assert first_name_seen_elsewhere(app, user_id) == "Sent"


def test_a_unit_with_nothing_to_commit_leaves_nothing_stale_for_the_next(app):
    """A cached answer attaches its caller from a copy, without a query; a session that
    outlives that unit (a held app context) still reads the account as it is now."""
    with app.app_context():
        with unit_of_work():
            user_id = new_account("copied@example.test").id
        db.session.remove()
        copy = User(id=user_id, first_name="A")
        make_transient_to_detached(copy)
        with unit_of_work():
            caller = db.session.merge(copy, load=False)  # held on to, as `g` holds the caller
        renamed = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with renamed.begin() as connection:
            connection.execute(update(User).where(User.id == user_id).values(first_name="Now"))
        renamed.dispose()

        with unit_of_work():
            assert db.session.get(User, user_id) is caller
            assert caller.first_name == "Now"


def test_after_commit_work_runs_after_a_unit_that_never_reached_the_database(app):
    ran = []
    with app.app_context(), unit_of_work():
        after_commit(lambda: ran.append("sent"))

    assert ran == ["sent"]


def test_after_commit_work_is_dropped_on_rollback(app):
    ran = []
    with app.app_context():
        with pytest.raises(Conflict), unit_of_work():
            after_commit(lambda: ran.append("sent"))
            raise Conflict("refused")
        with unit_of_work():  # the next unit does not inherit the dropped work
            pass

    assert ran == []


def test_a_failing_after_commit_callback_neither_undoes_the_commit_nor_stops_the_others(app):
    ran = []

    def broken():
        raise ConnectionError("queue unreachable")

    with app.app_context():
        with unit_of_work():
            new_account("kept@example.test")
            after_commit(broken)
            after_commit(lambda: ran.append("next"))
        assert count_users("kept@example.test") == 1
    assert ran == ["next"]


@pytest.fixture
def refusing_subscriber():
    """A subscriber that refuses every calendar change after the activity room moved the logs."""

    def refuse(offering, what=frozenset(), **_details):
        if "dates" in what:
            raise Conflict("calendar frozen")

    offering_changed.connect(refuse)
    yield
    offering_changed.disconnect(refuse)


def test_subscriber_writes_roll_back_with_the_use_case_that_sent_the_signal(
    client, as_manager, create_user, create_offering, auth_headers, refusing_subscriber
):
    facilitator = create_user("facilitator")
    offering = create_offering(facilitator_id=facilitator.id)
    log = client.post(
        "/api/v1/activity-logs",
        json={"allocation_id": offering["id"], "week_number": 2},
        headers=auth_headers(facilitator),
    ).json

    response = client.patch(
        f"{OFFERINGS}/{offering['id']}",
        json={"start_date": "2026-01-12", "end_date": "2026-04-10"},
        headers=as_manager,
    )

    assert response.status_code == 409
    unchanged = client.get(f"/api/v1/activity-logs/{log['id']}", headers=as_manager).json
    assert unchanged["due_at"] == log["due_at"]
    assert (
        client.get(f"{OFFERINGS}/{offering['id']}", headers=as_manager).json["start_date"]
        == (offering["start_date"])
    )


def test_subscriber_writes_commit_with_the_use_case(app, create_user, create_offering):
    """The assignment history the courses room writes and a subscriber's own write land in
    the same commit."""
    facilitator = create_user("facilitator")
    offering = create_offering()
    manager = create_user("manager")

    def note(sender, what=frozenset(), **_details):
        if "facilitator" in what:
            db.session.add(User(role="student", email="witness@example.test", password_hash="x",
                                first_name="W", last_name="S"))  # fmt: skip

    offering_changed.connect(note)
    try:
        with app.app_context():
            with unit_of_work():
                acting = db.session.get(User, manager.id)
                target = db.session.get(CourseOffering, offering["id"])
                course_services.update_offering(target, {"facilitator_id": facilitator.id}, acting)
            assert count_users("witness@example.test") == 1
            changes = db.session.scalar(
                select(func.count(AssignmentChange.id)).where(
                    AssignmentChange.offering_id == offering["id"]
                )
            )
            assert changes == 1
    finally:
        offering_changed.disconnect(note)


def test_on_sqlite_a_refused_unit_leaves_nothing_either(tmp_path, app_with):
    """Python's sqlite3 driver commits on its own at a savepoint release unless told not to:
    the embedded development database must keep all-or-nothing too."""
    sqlite_app = app_with(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'units.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    with sqlite_app.app_context():
        flask_migrate.upgrade()
        with unit_of_work():
            auth_services.create_user(role=Role.STUDENT, email="first@example.test",
                                      password="long enough pass", first_name="A",
                                      last_name="B", student_number="S-1")  # fmt: skip

        with pytest.raises(Conflict), unit_of_work():
            auth_services.create_user(role=Role.STUDENT, email="second@example.test",
                                      password="long enough pass", first_name="C",
                                      last_name="D", student_number="S-1")  # fmt: skip

        assert count_users("second@example.test") == 0
