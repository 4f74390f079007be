import json
from concurrent.futures import ThreadPoolExecutor

REGISTER = "/api/v1/auth/register"


def registration(**overrides):
    body = {
        "email": "Ada.Lovelace@Example.test",
        "password": "analytical engine",
        "first_name": "  Ada ",
        "last_name": "Lovelace",
    }
    body.update(overrides)
    return body


def test_registration_creates_a_student_with_a_generated_number(client):
    response = client.post(REGISTER, json=registration())

    assert response.status_code == 201
    user = response.json
    assert user["role"] == "student"
    assert user["email"] == "ada.lovelace@example.test"
    assert user["first_name"] == "Ada"
    assert user["preferred_language"] == "en"
    assert user["profile"]["student_number"].startswith("S")
    assert "password" not in user and "password_hash" not in user


def test_registered_student_can_sign_in(client):
    created = client.post(REGISTER, json=registration()).json

    response = client.post(
        "/api/v1/auth/login",
        json={"email": "ada.lovelace@example.test", "password": "analytical engine"},
    )

    assert response.status_code == 200
    assert (response.json["user"]["id"], response.json["user"]["role"]) == (
        created["id"],
        "student",
    )


def test_duplicate_email_is_a_conflict_whatever_the_case(client):
    assert client.post(REGISTER, json=registration()).status_code == 201

    response = client.post(REGISTER, json=registration(email="ADA.LOVELACE@example.test"))

    assert response.status_code == 409
    assert response.json["status"] == "Conflict"
    assert response.json["message"] == "An account with this email already exists."
    assert response.json["errors"] == {"email": ["Already taken."]}


def test_student_numbers_are_assigned_not_chosen(client):
    response = client.post(REGISTER, json=registration(student_number="S0000001"))

    assert response.status_code == 422
    assert response.json["errors"]["json"]["student_number"] == ["Unknown field."]


def test_lone_surrogates_and_control_characters_are_refused(client):
    surrogate = client.post(
        REGISTER,
        data=json.dumps(registration(password="\ud800" + "x" * 8)),  # escaped as \\ud800
        content_type="application/json",
    )
    hidden = client.post(
        REGISTER, json=registration(first_name="Ada\u202e", last_name="Love\x00lace")
    )

    assert surrogate.status_code == 400
    assert hidden.status_code == 422
    assert hidden.json["errors"]["json"] == {
        "first_name": ["May not contain control characters."],
        "last_name": ["May not contain control characters."],
    }


def test_choosing_a_staff_role_is_refused_not_escalated(client, run_sql):
    for role in ("manager", "facilitator", "admin"):
        response = client.post(REGISTER, json=registration(role=role))
        assert response.status_code == 422
        assert response.json["errors"]["json"]["role"] == [
            "Self-registration creates student accounts only."
        ]
    assert run_sql("SELECT COUNT(*) FROM users")[0][0] == 0


def test_naming_the_student_role_explicitly_is_fine(client):
    response = client.post(REGISTER, json=registration(role="student"))

    assert response.status_code == 201
    assert response.json["role"] == "student"


def test_invalid_fields_are_each_named(client):
    response = client.post(
        REGISTER,
        json={"email": "not-an-email", "password": "short", "first_name": "   ", "last_name": 7,
              "preferred_language": "de", "is_admin": True},
    )  # fmt: skip

    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    assert errors["email"] == ["Not a valid email address."]
    assert errors["password"] == ["Passwords must be 8 to 128 characters long."]
    assert errors["first_name"] == ["May not be blank."]
    assert errors["last_name"] == ["Not a valid string."]
    assert "preferred_language" in errors
    assert errors["is_admin"] == ["Unknown field."]


def test_password_longer_than_128_characters_is_refused(client):
    response = client.post(REGISTER, json=registration(password="x" * 129))

    assert response.status_code == 422
    assert "password" in response.json["errors"]["json"]


def test_long_multibyte_password_is_accepted_in_full(client):
    # Past bcrypt's 72-byte cut (90 bytes), so every byte must count.
    password = "Été, hiver : à l'école où l'élève étudie, ça déménage très fort, même après."
    client.post(REGISTER, json=registration(password=password))

    right = client.post(
        "/api/v1/auth/login", json={"email": "ada.lovelace@example.test", "password": password}
    )
    almost = client.post(
        "/api/v1/auth/login",
        json={"email": "ada.lovelace@example.test", "password": password[:-1] + "!"},
    )

    assert right.status_code == 200
    assert almost.status_code == 401


def test_missing_body_lists_required_fields(client):
    response = client.post(REGISTER)

    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"email", "password", "first_name", "last_name"}


def test_concurrent_identical_registrations_create_one_account(app, run_sql):
    def register(_):
        return app.test_client().post(REGISTER, json=registration()).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(register, range(8)))

    assert sorted(statuses) == [201] + [409] * 7
    assert run_sql("SELECT COUNT(*) FROM users")[0][0] == 1
