"""Set-password links by e-mail: "forgot password" and the first password of an account a
manager created. Real MariaDB, Redis, RQ worker and SMTP server (tests/notifications)."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.admin.conftest import ADMIN

AUTH = "/api/v1/auth"
LINK = re.compile(r"#token=([A-Za-z0-9_-]+)")
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def link_token(message) -> str:
    return LINK.search(message.get_body(("plain",)).get_content()).group(1)


def ask(client, email):
    return client.post(f"{AUTH}/password-reset", json={"email": email})


def confirm(client, token, password="a brand new secret"):
    return client.post(
        f"{AUTH}/password-reset/confirm", json={"token": token, "new_password": password}
    )


def sign_in(client, email, password):
    return client.post(f"{AUTH}/login", json={"email": email, "password": password})


def test_a_reset_link_works_once_and_ends_every_session(
    client,
    create_user,
    auth_headers,
    smtp,
    work,
):
    user = create_user("facilitator", email="amina@example.test")
    old_session = auth_headers(user)

    response = ask(client, "  Amina@Example.test ")
    work()

    assert response.status_code == 202
    [message] = smtp.messages
    assert message["To"].addresses[0].addr_spec == "amina@example.test"
    assert message["Subject"] == "Reset your password"
    token = link_token(message)
    assert confirm(client, token).status_code == 204
    assert sign_in(client, user.email, "a brand new secret").status_code == 200
    assert sign_in(client, user.email, user.password).status_code == 401
    assert client.get(f"{AUTH}/me", headers=old_session).status_code == 401
    again = confirm(client, token, "yet another secret")
    assert again.status_code == 422
    assert again.json["errors"]["json"]["token"]


def test_a_link_does_not_set_a_common_password_and_stays_usable(client, create_user, smtp, work):
    user = create_user("facilitator")
    ask(client, user.email)
    work()
    token = link_token(smtp.messages[0])

    refused = confirm(client, token, "trustno1")

    assert refused.status_code == 422
    assert refused.json["errors"] == {
        "json": {
            "new_password": ["This password is too common: choose one that is harder to guess."]
        }
    }
    assert sign_in(client, user.email, "trustno1").status_code == 401
    assert confirm(client, token).status_code == 204


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client,
    create_user,
    smtp,
    work,
):
    create_user("student", email="known@example.test")

    unknown = ask(client, "nobody@example.test")
    known = ask(client, "known@example.test")
    work()

    assert (unknown.status_code, unknown.get_data()) == (known.status_code, known.get_data())
    assert unknown.status_code == 202
    assert unknown.json["message"].startswith("If an account has this address")
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == ["known@example.test"]


def test_a_link_expires_after_the_configured_hours(
    app,
    client,
    create_user,
    smtp,
    work,
    travel,
    monkeypatch,
):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_HOURS", 2)
    user = create_user("student")
    travel(NOON)
    ask(client, user.email)
    work()
    token = link_token(smtp.messages[0])

    travel(NOON + timedelta(hours=2, minutes=1))
    late = confirm(client, token)

    assert late.status_code == 422
    assert late.json["errors"]["json"]["token"]
    assert sign_in(client, user.email, user.password).status_code == 200


def test_a_wrong_token_is_refused(client, create_user):
    create_user("student")

    response = confirm(client, "not-a-token-anyone-was-sent")

    assert response.status_code == 422
    assert response.json["code"] == 422
    assert response.json["errors"]["json"]["token"]


def test_a_new_link_replaces_the_older_one(client, create_user, smtp, work):
    user = create_user("student")
    ask(client, user.email)
    ask(client, user.email)
    work()

    first, second = (link_token(message) for message in smtp.messages)

    assert confirm(client, first).status_code == 422
    assert confirm(client, second).status_code == 204


def test_reset_requests_are_rate_limited_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT_PER_ACCOUNT", "2 per hour")

    answers = [ask(client, "someone@example.test").status_code for _ in range(3)]

    assert answers == [202, 202, 429]
    assert ask(client, "someone-else@example.test").status_code == 202


def test_a_reset_is_in_the_audit_trail(client, create_user, smtp, work, audit_events):
    user = create_user("facilitator")
    ask(client, user.email)
    work()

    confirm(client, link_token(smtp.messages[0]))

    [event] = audit_events(action="password_reset")
    assert event["entity_id"] == user.id
    assert event["actor_id"] == user.id


@pytest.mark.parametrize(
    ("language", "subject", "phrase"),
    [
        ("en", "Choose your password", "An account was created for you"),
        ("fr", "Choisissez votre mot de passe", "Un compte a été créé pour vous"),
    ],
)
def test_an_account_created_without_a_password_gets_a_set_password_link(
    client,
    as_manager,
    smtp,
    work,
    language,
    subject,
    phrase,
):
    created = client.post(
        f"{ADMIN}/users",
        json={
            "role": "facilitator",
            "email": "new@example.test",
            "first_name": "Nadia",
            "last_name": "Uwase",
            "preferred_language": language,
        },
        headers=as_manager,
    )
    work()

    assert created.status_code == 201
    [message] = smtp.messages
    assert message["Subject"] == subject
    assert message["Content-Language"] == language
    assert phrase in message.get_body(("plain",)).get_content()
    assert confirm(client, link_token(message), "chosen by Nadia").status_code == 204
    assert sign_in(client, "new@example.test", "chosen by Nadia").status_code == 200


def test_an_account_created_with_a_password_gets_no_link(client, as_manager, smtp, work):
    created = client.post(
        f"{ADMIN}/users",
        json={
            "role": "student",
            "email": "pw@example.test",
            "password": "chosen for them",
            "first_name": "Pat",
            "last_name": "W",
        },
        headers=as_manager,
    )
    work()

    assert created.status_code == 201
    assert smtp.messages == []


def test_a_link_the_mail_server_refused_goes_out_once_the_job_is_requeued(
    app, client, create_user, as_manager, smtp, work, monkeypatch
):
    monkeypatch.setitem(app.config, "REMINDER_RETRY_DELAYS", "")  # no automatic retry
    user = create_user("student")
    smtp.refuse = "451 4.3.0 try later"
    ask(client, user.email)
    work()
    smtp.refuse = None

    queues = client.get(f"{ADMIN}/queues", headers=as_manager).json["queues"]
    requeued = client.post(f"{ADMIN}/queues/failed/requeue", headers=as_manager)
    work()

    assert {queue["name"]: queue["failed"] for queue in queues}["notifications"] == 1
    assert requeued.json["requeued"] == 1
    [message] = smtp.messages
    assert confirm(client, link_token(message)).status_code == 204


def test_a_deactivated_account_gets_no_link_and_cannot_use_one(
    client, create_user, as_manager, smtp, work
):
    user = create_user("facilitator")
    ask(client, user.email)
    work()
    token = link_token(smtp.messages[0])
    client.patch(f"{ADMIN}/users/{user.id}", json={"is_active": False}, headers=as_manager)

    ask(client, user.email)
    work()

    assert len(smtp.messages) == 1
    assert confirm(client, token).status_code == 422
