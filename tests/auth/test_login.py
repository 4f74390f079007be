from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from flask_jwt_extended import decode_token

from app.auth.models import User
from app.config import BaseConfig
from app.data.unit_of_work import unit_of_work
from app.extensions import db

ARGON2_SETTINGS = ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST_KIB", "ARGON2_PARALLELISM")

LOGIN = "/api/v1/auth/login"


def sign_in(client, email, password, ip="10.1.1.1"):
    return client.post(
        LOGIN, json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


def test_login_returns_tokens_and_the_user(app, client, create_user):
    user = create_user("facilitator")

    response = sign_in(client, user.email.upper(), user.password)

    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 30 * 60
    assert body["user"]["id"] == user.id
    assert body["user"]["last_login_at"] is not None
    with app.app_context():
        access = decode_token(body["access_token"])
        refresh = decode_token(body["refresh_token"])
    assert access["sub"] == str(user.id)
    assert access["role"] == "facilitator"
    assert access["sid"] == refresh["sid"]
    assert access["exp"] - access["iat"] == 30 * 60
    assert refresh["type"] == "refresh"
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600


def test_wrong_password_and_unknown_email_look_the_same(client, create_user):
    user = create_user()

    wrong_password = sign_in(client, user.email, "not the password")
    unknown_email = sign_in(client, "nobody@example.test", "not the password")

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json["message"] == unknown_email.json["message"]
    assert wrong_password.json["message"] == "Email or password is incorrect."


def test_deactivated_account_cannot_sign_in(client, create_user):
    user = create_user(is_active=False)

    response = sign_in(client, user.email, user.password)

    assert response.status_code == 401
    assert response.json["message"] == "This account is deactivated."


def test_missing_credentials_are_a_validation_error(client):
    response = client.post(LOGIN, json={"email": "someone@example.test"})

    assert response.status_code == 422
    assert response.json["errors"]["json"]["password"] == ["Missing data for required field."]


def test_failed_attempts_per_account_are_limited_across_addresses(client, create_user):
    user = create_user()
    for attempt in range(5):
        assert (
            sign_in(client, user.email, "wrong password", ip=f"10.0.0.{attempt}").status_code == 401
        )

    blocked = sign_in(client, user.email, user.password, ip="10.0.0.99")

    assert blocked.status_code == 429
    assert blocked.json["status"] == "Too Many Requests"
    assert 0 < int(blocked.headers["Retry-After"]) <= 60


def test_attempts_per_address_are_limited_across_accounts(client):
    for number in range(60):
        assert sign_in(client, f"guess{number}@example.test", "wrong password").status_code == 401

    blocked = sign_in(client, "another@example.test", "wrong password")

    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


def test_parallel_guesses_cannot_slip_past_the_limit(app, create_user):
    user = create_user()

    def guess(number):
        return sign_in(app.test_client(), user.email, f"guess {number}").status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(guess, range(20)))

    assert statuses.count(401) == 5
    assert statuses.count(429) == 15


def test_accented_spellings_are_different_accounts_with_their_own_limits(client, create_user):
    jose = create_user(email="jose@example.test")
    create_user(email="josé@example.test", password="another password")

    assert sign_in(client, "JOSÉ@example.test", jose.password).status_code == 401
    assert sign_in(client, "jose@example.test", jose.password).status_code == 200


def test_limits_are_shared_by_every_app_instance(app, create_user, app_with):
    """Two app instances stand for two gunicorn workers: the counts live in Redis."""
    other_worker = app_with().test_client()
    user = create_user()
    for _ in range(3):
        sign_in(app.test_client(), user.email, "wrong password")
    for _ in range(2):
        sign_in(other_worker, user.email, "wrong password")

    assert sign_in(app.test_client(), user.email, user.password).status_code == 429


def stored_hash(app, user) -> str:
    with app.app_context():
        return db.session.get(User, user.id).password_hash


def test_a_hash_made_with_other_settings_is_redone_at_the_next_sign_in(app, create_user, app_with):
    """A hash made with the former defaults (64 MiB, 3 passes, 4 lanes) is redone with the
    current ones (OWASP's 46 MiB, 1 pass, 1 lane) once the password has been shown right; a
    wrong password changes nothing."""
    user = create_user()
    former = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)
    with app.app_context(), unit_of_work():
        db.session.get(User, user.id).password_hash = former.hash(user.password)
    current = app_with(**{name: getattr(BaseConfig, name) for name in ARGON2_SETTINGS})
    client = current.test_client()

    refused = sign_in(client, user.email, "not the password")
    unchanged = stored_hash(app, user)
    first, second = (sign_in(client, user.email, user.password) for _ in range(2))

    assert refused.status_code == 401 and unchanged.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert first.status_code == second.status_code == 200
    assert stored_hash(app, user).startswith("$argon2id$v=19$m=47104,t=1,p=1$")
