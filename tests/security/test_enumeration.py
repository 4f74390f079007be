"""Account enumeration (API2): sign-in and the password-reset request answer alike, in status,
body, headers and time, whether or not an account has the address."""

import statistics
import time
from types import SimpleNamespace

import pytest

from tests.security.conftest import API

# Headers that differ between any two requests.
PER_REQUEST = {"X-Request-ID", "Date"}
# OWASP's minimum Argon2id cost: the work an unknown address must cost too, here measurable.
REAL_HASHING = {"ARGON2_TIME_COST": 2, "ARGON2_MEMORY_COST_KIB": 19456}
LIFTED_LIMITS = {
    "LOGIN_RATE_LIMIT_PER_ACCOUNT": "100000 per minute",
    "LOGIN_RATE_LIMIT_PER_IP": "100000 per minute",
    "PASSWORD_RESET_RATE_LIMIT_PER_ACCOUNT": "100000 per minute",
    "PASSWORD_RESET_RATE_LIMIT_PER_IP": "100000 per minute",
}
ROUNDS = 30


@pytest.fixture
def addresses(client, create_user, as_manager):
    """One address per kind of account an attacker might want to tell apart."""
    active = create_user("student")
    deactivated = create_user("student", is_active=False)
    invited = client.post(f"{API}/admin/users", headers=as_manager, json={
        "role": "student", "email": "invited@example.test", "first_name": "In",
        "last_name": "Vited"})  # fmt: skip
    assert invited.status_code == 201
    return {
        "unknown": "nobody@example.test",
        "active": active.email,
        "deactivated": deactivated.email,
        "never set a password": "invited@example.test",
    }


def visible(response) -> tuple:
    headers = {k: v for k, v in response.headers.items() if k not in PER_REQUEST}
    return response.status_code, response.get_data(as_text=True), headers


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/login", lambda email: {"email": email, "password": "not the password"}),
        ("/auth/password-reset", lambda email: {"email": email}),
    ],
    ids=["sign-in", "password reset"],
)
def test_answers_do_not_tell_which_addresses_have_accounts(client, addresses, path, body):
    answers = {
        kind: visible(client.post(f"{API}{path}", json=body(email)))
        for kind, email in addresses.items()
    }

    assert answers["unknown"][0] in (401, 202)
    assert all(answer == answers["unknown"] for answer in answers.values()), answers


def median_seconds(client, path: str, bodies: dict) -> dict:
    """Median answer time per kind of body, the kinds interleaved so load affects each alike."""
    times = {kind: [] for kind in bodies}
    for _ in range(ROUNDS):
        for kind, body in bodies.items():
            started = time.perf_counter()
            client.post(f"{API}{path}", json=body)
            times[kind].append(time.perf_counter() - started)
    return {kind: statistics.median(samples) for kind, samples in times.items()}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/login", lambda user: {"email": user.email, "password": "not the password"}),
        ("/auth/password-reset", lambda user: {"email": user.email}),
    ],
    ids=["sign-in", "password reset"],
)
def test_answer_times_do_not_tell_which_addresses_have_accounts(app_with, create_user, path, body):
    client = app_with(**REAL_HASHING, **LIFTED_LIMITS).test_client()
    known = create_user("student")
    # Signing in re-hashes the password at the configured cost, as in production.
    signed_in = client.post(f"{API}/auth/login", json={"email": known.email,
                                                        "password": known.password})  # fmt: skip
    assert signed_in.status_code == 200
    unknown = SimpleNamespace(email="nobody@example.test")

    medians = median_seconds(client, path, {"known": body(known), "unknown": body(unknown)})

    # Measured: 77 ms and 75 ms to sign in (known, unknown), 56 ms apart when the unknown
    # address skips the hash check; noise on a busy machine is a few milliseconds.
    tolerance = 0.005 + 0.2 * max(medians.values())
    assert abs(medians["known"] - medians["unknown"]) < tolerance, medians
