"""Cached reads are exact: served without the database while nothing changed, and never after a
write that changed the answer, for every role."""

import re
from datetime import UTC, datetime

import pytest

from app.auth import services as auth_services
from app.auth.models import Role, User
from app.data.cache import GENERATION
from app.data.unit_of_work import unit_of_work
from app.extensions import db, redis_store

OFFERINGS = "/api/v1/course-offerings"
LOGS = "/api/v1/activity-logs"
COMPLIANCE = f"{LOGS}/compliance?trimester=1&year=2026"


@pytest.fixture
def people(create_user, auth_headers):
    """A manager, two facilitators and a student, each with their headers."""
    users = {name: create_user(role) for name, role in (
        ("manager", "manager"), ("facilitator", "facilitator"), ("other", "facilitator"),
        ("student", "student"))}  # fmt: skip
    return {name: (user, auth_headers(user)) for name, user in users.items()}


@pytest.fixture
def offering(people, create_offering, enrol):
    facilitator, _ = people["facilitator"]
    created = create_offering(facilitator_id=facilitator.id)
    enrol(created["id"], people["student"][0])
    return created


def read(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.json
    return response


def test_a_repeated_read_is_served_without_the_database(client, people, offering, count_queries):
    _, headers = people["manager"]
    first = read(client, OFFERINGS, headers)

    with count_queries() as statements:
        again = read(client, OFFERINGS, headers)

    assert statements == []
    assert again.json == first.json
    assert again.headers["X-Pagination"] == first.headers["X-Pagination"]


def test_an_unchanged_answer_is_a_304_for_its_etag(client, people, offering):
    _, headers = people["facilitator"]
    first = read(client, f"{OFFERINGS}/{offering['id']}", headers)

    again = client.get(
        f"{OFFERINGS}/{offering['id']}", headers=headers | {"If-None-Match": first.headers["ETag"]}
    )

    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize("reader", ["manager", "facilitator", "student"])
def test_every_reader_sees_a_reassignment_at_once(client, people, offering, reader, as_manager):
    _, headers = people[reader]
    path = f"{OFFERINGS}/{offering['id']}"
    assert read(client, path, headers).json["facilitator_id"] == people["facilitator"][0].id
    other = people["other"][0]

    moved = client.patch(path, json={"facilitator_id": other.id}, headers=as_manager)

    assert moved.status_code == 200
    if reader == "facilitator":  # no longer theirs: gone from their view, not served stale
        assert client.get(path, headers=headers).status_code == 404
        assert read(client, OFFERINGS, headers).json == []
    else:
        assert read(client, path, headers).json["facilitator_id"] == other.id
    assert [item["id"] for item in read(client, OFFERINGS, people["other"][1]).json] == [
        offering["id"]
    ]


def test_renaming_a_module_shows_in_every_cached_offering(client, people, offering, as_manager):
    _, headers = people["student"]
    before = read(client, "/api/v1/me/enrollments", headers).json[0]
    module_id = before["offering"]["module"]["id"]

    client.patch(f"/api/v1/modules/{module_id}", json={"name": "Renamed"}, headers=as_manager)

    after = read(client, "/api/v1/me/enrollments", headers).json[0]
    assert after["offering"]["module"]["name"] == "Renamed"
    assert read(client, f"/api/v1/modules/{module_id}", headers).json["name"] == "Renamed"


def test_enrolment_counts_follow_enrolments(client, people, offering, create_user, enrol):
    _, headers = people["manager"]
    path = f"{OFFERINGS}/{offering['id']}"
    assert read(client, path, headers).json["enrolled_count"] == 1

    enrol(offering["id"], create_user("student"))

    assert read(client, path, headers).json["enrolled_count"] == 2
    assert len(read(client, f"{path}/enrollments", headers).json) == 2


def test_a_facilitators_list_is_never_served_to_another(client, people, offering):
    mine = read(client, OFFERINGS, people["facilitator"][1]).json
    theirs = read(client, OFFERINGS, people["other"][1]).json

    assert [item["id"] for item in mine] == [offering["id"]]
    assert theirs == []


def test_filed_and_changed_logs_show_in_lists_and_the_report(
    client, people, offering, auth_headers, time_machine
):
    time_machine.move_to(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))  # week 1 due on the 12th
    manager_headers = auth_headers(people["manager"][0])
    list_path = f"{LOGS}?allocation_id={offering['id']}"
    assert read(client, list_path, manager_headers).json == []
    assert read(client, COMPLIANCE, manager_headers).json["overall"]["missing"] == 1

    filed = client.post(
        LOGS,
        json={"allocation_id": offering["id"], "week_number": 1},
        headers=auth_headers(people["facilitator"][0]),
    )
    assert filed.status_code == 201

    assert [log["id"] for log in read(client, list_path, manager_headers).json] == [
        filed.json["id"]
    ]
    overall = read(client, COMPLIANCE, manager_headers).json["overall"]
    assert (overall["missing"], overall["incomplete"]) == (0, 1)
    client.delete(f"{LOGS}/{filed.json['id']}", headers=manager_headers)
    assert read(client, list_path, manager_headers).json == []
    assert read(client, COMPLIANCE, manager_headers).json["overall"]["missing"] == 1


