import re


def test_swagger_ui_loads_its_assets_from_the_app(client):
    page = client.get("/docs")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/docs/assets/"), f"{asset} would need the internet"
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.data) > 1000


def test_openapi_document_describes_bearer_auth_and_public_routes(client):
    spec = client.get("/openapi.json").json

    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"
    }  # fmt: skip
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    assert spec["paths"]["/api/v1/auth/register"]["post"]["security"] == []
    assert spec["paths"]["/health"]["get"]["security"] == []
    assert "security" not in spec["paths"]["/api/v1/auth/me"]["get"]
    assert spec["paths"]["/api/v1/auth/login"]["post"]["summary"].startswith("Sign in")


def test_the_bare_address_links_to_the_docs_the_document_the_health_check_and_the_page(client):
    response = client.get("/")

    assert response.status_code == 200
    links = response.json["links"]
    assert {client.get(link).status_code for link in links.values()} == {200}
    assert set(links) == {"docs", "openapi", "health", "reflection"}


def test_every_route_that_takes_an_id_documents_its_404(client):
    paths = client.get("/openapi.json").json["paths"]

    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        if "{" in path
        for method, operation in operations.items()
        if method in {"get", "post", "put", "patch", "delete"}
        and "404" not in operation["responses"]
    ]

    assert undocumented == []


def test_changes_that_can_collide_with_a_unique_key_document_their_409(client):
    paths = client.get("/openapi.json").json["paths"]

    assert "409" in paths["/api/v1/modules/{entry_id}"]["patch"]["responses"]
    assert "409" in paths["/api/v1/course-offerings/{offering_id}"]["patch"]["responses"]


def undocumenting(client, status: str, methods=("get", "post", "put", "patch", "delete")):
    """Every "METHOD /path" among `methods` whose responses in the document lack `status`."""
    paths = client.get("/openapi.json").json["paths"]
    return [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method in methods and status not in operation["responses"]
    ]


def test_every_operation_but_the_health_check_documents_its_429(client):
    assert undocumenting(client, "429") == ["GET /health"]


def test_every_operation_documents_its_503(client):
    assert undocumenting(client, "503") == []


def test_every_write_documents_the_409_of_a_lock_conflict(client):
    assert undocumenting(client, "409", methods=("post", "put", "patch", "delete")) == []
