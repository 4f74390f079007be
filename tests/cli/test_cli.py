from sqlalchemy import func, select

from app.auth.models import User
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


def test_seed_demo_is_idempotent_and_prints_working_passwords(app, client):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed", "demo"])
    users_after_first = count_users(app)
    second = runner.invoke(args=["seed", "demo"])

    assert first.exit_code == second.exit_code == 0
    assert count_users(app) == users_after_first == 5
    assert "created now: 0" in second.output
    role, email, password = next(
        line.split() for line in second.output.splitlines() if "manager@" in line
    )
    login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200
    assert login.json["user"]["role"] == role == "manager"
