"""Ids have one range everywhere, stated in the OpenAPI document: an id beyond it names nothing
(404 in a path) or is refused (422 in a query or a body), never a 500. Every operation of the
document is walked, so a new route is covered the day it is added."""

import re

import pytest

from app.api.fields import MAX_ID

TOO_LARGE = (MAX_ID + 1, 2**63, 2**64)
ROLES = ("manager", "facilitator", "student")


@pytest.fixture(scope="module")
def document(app):
    with app.test_client() as client:
        return client.get("/openapi.json").json


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def parameters(document, where: str):
    """(path, method, name, schema) of every id parameter (an integer named `…_id`) in the path
    or the query."""
    for path, method, operation in operations(document):
        listed = operation.get("parameters", []) + document["paths"][path].get("parameters", [])
        for parameter in (resolved(document, parameter) for parameter in listed):
            named = parameter["name"].endswith("_id")
            if parameter["in"] == where and named and parameter["schema"]["type"] == "integer":
                yield path, method, parameter["name"], parameter["schema"]


def resolved(document, part: dict) -> dict:
    """A part of the document, or the component its `$ref` points to."""
    if "$ref" not in part:
        return part
    _hash, _components, kind, name = part["$ref"].split("/")
    return document["components"][kind][name]


def body_ids(document):
    """(path, method, field, schema of one id, whether a list) of every id (an integer named
    `…_id`, or a list of them named `…_ids`) in a JSON request body."""
    for path, method, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if not content:
            continue
        for field, schema in properties(document, content["schema"]).items():
            if field.endswith("_id") and schema.get("type") == "integer":
                yield path, method, field, schema, False
            elif field.endswith("_ids") and schema["items"].get("type") == "integer":
                yield path, method, field, schema["items"], True


def properties(document, schema: dict) -> dict:
    """A body's properties: every shape's, for a body of several (`oneOf`, `anyOf`)."""
    schema = resolved(document, schema)
    shapes = schema.get("oneOf") or schema.get("anyOf") or [schema]
    return {name: field for shape in shapes
            for name, field in resolved(document, shape).get("properties", {}).items()}  # fmt: skip


def filled(path: str, name: str | None = None, value: int | None = None) -> str:
    """The path with `value` for parameter `name` and 1 for the others."""
    return re.sub(r"{(\w+)}", lambda m: str(value if m[1] == name else 1), path)


@pytest.fixture
def as_each_role(client, create_user, auth_headers):
    """`as_each_role(method, url, **kwargs)`: the first answer that is not a 403, trying a
    manager, a facilitator and a student in turn (a role's own routes refuse the others)."""
    people = {role: auth_headers(create_user(role)) for role in ROLES}

    def call(method: str, url: str, **kwargs):
        for role in ROLES:
            response = client.open(url, method=method.upper(), headers=people[role], **kwargs)
            if response.status_code != 403:
                return response
        return response

    return call


def test_the_document_states_the_range_of_every_id(document):
    schemas = [schema for where in ("path", "query")
               for *_where, schema in parameters(document, where)]  # fmt: skip
    schemas += [schema for *_where, schema, _many in body_ids(document)]

    assert len(schemas) > 30
    unbounded = [schema for schema in schemas
                 if (schema.get("minimum"), schema.get("maximum")) != (1, MAX_ID)]  # fmt: skip
    assert unbounded == []


@pytest.mark.parametrize("value", TOO_LARGE)
def test_an_id_too_large_in_a_path_names_nothing(document, as_each_role, value):
    answers = {
        (method, filled(path, name, value)): as_each_role(method, filled(path, name, value))
        for path, method, name, _schema in parameters(document, "path")
    }

    assert len(answers) > 10
    assert {key: r.status_code for key, r in answers.items() if r.status_code != 404} == {}


@pytest.mark.parametrize("value", TOO_LARGE)
def test_an_id_too_large_in_a_query_is_refused(document, as_each_role, value):
    answers = {
        (method, path, name): as_each_role(method, filled(path), query_string={name: value})
        for path, method, name, _schema in parameters(document, "query")
    }

    assert len(answers) > 10
    refused = {key: r.status_code for key, r in answers.items()
               if r.status_code != 422 or key[2] not in r.json["errors"]["query"]}  # fmt: skip
    assert refused == {}


@pytest.mark.parametrize("value", TOO_LARGE)
def test_an_id_too_large_in_a_body_is_refused(document, as_each_role, value):
    answers = {
        (method, path, field): as_each_role(
            method, filled(path), json={field: [value] if many else value}
        )
        for path, method, field, _schema, many in body_ids(document)
    }

    assert len(answers) >= 4
    refused = {key: (r.status_code, r.json) for key, r in answers.items()
               if r.status_code != 422 or key[2] not in r.json["errors"]["json"]}  # fmt: skip
    assert refused == {}