def test_the_report_moves_when_a_deadline_passes_without_any_write(
    client, people, create_offering, auth_headers, time_machine
):
    create_offering(facilitator_id=people["facilitator"][0].id)  # week 1 due 01-12 09:00 local
    time_machine.move_to(datetime(2026, 1, 12, 6, 59, tzinfo=UTC), tick=False)  # 08:59 Kigali
    headers = auth_headers(people["manager"][0])
    assert read(client, COMPLIANCE, headers).json["overall"]["due"] == 0

    time_machine.move_to(datetime(2026, 1, 12, 7, 0, tzinfo=UTC), tick=False)

    assert read(client, COMPLIANCE, headers).json["overall"]["due"] == 1


def test_a_profile_change_shows_in_me_at_once(client, people):
    _, headers = people["student"]
    assert read(client, "/api/v1/auth/me", headers).json["first_name"] != "Renée"

    changed = client.patch("/api/v1/auth/me", json={"first_name": "Renée"}, headers=headers)

    assert changed.status_code == 200
    assert read(client, "/api/v1/auth/me", headers).json["first_name"] == "Renée"


def test_a_raw_sql_change_invalidates_everything(client, people, offering, run_sql):
    _, headers = people["manager"]
    read(client, OFFERINGS, headers)

    run_sql("UPDATE course_offerings SET max_students = 7 WHERE id = :id", id=offering["id"])

    assert read(client, OFFERINGS, headers).json[0]["max_students"] == 7


def test_a_role_in_an_older_token_never_picks_the_shared_answer(
    client, people, offering, create_user, auth_headers, run_sql
):
    """A token names the role its holder had at sign-in, and the answer fetched along with the
    token check follows it; what is served follows the account as it is now."""
    former = create_user("manager")
    old_headers = auth_headers(former)
    run_sql("UPDATE users SET role = 'facilitator' WHERE id = :id", id=former.id)
    managers_answer = read(client, OFFERINGS, people["manager"][1]).json

    theirs = [read(client, OFFERINGS, old_headers).json for _ in range(2)]  # computed, then early

    assert [item["id"] for item in managers_answer] == [offering["id"]]
    assert theirs == [[], []]


def test_a_deactivated_account_is_refused_on_its_next_request(client, people, run_sql):
    student, headers = people["student"]
    read(client, "/api/v1/auth/me", headers)  # identity and answer cached

    run_sql("UPDATE users SET is_active = 0 WHERE id = :id", id=student.id)

    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_reflection_shows_at_once_in_the_summary_and_lists(client, people, offering):
    _, manager_headers = people["manager"]
    _, student_headers = people["student"]
    summary = read(client, "/api/v1/reflections/summary", manager_headers).json
    assert [row["count"] for row in summary] == [0]
    assert read(client, "/api/v1/reflections", student_headers).json == []

    answers = dict.fromkeys(("went_well", "hardest", "would_help"), "Ten or more characters.")
    submitted = client.post(
        "/api/v1/reflections",
        json={"offering_id": offering["id"], "answers": answers, "rating": 4, "language": "en"},
        headers=student_headers,
    )

    assert submitted.status_code == 201, submitted.json
    summary = read(client, "/api/v1/reflections/summary", manager_headers).json
    assert [(row["count"], row["average_rating"]) for row in summary] == [(1, 4.0)]
    assert [item["id"] for item in read(client, "/api/v1/reflections", student_headers).json] == [
        submitted.json["id"]
    ]


def test_each_manager_reads_their_own_account(client, create_user, auth_headers):
    first, second = create_user("manager"), create_user("manager")

    mine = read(client, "/api/v1/auth/me", auth_headers(first)).json
    theirs = read(client, "/api/v1/auth/me", auth_headers(second)).json

    assert (mine["email"], theirs["email"]) == (first.email, second.email)


