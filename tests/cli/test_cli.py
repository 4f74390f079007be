from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.activity.at_risk import students_at_risk
from app.auth.models import User
from app.auth.schemas import refuse_guessable_password
from app.cli.seed import current_trimester
from app.extensions import db


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_users_create_makes_a_manager_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "manager", "--email", "Boss@Example.test",
              "--password", "managing well", "--first-name", "Ama", "--last-name", "Boss"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Created manager boss@example.test" in result.output
    login = client.post(
        "/api/v1/auth/login", json={"email": "boss@example.test", "password": "managing well"}
    )
    assert login.json["user"]["role"] == "manager"


def test_users_create_prompts_for_the_password_when_omitted(app, client):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--role",
            "facilitator",
            "--email",
            "fac@example.test",
            "--employee-id",
            "E9",
        ],
        input="typed secret\ntyped secret\n",
    )

    assert result.exit_code == 0, result.output
    login = client.post(
        "/api/v1/auth/login", json={"email": "fac@example.test", "password": "typed secret"}
    )
    assert login.json["user"]["profile"]["employee_id"] == "E9"


def test_users_create_reports_a_taken_email_and_a_short_password(app, create_user):
    taken = create_user().email
    runner = app.test_cli_runner()

    duplicate = runner.invoke(
        args=["users", "create", "--role", "manager", "--email", taken, "--password", "long enough"]
    )
    short = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "manager",
            "--email",
            "n@example.test",
            "--password",
            "short",
        ]
    )

    assert duplicate.exit_code != 0
    assert "already exists" in duplicate.output
    assert short.exit_code != 0
    assert "8 to 128" in short.output
    assert count_users(app) == 1


def test_users_commands_refuse_guessable_passwords(app, create_user):
    user = create_user()
    runner = app.test_cli_runner()

    created = runner.invoke(
        args=["users", "create", "--role", "manager", "--email", "n@example.test",
              "--password", "Password123"],
    )  # fmt: skip
    changed = runner.invoke(
        args=["users", "set-password", user.email], input="letmein1\nletmein1\n"
    )

    assert created.exit_code != 0 and changed.exit_code != 0
    assert "too common" in created.output and "too common" in changed.output
    assert count_users(app) == 1
    login = app.test_client().post(
        "/api/v1/auth/login", json={"email": user.email, "password": user.password}
    )
    assert login.status_code == 200


def table_sizes(run_sql) -> dict:
    tables = ("users", "modules", "cohorts", "classes", "course_offerings", "enrollments")
    return {table: run_sql(f"SELECT COUNT(*) FROM {table}")[0][0] for table in tables}


def test_seed_demo_is_idempotent_and_prints_working_passwords(app, client, run_sql):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed", "demo"])
    sizes_after_first = table_sizes(run_sql)
    second = runner.invoke(args=["seed", "demo"])

    assert first.exit_code == second.exit_code == 0
    assert table_sizes(run_sql) == sizes_after_first
    assert sizes_after_first["users"] == 11  # the five demo accounts, six classmates
    assert sizes_after_first["course_offerings"] == 6  # one planned, one cancelled
    assert sizes_after_first["enrollments"] > 0
    assert "created now: 0" in second.output
    role, email, password = next(
        line.split() for line in second.output.splitlines() if "manager@" in line
    )
    login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200
    assert login.json["user"]["role"] == role == "manager"
    refuse_guessable_password(password)  # the printed password is one a person could choose


def test_demo_facilitator_sees_their_allocated_offerings(app, client):
    output = app.test_cli_runner().invoke(args=["seed", "demo"]).output
    _, email, password = next(
        line.split() for line in output.splitlines() if "facilitator@" in line
    )
    token = client.post("/api/v1/auth/login", json={"email": email, "password": password}).json

    offerings = client.get(
        "/api/v1/course-offerings", headers={"Authorization": f"Bearer {token['access_token']}"}
    ).json

    assert sorted(offering["status"] for offering in offerings) == ["active", "active", "planned"]
    assert {offering["facilitator"]["email"] for offering in offerings} == {email}


