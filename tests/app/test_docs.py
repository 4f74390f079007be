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


# --- what generated clients and linters read -------------------------------------------------

METHODS = {"get", "post", "put", "patch", "delete"}


def operations(spec: dict) -> dict[str, dict]:
    return {
        f"{method.upper()} {path}": operation
        for path, by_method in spec["paths"].items()
        for method, operation in by_method.items()
        if method in METHODS
    }


def test_every_operation_has_its_own_readable_operation_id(client):
    named = {
        key: op.get("operationId")
        for key, op in operations(client.get("/openapi.json").json).items()
    }

    assert [key for key, name in named.items() if not name] == []
    assert len(set(named.values())) == len(named)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]*)*", name) for name in named.values()), named
    assert {
        named["GET /api/v1/course-offerings"],
        named["POST /api/v1/course-offerings"],
        named["GET /api/v1/course-offerings/{offering_id}"],
        named["PATCH /api/v1/activity-logs/{log_id}"],
        named["PUT /api/v1/me/notification-preferences"],
        named["POST /api/v1/auth/login"],
        named["GET /api/v1/classes"],
    } == {"listOfferings", "createOffering", "getOffering", "updateActivityLog",
          "setNotificationPreferences", "login", "listCourseClasses"}  # fmt: skip


def test_answers_list_every_field_they_always_carry(client, create_offering, as_manager):
    spec = client.get("/openapi.json").json
    schemas = spec["components"]["schemas"]
    offering = create_offering()  # no facilitator: its `facilitator` is null, not left out
    read = client.get(f"/api/v1/course-offerings/{offering['id']}", headers=as_manager).json

    assert set(schemas["Offering"]["required"]) == set(schemas["Offering"]["properties"])
    assert set(read) == set(schemas["Offering"]["required"])
    assert read["facilitator"] is None
    # A request shape lists its server-set fields as read-only and required: answers only.
    module = schemas["Module"]
    assert {"id", "created_at", "updated_at"} <= set(module["required"])
    assert all(module["properties"][name]["readOnly"] for name in ("id", "created_at"))


def test_a_nullable_nested_object_is_a_nullable_reference_to_its_schema(client):
    spec = client.get("/openapi.json").json
    untyped_branches = re.findall(
        r'\{"type": "object", "nullable": true\}',
        str(spec).replace("'", '"').replace("True", "true"),
    )

    assert spec["components"]["schemas"]["Offering"]["properties"]["facilitator"] == {
        "allOf": [{"$ref": "#/components/schemas/Person"}], "nullable": True
    }  # fmt: skip
    assert untyped_branches == []


def test_the_document_names_the_deployment_its_paths_start_from(app_with):
    client = app_with(PUBLIC_BASE_URL="https://courses.example.org/").test_client()

    servers = client.get("/openapi.json").json["servers"]

    assert [server["url"] for server in servers] == ["https://courses.example.org"]


def test_bodies_with_nothing_required_may_be_left_out_and_others_may_not(
    client, as_manager, create_offering
):
    spec = client.get("/openapi.json").json
    offering = create_offering()
    change = "PATCH /api/v1/course-offerings/{offering_id}"
    url = f"/api/v1/course-offerings/{offering['id']}"

    assert operations(spec)[change]["requestBody"]["required"] is False
    assert client.patch(url, headers=as_manager).json == client.get(url, headers=as_manager).json
    assert operations(spec)["POST /api/v1/modules"]["requestBody"]["required"] is True
    assert client.post("/api/v1/modules", headers=as_manager).status_code == 422


def test_a_new_account_is_documented_as_one_shape_per_role(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    create = schemas["PersonCreate"]

    assert create["discriminator"]["propertyName"] == "role"
    shapes = {
        role: schemas[ref.rsplit("/", 1)[1]]
        for role, ref in create["discriminator"]["mapping"].items()
    }
    assert {role: sorted(set(shape["properties"]) & {"employee_id", "specialisation",
            "student_number", "department"}) for role, shape in shapes.items()} == {
        "manager": ["department"],
        "facilitator": ["employee_id", "specialisation"],
        "student": ["student_number"],
    }  # fmt: skip
    assert all(shape["properties"]["role"]["enum"] == [role] for role, shape in shapes.items())
    assert all(shape["additionalProperties"] is False for shape in shapes.values())


def test_preferences_are_documented_as_each_role_has_them(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]

    for component in ("Preferences", "PreferencesAnswer"):
        by_role = {role: schemas[ref.rsplit("/", 1)[1]]
                   for role, ref in schemas[component]["x-by-role"].items()}  # fmt: skip
        assert {role: sorted(shape["properties"]) for role, shape in by_role.items()} == {
            "manager": ["digest", "unstaffed"],
            "facilitator": ["at_risk", "cancellation", "due_soon", "overdue"],
            "student": ["reflection_due"],
        }
        # No daily digest holds a reflection reminder, or a student at risk.
        assert by_role["student"]["properties"]["reflection_due"]["enum"] == ["immediate", "off"]
        assert by_role["facilitator"]["properties"]["at_risk"]["enum"] == ["immediate", "off"]
        assert by_role["facilitator"]["properties"]["cancellation"]["enum"] == ["immediate", "off"]
    assert schemas["StudentPreferencesAnswer"]["required"] == ["reflection_due"]


def test_the_error_envelope_always_has_its_code_status_and_message(client):
    error = client.get("/openapi.json").json["components"]["schemas"]["Error"]
    refused = client.get("/api/v1/auth/me")

    assert error["required"] == ["code", "message", "status"]
    assert set(error["required"]) <= set(refused.json)