def test_a_savepoint_moves_no_generation_before_the_real_commit(app, create_user):
    manager = create_user("manager")

    def users_generation() -> int:
        return int(redis_store.client().get(GENERATION.format("users")) or 0)

    with app.app_context():
        before = users_generation()
        with unit_of_work():
            auth_services.create_user(
                role=Role.STUDENT, email="in-savepoint@example.test", password="long enough pass",
                first_name="A", last_name="B", actor=db.session.get(User, manager.id),
            )  # fmt: skip
            assert users_generation() == before  # released savepoints, nothing committed yet
        assert users_generation() > before


def test_signing_in_leaves_other_cached_answers_alone_but_shows_in_me(
    client, people, offering, count_queries
):
    student, headers = people["student"]
    _, manager_headers = people["manager"]
    read(client, OFFERINGS, manager_headers)
    assert read(client, "/api/v1/auth/me", headers).json["last_login_at"] is None

    signed_in = client.post(
        "/api/v1/auth/login", json={"email": student.email, "password": student.password}
    )

    assert signed_in.status_code == 200
    with count_queries() as statements:
        read(client, OFFERINGS, manager_headers)
    assert statements == []
    assert read(client, "/api/v1/auth/me", headers).json["last_login_at"] is not None


# --- every cached answer names every table it is computed from ---------------------------------

QUERIES = {
    "/api/v1/activity-logs/compliance": "?trimester=1&year=2026",
    "/api/v1/admin/workload": "?trimester=1&year=2026",
    "/api/v1/admin/at-risk": "?trimester=1&year=2026",
}


def cached_routes(app) -> list[tuple[str, object]]:
    """(URL rule, its GET view's ResponsePolicy) for every route whose answers are cached."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        get = getattr(getattr(view, "view_class", None), "get", view)
        if hasattr(get, "response_policy"):
            found.append((rule, get.response_policy))
    return found


def tables_read(statements: list[str]) -> set[str]:
    """The tables, and the generations counted apart (`CACHE_GENERATIONS`), that the statements
    read: an answer must be stamped with each, or a write to it would leave the answer stale."""
    read = set()
    for model in db.Model.registry.mappers:
        table = model.class_.__table__.name
        if any(re.search(rf"(FROM|JOIN)\s+`?{table}`?\b", sql) for sql in statements):
            read.add(table)
        for column, generation in getattr(model.class_, "CACHE_GENERATIONS", {}).items():
            if any(f"{table}.{column}" in sql for sql in statements):
                read.add(generation)
    return read


def test_every_cached_answer_is_stamped_with_every_table_it_reads(
    app, client, people, offering, auth_headers, time_machine, count_queries
):
    """Each cached route, read by each role that may read it, with data behind every join: the
    tables its SQL reads are among those its entries are stamped with."""
    time_machine.move_to(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    facilitator, student = people["facilitator"][0], people["student"][0]
    filed = client.post(LOGS, json={"allocation_id": offering["id"], "week_number": 1},
                        headers=auth_headers(facilitator))  # fmt: skip
    answers = dict.fromkeys(("went_well", "hardest", "would_help"), "Ten or more characters.")
    body = {"offering_id": offering["id"], "answers": answers, "rating": 4, "language": "en"}
    reflected = client.post("/api/v1/reflections", json=body, headers=auth_headers(student))
    assert (filed.status_code, reflected.status_code) == (201, 201)
    catalogue = {"modules": "module_id", "classes": "class_id", "cohorts": "cohort_id",
                 "modes": "mode_id"}  # fmt: skip
    routes, served = cached_routes(app), set()
    assert len(routes) >= 15

    for rule, policy in routes:
        entry = catalogue.get(rule.rule.split("/")[3], "id")
        ids = {"offering_id": offering["id"], "entry_id": offering[entry]}
        url = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).format(**ids)
        for name, (user, _) in people.items():
            headers = auth_headers(user)  # issued at the moved clock
            client.get("/api/v1/auth/me", headers=headers)  # the caller's identity cached
            with count_queries() as statements:
                response = client.get(url + QUERIES.get(rule.rule, ""), headers=headers)
            if response.status_code != 200:
                assert response.status_code in (403, 404), (url, name, response.json)
                continue
            assert tables_read(statements) <= set(policy.tables), (url, name)
            served.add(rule.rule)

    assert served == {rule.rule for rule, _ in routes}
