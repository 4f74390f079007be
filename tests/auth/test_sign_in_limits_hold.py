"""Sign-in limits hold when Redis is unreachable (they fail closed) and whatever the body."""

import json
import logging

import pytest

LOGIN = "/api/v1/auth/login"


def sign_in(client, email, password):
    return client.post(LOGIN, json={"email": email, "password": password})


def test_with_redis_down_sign_in_answers_503_instead_of_running_without_limits(
    private_redis, app_with, create_user
):
    client = app_with(REDIS_URL=private_redis.url).test_client()
    user = create_user()
    private_redis.stop()

    guesses = [sign_in(client, user.email, f"guess number {n}") for n in range(8)]
    rightful = sign_in(client, user.email, user.password)

    assert {response.status_code for response in guesses} == {503}
    assert rightful.status_code == 503
    assert "access_token" not in rightful.json
    assert rightful.json["message"].startswith("A service this request depends on")
    assert rightful.headers["Retry-After"] == "5"
    assert client.get("/health").json["checks"]["redis"] == "unavailable"

    private_redis.start()
    assert sign_in(client, user.email, user.password).status_code == 200


def test_with_redis_down_anonymous_routes_fail_closed_too(private_redis, app_with):
    client = app_with(REDIS_URL=private_redis.url).test_client()
    private_redis.stop()

    assert client.post("/api/v1/auth/register", json={}).status_code == 503
    assert client.post("/api/v1/auth/password-reset", json={}).status_code == 503


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("email=a@example.test&password=x", "application/x-www-form-urlencoded", 422),
        ("not json at all", "application/json", 400),
        (b"\xff\xfe\xfa", "application/json", 400),
        ('["a@example.test", "secret"]', "application/json", 422),
        ('{"email": 12345, "password": "x"}', "application/json", 422),
        ('{"email": {"nested": true}, "password": "x"}', "application/json", 422),
        (json.dumps({"email": "a" * 900_000, "password": "x"}), "application/json", 422),
        ('{"email": "\\ud800@example.test", "password": "x"}', "application/json", 400),
        (DEEP, "application/json", 400),
        ("9" * 5000, "application/json", 400),
        ("x" * (2 * 1024 * 1024), "application/json", 413),
    ],
    ids=["form", "not-json", "bad-utf8", "list", "number", "object", "huge", "surrogate",
         "deep", "huge-int", "too-large"],
)  # fmt: skip
def test_bodies_the_account_key_cannot_read_get_the_normal_answer_and_no_traceback(
    client, caplog, body, content_type, status
):
    with caplog.at_level(logging.WARNING):
        response = client.post(LOGIN, data=body, content_type=content_type)

    assert response.status_code == status
    assert response.json["code"] == status and response.json["message"]
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []
