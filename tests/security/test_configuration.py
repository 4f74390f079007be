"""API8 (security misconfiguration) and API9 (improper inventory management): every answer,
whatever produced it, carries the security headers and no CORS grant to a stranger; every API
route the app serves is in the OpenAPI document, and nothing the document lists is missing."""

import re

import pytest

from tests.security.conftest import API, METHODS, case_id, operations, with_any_ids

STRANGER = "https://attacker.example"


def served_api_routes(app) -> set[tuple[str, str]]:
    """(method, path in the document's spelling) for every URL rule under /api/v1."""
    return {
        (method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API)
        for method in rule.methods
        if method.lower() in METHODS
    }


def test_every_route_served_is_documented_and_every_documented_one_served(app):
    documented = {(method, path) for method, path, _ in operations()}

    assert served_api_routes(app) - documented == set(), "served but undocumented"
    assert documented - served_api_routes(app) == set(), "documented but not served"


def pages(app) -> list[str]:
    """Every page outside the API that takes no parameter (docs, dashboard, reflection page…)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith(API) and "GET" in rule.methods and not rule.arguments
    )


def assert_secure(response, path: str) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert response.headers["Referrer-Policy"] == "no-referrer", path
    assert "Access-Control-Allow-Origin" not in response.headers, path
    if path.startswith(API):
        assert response.headers["Cache-Control"] == "no-store", path
    if response.mimetype == "text/html":
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path


@pytest.mark.parametrize(
    ("method", "path"), [pytest.param(m, p, id=case_id(m, p)) for m, p, _ in operations()]
)
def test_every_operation_answers_with_the_security_headers(client, method, path):
    """Anonymous, with ids that name nothing: the answers an attacker sees first, and the
    browser's preflight from a site that is not allowed."""
    url = with_any_ids(path)
    preflight = {"Origin": STRANGER, "Access-Control-Request-Method": method.upper(),
                 "Access-Control-Request-Headers": "Authorization"}  # fmt: skip

    answers = [
        client.open(url, method=method.upper(), headers={"Origin": STRANGER}),
        client.options(url, headers=preflight),
    ]

    for response in answers:
        assert_secure(response, path)


def test_pages_and_errors_answer_with_the_security_headers(app, client):
    answers = {path: client.get(path, headers={"Origin": STRANGER}) for path in pages(app)}
    answers["unknown route"] = client.get(f"{API}/nothing-here")
    answers["wrong method"] = client.put(f"{API}/auth/login")
    assert {"/docs", "/openapi.json", "/health", "/reflection/"} <= set(answers)

    for path, response in answers.items():
        assert response.status_code < 500, path
        assert_secure(response, path)
