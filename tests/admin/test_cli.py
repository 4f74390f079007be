"""`flask users list | set-password | deactivate | activate`: the admin verbs on a shell."""

import pytest


@pytest.fixture
def run(app):
    return lambda *args, **kwargs: app.test_cli_runner().invoke(args=["users", *args], **kwargs)


def test_list_shows_accounts_filtered(run, create_user):
    create_user("facilitator", first_name="Jean", last_name="Habimana")
    create_user("student", is_active=False)

    everyone = run("list")
    facilitators = run("list", "--role", "facilitator")
    inactive = run("list", "--inactive")
    found = run("list", "--search", "habim")

    assert everyone.exit_code == 0, everyone.output
    assert everyone.output.endswith("2 account(s) shown.\n")
    assert "Jean Habimana" in facilitators.output and "student" not in facilitators.output
    assert "inactive" in inactive.output and inactive.output.endswith("1 account(s) shown.\n")
    assert "Jean Habimana" in found.output


def test_set_password_lets_the_person_sign_in_with_it_and_ends_their_sessions(
    run, client, create_user, auth_headers, audit_events
):
    student = create_user("student")
    old_session = auth_headers(student)

    result = run("set-password", student.email.upper(), input="brand new secret\n" * 2)

    assert result.exit_code == 0, result.output
    login = client.post(
        "/api/v1/auth/login", json={"email": student.email, "password": "brand new secret"}
    )
    assert login.status_code == 200
    assert client.get("/api/v1/auth/me", headers=old_session).status_code == 401
    [event] = audit_events(action="password_set", entity_id=student.id)
    assert event["actor_id"] is None and event["request_id"] is None


def test_set_password_refuses_short_passwords_and_unknown_accounts(run, create_user):
    student = create_user("student")

    short = run("set-password", student.email, "--password", "short")
    unknown = run("set-password", "nobody@example.test", "--password", "long enough pw")

    assert short.exit_code == 2 and "Passwords must be 8 to 128" in short.output
    assert unknown.exit_code == 1 and "No such account." in unknown.output


def test_deactivate_and_activate(run, client, create_user, auth_headers):
    student = create_user("student")
    headers = auth_headers(student)

    deactivated = run("deactivate", student.email)
    refused = client.get("/api/v1/auth/me", headers=headers).status_code
    activated = run("activate", student.email)

    assert deactivated.exit_code == 0 and "Deactivated" in deactivated.output
    assert refused == 401
    assert activated.exit_code == 0
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200


def test_the_last_active_manager_cannot_be_deactivated(run, manager, client, as_manager):
    result = run("deactivate", manager.email)

    assert result.exit_code == 1 and "last active manager" in result.output
    assert client.get("/api/v1/auth/me", headers=as_manager).status_code == 200


@pytest.mark.parametrize("verb", ["list", "set-password", "deactivate", "activate"])
def test_every_verb_explains_itself(run, verb):
    result = run(verb, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output and len(result.output) > 120
