"""Commonly used passwords are refused wherever a password is chosen (NIST SP 800-63B)."""

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
