ME = "/api/v1/auth/me"
PASSWORD = "/api/v1/auth/password"


def test_me_shows_the_account_and_its_profile(client, create_user, auth_headers):
    user = create_user("facilitator", employee_id="EMP-7", specialisation="Databases")

    response = client.get(ME, headers=auth_headers(user))

    assert response.status_code == 200
    assert response.json["email"] == user.email
    assert response.json["profile"] == {
        "employee_id": "EMP-7", "specialisation": "Databases", "max_offerings_per_trimester": None
    }  # fmt: skip


def test_me_can_change_names_and_language(client, create_user, auth_headers):
    user = create_user()

    response = client.patch(
        ME, headers=auth_headers(user), json={"first_name": " Marie ", "preferred_language": "fr"}
    )

    assert response.status_code == 200
    assert response.json["first_name"] == "Marie"
    assert response.json["preferred_language"] == "fr"
    assert client.get(ME, headers=auth_headers(user)).json["first_name"] == "Marie"


def test_me_cannot_change_role_email_or_activity(client, create_user, auth_headers):
    user = create_user()

    response = client.patch(
        ME,
        headers=auth_headers(user),
        json={"role": "manager", "email": "x@y.z", "is_active": False},
    )

    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"role", "email", "is_active"}
    me = client.get(ME, headers=auth_headers(user)).json
    assert (me["role"], me["email"], me["is_active"]) == ("student", user.email, True)


def test_me_refuses_blank_names_and_unknown_languages(client, create_user, auth_headers):
    user = create_user()

    response = client.patch(
        ME, headers=auth_headers(user), json={"last_name": "", "preferred_language": "de"}
    )

    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"last_name", "preferred_language"}


def test_saved_language_chooses_french_messages(client, create_user, auth_headers):
    user = create_user(preferred_language="fr")

    response = client.patch(ME, headers=auth_headers(user), json={"role": "manager"})

    assert response.json["message"] == "La requête contient des données invalides."
    assert response.json["errors"]["json"]["role"] == ["Ce champ ne peut pas être modifié ici."]


def test_accept_language_wins_over_the_saved_preference(client, create_user, auth_headers):
    user = create_user(preferred_language="fr")

    response = client.patch(
        ME, headers=auth_headers(user, **{"Accept-Language": "en"}), json={"role": "x"}
    )

    assert response.json["message"] == "The request contains invalid data."


def test_password_change_ends_other_sessions_and_returns_new_tokens(
    client, create_user, tokens_for, bearer
):
    user = create_user()
    old = tokens_for(user)

    response = client.post(
        PASSWORD,
        headers=bearer(old["access_token"]),
        json={"current_password": user.password, "new_password": "a brand new secret"},
    )

    assert response.status_code == 200
    stale = client.get(ME, headers=bearer(old["access_token"]))
    assert (stale.status_code, stale.json["message"]) == (401, "The token has been revoked.")
    assert (
        client.post("/api/v1/auth/refresh", headers=bearer(old["refresh_token"])).status_code == 401
    )
    assert client.get(ME, headers=bearer(response.json["access_token"])).status_code == 200
    login = client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "a brand new secret"}
    )
    assert login.status_code == 200


def test_password_change_needs_the_current_password(client, create_user, auth_headers):
    user = create_user()

    wrong = client.post(
        PASSWORD,
        headers=auth_headers(user),
        json={"current_password": "guess", "new_password": "whatever123"},
    )
    too_short = client.post(
        PASSWORD,
        headers=auth_headers(user),
        json={"current_password": user.password, "new_password": "short"},
    )

    assert wrong.status_code == 422
    errors = wrong.json["errors"]["json"]
    assert errors == {"current_password": ["The current password is incorrect."]}
    assert too_short.status_code == 422
    login = client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200


def test_account_routes_need_a_token(client):
    for method, path in (
        ("get", ME),
        ("patch", ME),
        ("post", PASSWORD),
        ("post", "/api/v1/auth/logout"),
    ):
        response = getattr(client, method)(path, json={})
        assert response.status_code == 401, path


def test_password_guessing_through_the_change_form_is_limited(client, create_user, auth_headers):
    user = create_user()
    headers = auth_headers(user)

    statuses = [
        client.post(
            PASSWORD,
            headers=headers,
            json={"current_password": f"guess {n}", "new_password": "x" * 10},
        ).status_code
        for n in range(6)
    ]

    assert statuses == [422] * 5 + [429]


def test_length_messages_are_translated(client, create_user, auth_headers):
    user = create_user(preferred_language="fr")

    response = client.patch(ME, headers=auth_headers(user), json={"first_name": "x" * 101})

    assert response.json["errors"]["json"]["first_name"] == [
        "Plus long que la longueur maximale 100."
    ]
