"""API2 (broken authentication): a manager's genuine tokens, forged, edited, replayed or kept
past their end, open nothing. Each attack is tried with the access token on a route of each
guard (any role, staff, managers) and with the refresh token on the refresh route, and every
answer is the 401 envelope."""

import base64
import json
import warnings
from types import SimpleNamespace

import jwt as pyjwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from app.config import TestingConfig
from app.core import clock
from tests.security.conftest import API, assert_envelope

ROUTES = {
    "access": [("get", "/auth/me"), ("get", "/activity-logs"), ("get", "/admin/users")],
    "refresh": [("post", "/auth/refresh")],
}
OTHER_KIND = {"access": "refresh", "refresh": "access"}


def claims_of(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# Each attack: (the attack's means, the kind of genuine token it starts from) → a token.


def signed_with_another_key(means, kind):
    return pyjwt.encode(claims_of(means.pair[kind]), "another key of a good length!!!!", "HS256")


def signed_with_another_algorithm(means, kind):
    """The right key, but not the one algorithm the app accepts (HS256)."""
    with warnings.catch_warnings():  # the test key is short for SHA-512; beside the point here
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return pyjwt.encode(claims_of(means.pair[kind]), TestingConfig.JWT_SECRET_KEY, "HS512")


def unsigned(means, kind):
    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims_of(means.pair[kind]))}."


def edited_claims(means, kind):
    """A student's token made the manager's, its signature kept."""
    header, _payload, signature = means.student_pair[kind].split(".")
    claims = claims_of(means.student_pair[kind]) | {
        "sub": str(means.manager.id),
        "role": "manager",
    }
    return f"{header}.{segment(claims)}.{signature}"


def expired(means, kind):
    later = TestingConfig.JWT_REFRESH_TOKEN_EXPIRES + TestingConfig.JWT_ACCESS_TOKEN_EXPIRES
    means.time_machine.move_to(clock.now() + later, tick=True)
    return means.pair[kind]


def of_the_other_kind(means, kind):
    return means.pair[OTHER_KIND[kind]]


def signed_out(means, kind):
    response = means.client.post(
        f"{API}/auth/logout",
        json={"refresh_token": means.pair["refresh"]},
        headers=means.bearer(means.pair["access"]),
    )
    assert response.status_code == 204
    return means.pair[kind]


def password_changed(means, kind):
    body = {"current_password": means.manager.password, "new_password": "a brand new one!"}
    response = means.client.post(
        f"{API}/auth/password", json=body, headers=means.bearer(means.pair["access"])
    )
    assert response.status_code == 200
    return means.pair[kind]


def deactivated(means, kind):
    response = means.client.patch(
        f"{API}/admin/users/{means.manager.id}",
        json={"is_active": False},
        headers=means.auth_headers(means.colleague),
    )
    assert response.status_code == 200
    return means.pair[kind]


ATTACKS = [signed_with_another_key, signed_with_another_algorithm, unsigned, edited_claims,
           expired, of_the_other_kind, signed_out, password_changed, deactivated]  # fmt: skip


@pytest.fixture
def means(client, create_user, tokens_for, auth_headers, bearer, time_machine):
    """A manager's genuine pair, a student's, and a second manager who can deactivate the
    first."""

    def pair(user) -> dict:
        tokens = tokens_for(user)
        return {kind: tokens[f"{kind}_token"] for kind in ROUTES}

    manager = create_user("manager")
    return SimpleNamespace(
        client=client,
        bearer=bearer,
        auth_headers=auth_headers,
        time_machine=time_machine,
        manager=manager,
        colleague=create_user("manager"),
        pair=pair(manager),
        student_pair=pair(create_user("student")),
    )


@pytest.mark.parametrize("kind", ROUTES)
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.__name__)
def test_tampered_or_ended_tokens_open_nothing(means, attack, kind):
    token = attack(means, kind)

    for method, path in ROUTES[kind]:
        response = means.client.open(
            f"{API}{path}", method=method.upper(), headers=means.bearer(token)
        )
        assert_envelope(response, 401)


def test_the_genuine_tokens_open_every_route_tried(means):
    """So each 401 above is the attack's doing."""
    for kind, routes in ROUTES.items():
        for method, path in routes:
            token = means.pair[kind]
            response = means.client.open(
                f"{API}{path}", method=method.upper(), headers=means.bearer(token)
            )
            assert response.status_code == 200, (path, response.json)