def test_the_demo_workload_has_someone_with_room_and_someone_full(app, client):
    output = app.test_cli_runner().invoke(args=["seed", "demo"]).output
    headers = demo_sign_in(client, output, "manager@")
    year, trimester = current_trimester_of_the_demo(app)

    rows = client.get(
        "/api/v1/admin/workload", query_string={"year": year, "trimester": trimester},
        headers=headers,
    ).json  # fmt: skip

    loads = {row["facilitator_name"]: (row["offerings"], row["max_offerings"]) for row in rows}
    assert loads == {"Jean Habimana": (3, 4), "Grace Mutesi": (1, 1)}
    grace = next(row for row in rows if row["facilitator_name"] == "Grace Mutesi")
    periods = client.get(
        f"/api/v1/admin/users/{grace['facilitator_id']}/unavailability", headers=headers
    ).json
    assert [period["reason"] for period in periods] == ["Conference abroad"]


def current_trimester_of_the_demo(app) -> tuple[int, int]:
    with app.app_context():
        return current_trimester()


def demo_sign_in(client, output: str, who: str) -> dict:
    """Headers for the demo account whose printed line mentions `who`."""
    _, email, password = next(line.split() for line in output.splitlines() if who in line)
    login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    return {"Authorization": f"Bearer {login.json['access_token']}"}


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 2, 4, 10, tzinfo=UTC),  # trimester 1, three weeks due
        datetime(2026, 12, 7, 8, tzinfo=UTC),  # trimester 3 taught, every week due
        datetime(2031, 6, 20, 15, tzinfo=UTC),  # trimester 2, six weeks due
    ],
)
def test_seed_demo_files_a_realistic_mix_of_weekly_logs_whatever_the_date(
    app, client, time_machine, moment
):
    time_machine.move_to(moment)
    runner = app.test_cli_runner()
    output = runner.invoke(args=["seed", "demo"]).output
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0  # the logs are not filed twice

    report = client.get(
        "/api/v1/activity-logs/compliance",
        query_string={"year": moment.year, "trimester": (moment.month - 1) // 4 + 1},
        headers=demo_sign_in(client, output, "manager@"),
    ).json

    overall = report["overall"]
    outcomes = ("submitted_on_time", "submitted_late", "incomplete", "missing")
    assert all(overall[outcome] > 0 for outcome in outcomes), overall
    assert overall["submitted_on_time"] == max(overall[outcome] for outcome in outcomes)
    assert sum(overall[outcome] for outcome in outcomes) == overall["due"]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 2, 10, tzinfo=UTC),  # trimester 1, eight weeks due
        datetime(2031, 6, 20, 15, tzinfo=UTC),  # trimester 2, six weeks due
    ],
)
def test_the_demo_facilitators_page_shows_weeks_in_every_state(app, client, time_machine, moment):
    time_machine.move_to(moment)
    output = app.test_cli_runner().invoke(args=["seed", "demo"]).output
    headers = demo_sign_in(client, output, "facilitator@")

    offerings = client.get("/api/v1/course-offerings", headers=headers).json
    states = {
        week["state"]
        for offering in offerings
        for week in client.get(f"/api/v1/course-offerings/{offering['id']}/weeks",
                               headers=headers).json["weeks"]
    }  # fmt: skip

    assert states >= {"filed", "filed_late", "incomplete", "overdue", "locked", "not_yet_due"}


