"""CORS_ORIGINS: a page on another site may call /api/* from a browser only when its origin is
listed, exactly; never with cookies, never for the pages the app serves itself."""

import pytest

from app.config import ConfigurationError, allowed_origins

PAGES = "https://pages.example"
IPV6_PAGES = "http://[::1]:8080"
ME = "/api/v1/auth/me"


@pytest.fixture
def cors_client(app_with):
    return app_with(CORS_ORIGINS=f"{PAGES}, {IPV6_PAGES}").test_client()


def from_origin(origin: str) -> dict:
    return {"Origin": origin}


@pytest.mark.parametrize("origin", [PAGES, IPV6_PAGES])
def test_a_listed_origin_may_read_the_api(cors_client, create_user, auth_headers, origin):
    student = create_user("student")

    response = cors_client.get(ME, headers=auth_headers(student) | from_origin(origin))

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in response.headers["Vary"]
    assert "X-Pagination" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    "origin",
    ["https://elsewhere.example", "https://pages.example.evil.example", "http://pages.example"],
)
def test_any_other_origin_gets_no_cors_headers(cors_client, origin):
    response = cors_client.get(ME, headers=from_origin(origin))

    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_listed_origin_may_send_a_signed_in_post_after_the_preflight(cors_client):
    preflight = cors_client.options(
        "/api/v1/reflections",
        headers=from_origin(PAGES)
        | {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == PAGES
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed


def test_a_refusal_carries_the_headers_too_so_the_page_can_read_it(cors_client):
    response = cors_client.get("/api/v1/reflections", headers=from_origin(PAGES))

    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == PAGES


def test_the_pages_the_app_serves_itself_are_not_opened_to_other_origins(cors_client):
    response = cors_client.get("/reflection/", headers=from_origin(PAGES))

    assert "Access-Control-Allow-Origin" not in response.headers


def test_by_default_no_origin_is_allowed(client):
    response = client.get(ME, headers=from_origin(PAGES))

    assert "Access-Control-Allow-Origin" not in response.headers


def test_origins_are_read_from_a_comma_separated_list():
    assert allowed_origins("") == []
    assert allowed_origins(" https://a.example , http://127.0.0.1:8080/ ") == [
        "https://a.example",
        "http://127.0.0.1:8080",
    ]


@pytest.mark.parametrize(
    "setting", ["*", "https://*.example", "https://a.example/page", "a.example", "ftp://a.example"]
)
def test_anything_but_an_origin_is_refused_at_start(app_with, setting):
    with pytest.raises(ConfigurationError, match="CORS_ORIGINS"):
        app_with(CORS_ORIGINS=setting)
