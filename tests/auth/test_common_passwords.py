"""Commonly used passwords, and those made only of repetitions and sequences, are refused
wherever a password is chosen (NIST SP 800-63B)."""

import pytest

from tests.admin.conftest import ADMIN
from tests.conftest import DEFAULT_PASSWORD

AUTH = "/api/v1/auth"
TOO_COMMON = "This password is too common: choose one that is harder to guess."
TOO_COMMON_FR = "Ce mot de passe est trop courant\u00a0: choisissez-en un plus difficile à deviner."


def registration(password: str) -> dict:
    return {"email": "ada@example.test", "password": password, "first_name": "Ada",
            "last_name": "Lovelace"}  # fmt: skip


@pytest.mark.parametrize("password", ["12345678", "password", "PassWord1", "Qwertyuiop"])
def test_registration_refuses_common_passwords_whatever_their_case(client, password):
    response = client.post(f"{AUTH}/register", json=registration(password))

    assert response.status_code == 422
    assert response.json["errors"] == {"json": {"password": [TOO_COMMON]}}


def test_the_refusal_is_in_the_callers_language(client):
    response = client.post(
        f"{AUTH}/register", json=registration("iloveyou"), headers={"Accept-Language": "fr"}
    )

    assert response.status_code == 422
    assert response.json["errors"] == {"json": {"password": [TOO_COMMON_FR]}}


def test_an_uncommon_passphrase_is_accepted(client):
    assert client.post(f"{AUTH}/register", json=registration(DEFAULT_PASSWORD)).status_code == 201


def test_a_password_change_refuses_a_common_one(client, create_user, auth_headers):
    user = create_user()

    response = client.post(
        f"{AUTH}/password",
        json={"current_password": user.password, "new_password": "football"},
        headers=auth_headers(user, **{"Accept-Language": "fr"}),
    )

    assert response.status_code == 422
    assert response.json["errors"] == {"json": {"new_password": [TOO_COMMON_FR]}}
    login = client.post(f"{AUTH}/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200


def test_a_manager_cannot_give_a_new_account_a_common_password(client, as_manager):
    account = registration("sunshine") | {"role": "student"}

    response = client.post(f"{ADMIN}/users", json=account, headers=as_manager)

    assert response.status_code == 422
    assert response.json["errors"] == {"json": {"password": [TOO_COMMON]}}


REPETITIVE = ("This password is only repetitions or sequences (such as aaaa or 1234): choose one "
              "that is harder to guess.")  # fmt: skip
REPETITIVE_FR = ("Ce mot de passe n\u2019est fait que de répétitions ou de suites "
                 "(comme aaaa ou 1234)\u00a0: choisissez-en un plus difficile "
                 "à deviner.")  # fmt: skip


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaa", "zzzzzzzzzzzz", "abcabcabc", "hjklhjklhjkl", "lmnopqrstu", "98765432",
     "aaaa1234", "2345bcde", "13579bdfh", "ZYXWVUTSRQ"],
)  # fmt: skip
def test_registration_refuses_repetitions_and_sequences(client, password):
    response = client.post(f"{AUTH}/register", json=registration(password))

    assert response.status_code == 422
    assert response.json["errors"] == {"json": {"password": [REPETITIVE]}}


def test_the_repetition_refusal_is_in_the_callers_language(client, create_user, auth_headers):
    user = create_user()

    response = client.post(
        f"{AUTH}/password",
        json={"current_password": user.password, "new_password": "qqqqqqqqqq"},
        headers=auth_headers(user, **{"Accept-Language": "fr"}),
    )

    assert response.status_code == 422
    assert response.json["errors"] == {"json": {"new_password": [REPETITIVE_FR]}}


@pytest.mark.parametrize("password", ["abcd wxyz 7419", "mmmm but then words", "Tuesday 1234"])
def test_a_password_with_more_than_repetitions_and_sequences_is_accepted(client, password):
    assert client.post(f"{AUTH}/register", json=registration(password)).status_code == 201
