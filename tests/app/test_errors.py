import logging

import pytest
from flask_smorest import Blueprint

from app.api.admission import signed_in
from app.auth.models import Role


def test_unknown_route_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.is_json
    assert response.json == {"code": 404, "status": "Not Found", "message": "Not found."}


def test_wrong_method_is_a_json_405_naming_the_allowed_ones(client):
    response = client.delete("/api/v1/auth/login")

    assert response.status_code == 405
    assert response.json["status"] == "Method Not Allowed"
    assert "POST" in response.headers["Allow"]
    assert response.content_type == "application/json"


def test_malformed_json_is_a_400(client):
    response = client.post("/api/v1/auth/login", data='{"email": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json["errors"] == {"json": ["Invalid JSON body."]}


def test_oversized_body_is_a_413(client):
    response = client.post(
        "/api/v1/auth/register", data="x" * (2 * 1024 * 1024), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json["message"] == "The request body is too large."


def test_deeply_nested_json_is_a_400(client):
    body = "[" * 100_000 + "]" * 100_000

    response = client.post("/api/v1/auth/register", data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json["errors"] == {"json": ["Invalid JSON body."]}


def test_successful_responses_carry_no_rate_limit_headers(client):
    response = client.post("/api/v1/auth/login", json={"email": "a@example.test", "password": "x"})

    assert response.status_code == 401
    assert "Retry-After" not in response.headers


def test_wrong_json_types_are_422_not_500(client):
    for body in ([], "text", 42, None, {"email": ["a"], "password": {"b": 1}}):
        response = client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 422, body
        assert response.json["code"] == 422


def test_request_id_is_echoed_or_generated(client):
    echoed = client.get("/health", headers={"X-Request-ID": "abc-123"})
    generated = client.get("/health", headers={"X-Request-ID": "not valid! <script>"})

    assert echoed.headers["X-Request-ID"] == "abc-123"
    assert len(generated.headers["X-Request-ID"]) == 32


def test_french_messages_follow_accept_language(client):
    response = client.get("/api/v1/auth/me", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})

    assert (
        response.json["message"]
        == "Une authentification est requise\u00a0: envoyez un jeton bearer."
    )


def test_french_validation_messages(client):
    response = client.post("/api/v1/auth/register", json={}, headers={"Accept-Language": "fr"})

    assert response.json["message"] == "La requête contient des données invalides."
    assert response.json["errors"]["json"]["email"] == ["Champ obligatoire manquant."]


def test_number_ranges_are_explained_in_the_callers_language(client, create_user, auth_headers):
    """marshmallow builds these messages when a schema is defined, in no language: ours, the
    pagination parameters flask-smorest declares, and the bounds of every kind."""
    headers = auth_headers(create_user("manager"), **{"Accept-Language": "fr"})

    too_big = client.get("/api/v1/course-offerings", query_string={"page_size": 1000},
                         headers=headers)  # fmt: skip
    bad_term = client.get("/api/v1/course-offerings", query_string={"trimester": 9},
                          headers=headers)  # fmt: skip
    no_page = client.get("/api/v1/course-offerings", query_string={"page": 0}, headers=headers)

    assert too_big.json["errors"]["query"]["page_size"] == ["Doit être compris entre 1 et 100."]
    assert bad_term.json["errors"]["query"]["trimester"] == ["Doit être compris entre 1 et 3."]
    assert no_page.json["errors"]["query"]["page"] == ["Doit être supérieur ou égal à 1."]


@pytest.fixture
def app_with_extra_routes(app_with):
    """A fresh app with two routes that exist only to exercise shared machinery."""
    app = app_with()
    blp = Blueprint("probe", __name__, url_prefix="/probe")

    @blp.route("/crash")
    def crash():
        raise RuntimeError("secret internals: password=hunter2")

    @blp.route("/managers-only")
    @signed_in(Role.MANAGER)
    def managers_only():
        return {"ok": True}

    app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(blp)
    return app


def test_crash_is_a_500_envelope_without_internals_and_is_logged(caplog, app_with_extra_routes):
    client = app_with_extra_routes.test_client()

    with caplog.at_level(logging.ERROR):
        response = client.get("/probe/crash", headers={"X-Request-ID": "crash-1"})

    assert response.status_code == 500
    assert response.json["status"] == "Internal Server Error"
    assert "crash-1" in response.json["message"]
    assert "hunter2" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert any("crash-1" in record.getMessage() and record.exc_info for record in caplog.records)


def test_role_guard_distinguishes_401_from_403(create_user, tokens_for, app_with_extra_routes):
    client = app_with_extra_routes.test_client()
    student, manager = create_user("student"), create_user("manager")

    anonymous = client.get("/probe/managers-only")
    wrong_role = client.get(
        "/probe/managers-only",
        headers={"Authorization": f"Bearer {tokens_for(student)['access_token']}"},
    )
    right_role = client.get(
        "/probe/managers-only",
        headers={"Authorization": f"Bearer {tokens_for(manager)['access_token']}"},
    )

    assert anonymous.status_code == 401
    assert wrong_role.status_code == 403
    assert wrong_role.json["message"] == "This action is reserved for: manager."
    assert right_role.status_code == 200
