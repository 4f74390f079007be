"""Reads no cache can answer (the first of an id, of a filter, of a caller) run a fixed set of
statements, whatever the page size: these pin them, so a query per row or a reread cannot creep
back. See docs/performance.md, first reads."""

import json

import pytest
from sqlalchemy import select, text

from app.activity import services as activity
from app.auth.models import Role, User
from app.extensions import db

OFFERINGS = "/api/v1/course-offerings"
LOGS = "/api/v1/activity-logs"


@pytest.fixture
def staffed(create_user, create_offering, enrol):
    """A facilitator's offering with two students."""
    facilitator = create_user("facilitator")
    offering = create_offering(facilitator_id=facilitator.id)
    enrol(offering["id"], create_user("student"), create_user("student"))
    return facilitator, offering


@pytest.fixture
def seen_manager(create_user, auth_headers):
    return auth_headers(create_user("manager"))


def first_read(client, count_queries, path, headers, seen=True, **query) -> tuple:
    """The answer to a read nothing cached, and its statements. By a caller `seen` before,
    unless told otherwise: whose identity is cached, as it is after their first request."""
    if seen:
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with count_queries() as statements:
        response = client.get(path, query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response, statements


def test_one_offering_is_one_statement_of_the_columns_shown(
    client, staffed, seen_manager, count_queries
):
    _, offering = staffed
    response, statements = first_read(
        client, count_queries, f"{OFFERINGS}/{offering['id']}", seen_manager
    )

    assert response.json["enrolled_count"] == 2
    assert len(statements) == 1, statements
    assert "password_hash" not in statements[0] and "description" not in statements[0]


@pytest.mark.parametrize("page_size", [1, 50])
def test_a_page_of_offerings_is_a_count_and_the_page(
    client, staffed, create_offering, seen_manager, count_queries, page_size
):
    create_offering(intake="HT2")
    response, statements = first_read(
        client, count_queries, OFFERINGS, seen_manager, page_size=page_size
    )

    assert len(response.json) == min(page_size, 2)
    assert len(statements) == 2, statements
    assert statements[0].lstrip().startswith("SELECT count(*)")


@pytest.fixture
def pending_logs(client, staffed, create_offering, auth_headers) -> None:
    """Three logs with an item Pending: weeks 1 and 2 of one offering, week 1 of another."""
    facilitator, offering = staffed
    other = create_offering(intake="HT2", facilitator_id=facilitator.id)
    headers = auth_headers(facilitator)
    for offering_id, week in ((offering["id"], 1), (offering["id"], 2), (other["id"], 1)):
        body = {"allocation_id": offering_id, "week_number": week, "summative_grading": "Pending"}
        assert client.post(LOGS, json=body, headers=headers).status_code == 201


@pytest.mark.parametrize("page_size", [1, 50])
def test_a_filtered_page_of_logs_is_the_page_with_its_count_then_its_attendance(
    client, pending_logs, seen_manager, count_queries, page_size
):
    response, statements = first_read(
        client, count_queries, LOGS, seen_manager, status="Pending", page_size=page_size
    )

    assert [log["week_number"] for log in response.json] == [1, 2, 1][:page_size]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    assert len(statements) == 2, statements
    page, attendance = statements
    # The page's keys and their total come from one read of log ids and the columns filtered
    # on; whole rows are read for the page alone, joined to its keys.
    assert "JOIN (SELECT activity_logs.id" in page and "count(*) OVER ()" in page, page
    assert "FROM attendance_records" in attendance


# The last would be an OFFSET past what SQLite (2^63 - 1) and MariaDB (2^64 - 1) take.
@pytest.mark.parametrize(("page", "total"), [(4, 3), (2**62, 3), (2**70, 3)])
def test_a_page_of_logs_past_the_end_is_empty_and_still_counts_them(
    client, pending_logs, seen_manager, page, total
):
    response = client.get(
        LOGS, query_string={"status": "Pending", "page_size": 1, "page": page}, headers=seen_manager
    )

    assert response.status_code == 200, response.json
    assert response.json == []
    assert json.loads(response.headers["X-Pagination"])["total"] == total


def test_a_page_of_logs_that_nothing_matches_counts_none(client, staffed, seen_manager):
    response = client.get(LOGS, query_string={"status": "Pending"}, headers=seen_manager)

    assert response.json == []
    assert json.loads(response.headers["X-Pagination"])["total"] == 0


@pytest.mark.parametrize("role", ["manager", "facilitator", "student"])
def test_who_am_i_for_a_caller_seen_for_the_first_time(
    client, create_user, auth_headers, count_queries, role
):
    user = create_user(role)
    response, statements = first_read(
        client, count_queries, "/api/v1/auth/me", auth_headers(user), seen=False
    )

    assert response.json["id"] == user.id
    # The account (its identity, then cached), its role's profile alone, its last sign-in.
    assert len(statements) == 3, statements
    assert f"FROM {role}_profiles" in statements[1]
    assert "last_login_at" in statements[2]


@pytest.mark.mariadb  # MariaDB's planner and its EXPLAIN
def test_the_keys_of_a_filtered_log_page_come_from_an_index_alone(
    app, client, staffed, create_offering, auth_headers
):
    facilitator, offering = staffed
    for week in (1, 2):
        body = {"allocation_id": offering["id"], "week_number": week, "intranet_sync": "Pending"}
        response = client.post(LOGS, json=body, headers=auth_headers(facilitator))
        assert response.status_code == 201
    with app.app_context():
        db.session.execute(text("ANALYZE TABLE activity_logs, course_offerings"))
        manager = User(role=Role.MANAGER.value)
        keys = (
            select(activity.ActivityLog.id)
            .join(activity.ActivityLog.offering)
            .where(*activity.visible_to(manager), *activity.matching({"status": "Pending"}))
        )
        sql = keys.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(text(f"EXPLAIN {sql}")).mappings().all()

    logs = next(row for row in plan if row["table"] == "activity_logs")
    assert logs["key"] == "ix_activity_logs_offering_checklist", plan
    assert "Using index" in logs["Extra"], plan
