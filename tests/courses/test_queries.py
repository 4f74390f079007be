"""Offering lists cost a fixed number of queries and use the indexes, on a realistic volume."""

import pytest
from sqlalchemy import select, text

from app.auth.models import Role, User
from app.courses import services
from app.extensions import db


@pytest.fixture
def bulk_data(app):
    """A few hundred offerings with facilitators, students and enrolments, via `flask seed bulk`."""
    result = app.test_cli_runner().invoke(
        args=["seed", "bulk", "--facilitators", "5", "--offerings", "300", "--students", "60"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        analyze = "ANALYZE {}" if db.engine.dialect.name == "sqlite" else "ANALYZE TABLE {}"
        for table in ("course_offerings", "enrollments", "users", "modules"):
            db.session.execute(text(analyze.format(table)))
        db.session.commit()


def someone(app, role: Role, **where) -> User:
    with app.app_context():
        statement = select(User).where(User.role == role.value, *where.values()).limit(1)
        return db.session.scalar(statement)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FACILITATOR, Role.STUDENT])
def test_offering_list_query_count_does_not_grow_with_page_size(
    app, client, bulk_data, create_user, auth_headers, role, count_queries
):
    caller = create_user("manager") if role == Role.MANAGER else someone(app, role)
    headers = auth_headers(caller)
    client.get("/api/v1/auth/me", headers=headers)  # the caller's identity is cached from here
    counts = {}
    for page_size in (1, 100):
        with count_queries() as statements:
            response = client.get(
                f"/api/v1/course-offerings?page_size={page_size}", headers=headers
            )
        assert response.status_code == 200
        counts[page_size] = len(statements)

    assert counts[1] == counts[100] <= 2, counts  # a COUNT and the page, nothing per row
    if role == Role.MANAGER:
        assert len(response.json) == 100
        assert all(item["module"] and item["cohort"] and item["class"] for item in response.json)


def test_enrolment_lists_cost_a_fixed_number_of_queries(
    app, client, bulk_data, auth_headers, count_queries
):
    headers = auth_headers(someone(app, Role.STUDENT))
    with count_queries() as statements:
        response = client.get("/api/v1/me/enrollments?page_size=100", headers=headers)

    assert response.status_code == 200
    assert len(response.json) == 3
    assert len(statements) <= 4, statements


# Filter → the indexes MariaDB may rightly pick (for a broad filter, walking the start-date
# index in order and stopping after one page beats sorting the matches).
FILTER_INDEXES = {
    "facilitator": ({"facilitator_id": None}, {"ix_course_offerings_facilitator_start"}),
    "unassigned": ({"unassigned": True}, {"ix_course_offerings_facilitator_start"}),
    "period": (
        {"year": 2026, "trimester": 2},
        {"ix_course_offerings_period", "ix_course_offerings_start"},
    ),
    "cohort": (
        {"cohort_id": None},
        {"ix_course_offerings_cohort_start", "ix_course_offerings_start"},
    ),
    "default order": ({}, {"ix_course_offerings_start"}),
}


@pytest.mark.mariadb  # MariaDB's planner and its EXPLAIN
@pytest.mark.parametrize("name", FILTER_INDEXES)
def test_offering_filters_are_served_by_an_index(app, bulk_data, name):
    filters, indexes = FILTER_INDEXES[name]
    with app.app_context():
        manager = User(role=Role.MANAGER.value)
        sample = db.session.execute(
            text("SELECT facilitator_id, cohort_id FROM course_offerings "
                 "WHERE facilitator_id IS NOT NULL LIMIT 1")
        ).one()  # fmt: skip
        filters = {key: value or getattr(sample, key) for key, value in filters.items()}
        statement, _ = services.offerings_query(manager, filters)
        sql = statement.limit(20).compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(text(f"EXPLAIN {sql}")).mappings().all()

    offerings = next(row for row in plan if row["table"] == "course_offerings")
    assert offerings["type"] != "ALL", plan
    assert offerings["key"] in indexes, plan
