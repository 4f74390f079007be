"""Kinds of notification are a registry: a module under app/notifications/kinds/ is offered in
preferences, listed by the API document and rendered by its own templates, with nothing else
to edit."""

from pathlib import Path

import pytest

from app.notifications.registry import NotificationKind, all_kinds, register

PREFERENCES = "/api/v1/me/notification-preferences"
KINDS = Path(__file__).parents[2] / "app" / "notifications" / "kinds"


def kind_modules() -> list[str]:
    return sorted(path.stem for path in KINDS.glob("*.py") if path.stem != "__init__")


def test_each_kind_module_is_offered_to_its_audience_with_its_default(
    app, client, create_user, auth_headers
):
    with app.app_context():
        kinds = all_kinds()

    assert [kind.name for kind in kinds] == kind_modules()
    for kind in kinds:
        person = create_user(kind.audience.value)
        offered = client.get(PREFERENCES, headers=auth_headers(person)).json
        assert offered[kind.name] == kind.default_email


def test_the_api_document_lists_each_kind_module(client):
    document = client.get("/openapi.json").json
    deliveries = document["paths"]["/api/v1/admin/notifications"]["get"]["parameters"]
    (kind_filter,) = (parameter for parameter in deliveries if parameter["name"] == "kind")

    assert kind_filter["schema"]["enum"] == kind_modules()
    schemas = document["components"]["schemas"]
    shapes = [ref.rpartition("/")[2] for ref in schemas["Preferences"]["x-by-role"].values()]
    assert sorted(kind for shape in shapes for kind in schemas[shape]["properties"]) == (
        kind_modules()
    )


def test_each_kind_has_its_e_mail_templates(app):
    with app.app_context():
        for kind in all_kinds():
            for extension in ("txt", "html"):
                assert app.jinja_env.get_template(f"email/{kind.name}.{extension}")


def test_a_kind_is_named_after_its_module():
    misnamed = type(
        "Misnamed",
        (NotificationKind,),
        {"name": "other", "__module__": "app.notifications.kinds.x"},
    )

    with pytest.raises(TypeError, match="named after its module"):
        register(misnamed)
