import base64
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import jwt as pyjwt
import time_machine
from flask_jwt_extended import create_access_token

ME = "/api/v1/auth/me"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def test_refresh_rotates_and_the_old_refresh_token_is_refused(
    client, create_user, tokens_for, bearer
):
    tokens = tokens_for(create_user())

    first = client.post(REFRESH, headers=bearer(tokens["refresh_token"]))
    second = client.post(REFRESH, headers=bearer(first.json["refresh_token"]))
    reused = client.post(REFRESH, headers=bearer(tokens["refresh_token"]))

    assert first.status_code == 200
    assert first.json["refresh_token"] != tokens["refresh_token"]
    assert second.status_code == 200
    assert reused.status_code == 401
    assert reused.json["message"] == "The token has been revoked."


def test_a_reused_refresh_token_ends_every_token_of_its_family(
    client, create_user, tokens_for, bearer
):
    """Whoever replays an exchanged refresh token (the thief or the victim) ends the session:
    the tokens rotated from it stop working too."""
    tokens = tokens_for(create_user())
    rotated = client.post(REFRESH, headers=bearer(tokens["refresh_token"])).json
    assert client.get(ME, headers=bearer(rotated["access_token"])).status_code == 200

    replayed = client.post(REFRESH, headers=bearer(tokens["refresh_token"]))

    assert replayed.status_code == 401
    assert client.get(ME, headers=bearer(rotated["access_token"])).status_code == 401
    assert client.post(REFRESH, headers=bearer(rotated["refresh_token"])).status_code == 401


def test_concurrent_use_of_one_refresh_token_succeeds_once(app, create_user, tokens_for, bearer):
    refresh_token = tokens_for(create_user())["refresh_token"]

    def refresh(_):
        return app.test_client().post(REFRESH, headers=bearer(refresh_token)).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(refresh, range(6)))

    assert statuses == [200] + [401] * 5


def test_access_and_refresh_tokens_are_not_interchangeable(client, create_user, tokens_for, bearer):
    tokens = tokens_for(create_user())

    assert client.post(REFRESH, headers=bearer(tokens["access_token"])).status_code == 401
    assert client.get(ME, headers=bearer(tokens["refresh_token"])).status_code == 401


def test_logout_revokes_both_tokens(client, create_user, tokens_for, bearer):
    tokens = tokens_for(create_user())

    response = client.post(
        LOGOUT,
        headers=bearer(tokens["access_token"]),
        json={"refresh_token": tokens["refresh_token"]},
    )

    assert response.status_code == 204
    assert client.get(ME, headers=bearer(tokens["access_token"])).json["message"] == (
        "The token has been revoked."
    )
    assert client.post(REFRESH, headers=bearer(tokens["refresh_token"])).status_code == 401


def test_logout_without_a_body_ends_the_refresh_token_too(client, create_user, tokens_for, bearer):
    tokens = tokens_for(create_user())

    client.post(LOGOUT, headers=bearer(tokens["access_token"]))

    assert client.post(REFRESH, headers=bearer(tokens["refresh_token"])).status_code == 401


def test_logout_ends_one_session_only(client, create_user, tokens_for, bearer):
    user = create_user()
    laptop, phone = tokens_for(user), tokens_for(user)

    client.post(LOGOUT, headers=bearer(laptop["access_token"]))

    assert client.get(ME, headers=bearer(phone["access_token"])).status_code == 200
    assert client.post(REFRESH, headers=bearer(phone["refresh_token"])).status_code == 200


def test_tokens_from_a_refresh_stay_in_the_session(client, create_user, tokens_for, bearer):
    tokens = tokens_for(create_user())
    renewed = client.post(REFRESH, headers=bearer(tokens["refresh_token"])).json

    client.post(LOGOUT, headers=bearer(tokens["access_token"]))

    assert client.get(ME, headers=bearer(renewed["access_token"])).status_code == 401


def test_logout_is_seen_by_a_second_app_instance(client, create_user, tokens_for, bearer, app_with):
    other_worker = app_with().test_client()
    tokens = tokens_for(create_user())
    assert other_worker.get(ME, headers=bearer(tokens["access_token"])).status_code == 200

    client.post(LOGOUT, headers=bearer(tokens["access_token"]))

    assert other_worker.get(ME, headers=bearer(tokens["access_token"])).status_code == 401