def test_seed_bulk_adds_what_it_reports_within_capacity(app, run_sql):
    result = app.test_cli_runner().invoke(
        args=["seed", "bulk", "--facilitators", "4", "--offerings", "50", "--students", "200",
              "--enrolments-per-student", "2"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Added 4 facilitators, 200 students, 50 offerings, 400 enrolments" in result.output
    sizes = table_sizes(run_sql)
    assert (sizes["course_offerings"], sizes["enrollments"]) == (50, 400)
    overfull = run_sql(
        "SELECT COUNT(*) FROM course_offerings o WHERE max_students < "
        "(SELECT COUNT(*) FROM enrollments e WHERE e.offering_id = o.id)"
    )[0][0]
    assert overfull == 0
    password = result.output.rsplit(" ", 1)[-1].strip()
    email = run_sql("SELECT email FROM users WHERE role = 'facilitator' LIMIT 1")[0][0]
    login = app.test_client().post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    assert login.status_code == 200
    refuse_guessable_password(password)


def test_seed_bulk_fills_a_realistic_mix_of_activity_logs(app, run_sql, time_machine):
    time_machine.move_to(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))  # all 15 weeks are due
    result = app.test_cli_runner().invoke(
        args=["seed", "bulk", "--facilitators", "3", "--offerings", "40", "--students", "0",
              "--weeks", "15", "--year", "2026", "--trimester", "1"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    logs = run_sql(
        "SELECT l.week_number, l.submitted_at > l.due_at, l.grade_book_status, o.trimester, "
        "o.year, o.facilitator_id "
        "FROM activity_logs l JOIN course_offerings o ON o.id = l.offering_id"
    )
    allocated = run_sql("SELECT COUNT(*) FROM course_offerings WHERE facilitator_id IS NOT NULL")
    assert 0.85 * 15 * allocated[0][0] < len(logs) < 15 * allocated[0][0]  # ~5% never filed
    assert {(trimester, year) for *_, trimester, year, _ in logs} == {(1, 2026)}
    assert all(1 <= week <= 15 and facilitator for week, *_, facilitator in logs)
    late = sum(1 for _, is_late, *_ in logs if is_late)
    incomplete = sum(1 for _, _, status, *_ in logs if status != "Done")
    assert 0.05 * len(logs) < late < 0.2 * len(logs)
    assert 0.03 * len(logs) < incomplete < 0.2 * len(logs)


def test_seed_bulk_records_attendance_with_a_few_students_at_risk(app, run_sql, time_machine):
    time_machine.move_to(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    result = app.test_cli_runner().invoke(
        args=["seed", "bulk", "--facilitators", "3", "--offerings", "10", "--students", "120",
              "--enrolments-per-student", "2", "--weeks", "6", "--year", "2026",
              "--trimester", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    missing = run_sql(
        "SELECT COUNT(*) FROM activity_logs l JOIN enrollments e ON e.offering_id = l.offering_id"
        " LEFT JOIN attendance_records r ON r.log_id = l.id AND r.student_id = e.student_id"
        " WHERE r.log_id IS NULL"
    )[0][0]
    assert missing == 0  # every enrolled student is taken in every filed log

    with app.app_context():
        at_risk = students_at_risk()
    students = 120
    assert 0.02 * students < len({s.student_id for s in at_risk}) < 0.4 * students


def test_seed_demo_records_attendance_with_students_at_risk(app, client, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))  # week 9 of trimester 1
    output = app.test_cli_runner().invoke(args=["seed", "demo"]).output
    _, email, password = next(line.split() for line in output.splitlines() if "manager@" in line)
    token = client.post("/api/v1/auth/login", json={"email": email, "password": password}).json

    listed = client.get(
        "/api/v1/admin/at-risk", query_string={"trimester": 1, "year": 2026},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    ).json  # fmt: skip

    assert {(row["first_name"], tuple(row["reasons"])) for row in listed} == {
        ("Patrick", ("consecutive_absences",)),
        ("Diane", ("low_attendance",)),
    }


def test_seed_demo_recreates_a_deleted_standard_mode_and_keeps_the_passwords(app, run_sql):
    run_sql("DELETE FROM delivery_modes WHERE code = 'in_person'")

    result = app.test_cli_runner().invoke(args=["seed", "demo"])

    assert result.exit_code == 0, result.output
    assert run_sql("SELECT COUNT(*) FROM delivery_modes WHERE code = 'in_person'")[0][0] == 1
    assert sum("@demo.cmp.test" in line for line in result.output.splitlines()) == 5