def test_logout_refuses_someone_elses_refresh_token(client, create_user, tokens_for, bearer):
    mine = tokens_for(create_user())
    theirs = tokens_for(create_user())

    response = client.post(
        LOGOUT,
        headers=bearer(mine["access_token"]),
        json={"refresh_token": theirs["refresh_token"]},
    )

    assert response.status_code == 422
    assert client.post(REFRESH, headers=bearer(theirs["refresh_token"])).status_code == 200
    assert client.get(ME, headers=bearer(mine["access_token"])).status_code == 200


def test_expired_token_is_refused(app, client, create_user, bearer):
    user = create_user()
    with app.app_context():
        token = create_access_token(
            identity=str(user.id), additional_claims={"sv": 1}, expires_delta=timedelta(seconds=-5)
        )

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert response.json["message"] == "The token has expired."


def test_a_token_already_accepted_is_refused_once_it_expires(
    app, client, create_user, tokens_for, bearer
):
    """A token accepted before, on a read answered from the cache the second time, is refused
    once it expires."""
    token = tokens_for(create_user())["access_token"]
    assert [client.get(ME, headers=bearer(token)).status_code for _ in range(2)] == [200, 200]

    with time_machine.travel(timedelta(minutes=31)):
        response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert response.json["message"] == "The token has expired."


def test_a_token_already_accepted_is_refused_before_its_issue_time(
    client, create_user, tokens_for, bearer
):
    """A clock set back (or a token from a machine whose clock runs ahead) is not trusted."""
    token = tokens_for(create_user())["access_token"]
    assert [client.get(ME, headers=bearer(token)).status_code for _ in range(2)] == [200, 200]

    with time_machine.travel(timedelta(minutes=-10)):
        response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401


def test_tampered_token_is_refused(client, create_user, tokens_for, bearer):
    header, payload, signature = tokens_for(create_user())["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "manager"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    response = client.get(ME, headers=bearer(f"{header}.{forged}.{signature}"))

    assert response.status_code == 401
    assert response.json["message"] == "The token is invalid."


def test_unsigned_alg_none_token_is_refused(client, create_user, tokens_for, bearer):
    user = create_user()
    token = pyjwt.encode(
        {"sub": str(user.id), "sv": 1, "type": "access", "jti": "x", "fresh": False},
        key=None,
        algorithm="none",
    )

    assert client.get(ME, headers=bearer(token)).status_code == 401


def test_token_signed_with_another_key_is_refused(client, create_user, bearer):
    user = create_user()
    token = pyjwt.encode(
        {"sub": str(user.id), "sv": 1, "type": "access", "jti": "y", "fresh": False},
        key="some other secret of sufficient length!!",
        algorithm="HS256",
    )

    assert client.get(ME, headers=bearer(token)).status_code == 401


def test_deactivated_user_token_stops_working_on_the_next_request(
    client, create_user, tokens_for, bearer, run_sql
):
    user = create_user()
    token = tokens_for(user)["access_token"]
    assert client.get(ME, headers=bearer(token)).status_code == 200

    run_sql("UPDATE users SET is_active = 0 WHERE id = :id", id=user.id)

    response = client.get(ME, headers=bearer(token))
    assert response.status_code == 401
    assert response.json["message"] == "The account behind this token is no longer active."


def test_deleted_user_token_stops_working(client, create_user, tokens_for, bearer, run_sql):
    user = create_user()
    token = tokens_for(user)["access_token"]

    run_sql("DELETE FROM users WHERE id = :id", id=user.id)

    assert client.get(ME, headers=bearer(token)).status_code == 401


def test_signed_token_with_a_non_numeric_subject_is_refused(app, client, bearer):
    with app.app_context():
        token = create_access_token(identity="abc", additional_claims={"sv": 1, "sid": "s"})

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert response.json["code"] == 401


def test_malformed_authorization_headers_are_401(client):
    for header in ("Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Token abc"):
        response = client.get(ME, headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["code"] == 401
