"""API4 (unrestricted resource consumption): whatever the size or shape of what a client sends,
the answer is a quick 4xx envelope, never a 500 and never work the client did not pay for.
Every list and every JSON body of the OpenAPI document is tried."""

import time

import pytest

from tests.security.conftest import (
    assert_envelope,
    case_id,
    fields_of,
    json_operations,
    listed,
    openapi,
    operations,
    resolve,
    roles_allowed,
    schema_at,
    url_in,
    valid_body,
    with_value,
)

QUICK_SECONDS = 2.0
LONG_STRING = "x" * 100_000  # well under MAX_CONTENT_LENGTH: the field must refuse it
LONG_LIST = 100_000
DEEP = 100_000
# Values for the query parameters a list requires (the compliance report's trimester).
REQUIRED_QUERY = {"trimester": 1, "year": 2026}


def timed(request, *args, **options):
    """`request(*args, **options)`, asserted quick; its response."""
    started = time.perf_counter()
    response = request(*args, **options)
    response.get_data()  # a streamed answer (a CSV export) is read to its end
    assert time.perf_counter() - started < QUICK_SECONDS
    return response


# --- lists -----------------------------------------------------------------------------------


def paginated_operations():
    for method, path, operation in operations():
        parameters = {p["name"]: p for p in map(resolve, operation.get("parameters", []))}
        if "page_size" in parameters:
            yield pytest.param(path, operation, parameters, id=case_id(method, path))


@pytest.mark.parametrize(("path", "operation", "parameters"), paginated_operations())
def test_page_sizes_are_bounded_and_pages_past_the_end_are_empty(
    client, world, path, operation, parameters
):
    caller = world.headers[roles_allowed(operation)[0]]
    required = {name: REQUIRED_QUERY[name] for name, p in parameters.items() if p.get("required")}
    largest = parameters["page_size"]["schema"]["maximum"]

    def page(**query):
        return timed(client.get, url_in(world, path), query_string=required | query, headers=caller)

    for refused in ({"page_size": largest + 1}, {"page_size": 0}, {"page": 0}):
        response = page(**refused)
        assert_envelope(response, 422)
        assert set(refused) <= set(response.json["errors"]["query"])
    assert page(page_size=largest).status_code == 200
    beyond = page(page=10**9)
    assert beyond.status_code == 200, beyond.json
    assert listed(beyond) == []


# --- request bodies --------------------------------------------------------------------------


def oversized(field: dict):
    """A list far longer than any the API takes, of items the field would otherwise accept."""
    item = {"boolean": True, "integer": 1}.get(field["items"].get("type"), "x")
    return [item] * LONG_LIST


@pytest.mark.parametrize(
    ("method", "path", "schema"),
    [pytest.param(*operation, id=case_id(*operation[:2])) for operation in json_operations()],
)
def test_bodies_too_large_too_deep_or_too_long_are_refused(
    app, world, send, database_rows, lifted_limits, method, path, schema
):
    body, before = valid_body(world, method, path), database_rows()

    padding = "x" * app.config["MAX_CONTENT_LENGTH"]
    assert_envelope(timed(send, method, path, body | {"_": padding}), 413)

    nested = "[" * DEEP + "]" * DEEP
    deep = timed(send, method, path, None, data=nested, content_type="application/json")
    assert_envelope(deep, 400)

    # Every string and list field, one at a time, each refused by name.
    attempts = [(field, LONG_STRING) for field in fields_of(schema, "string")] + [
        (field, oversized(schema_at(schema, field))) for field in fields_of(schema, "array")
    ]
    for field, value in attempts:
        response = timed(send, method, path, with_value(body, field, value))
        assert_envelope(response, 422)
        assert field[0] in response.json["errors"]["json"], field

    assert database_rows() == before


# --- path and query parameters ---------------------------------------------------------------

HUGE_NUMBER = 10**30  # past any integer column


def parameterised_operations(where: str, types=("integer", "string", "boolean")):
    for method, path, operation in operations():
        # Path parameters are documented once per path, query parameters per operation.
        listed = openapi()["paths"][path].get("parameters", []) + operation.get("parameters", [])
        parameters = [
            p for p in map(resolve, listed) if p["in"] == where and p["schema"]["type"] in types
        ]
        if parameters:
            yield pytest.param(method, path, operation, parameters, id=case_id(method, path))


@pytest.mark.parametrize(("method", "path", "operation", "parameters"),
                         parameterised_operations("path", types=("integer",)))  # fmt: skip
def test_ids_past_any_column_are_404(client, world, method, path, operation, parameters):
    body = valid_body(world, method, path) if "requestBody" in operation else None
    url = path
    for parameter in parameters:
        url = url.replace(f"{{{parameter['name']}}}", str(HUGE_NUMBER))
    headers = world.headers.get(roles_allowed(operation)[0]) if "security" not in operation else {}
    headers = (headers or {}) | {"If-Match": '"guessed"'}

    response = timed(
        client.open, url_in(world, url), method=method.upper(), json=body, headers=headers
    )

    assert_envelope(response, 404)


@pytest.mark.parametrize(("method", "path", "operation", "parameters"),
                         parameterised_operations("query"))  # fmt: skip
def test_huge_query_values_are_refused_or_find_nothing(
    client, world, method, path, operation, parameters
):
    caller = world.headers[roles_allowed(operation)[0]]
    required = {p["name"]: REQUIRED_QUERY[p["name"]] for p in parameters if p.get("required")}
    huge = {"integer": HUGE_NUMBER, "string": "x" * 10_000, "boolean": "x" * 10_000}

    for parameter in parameters:
        value = huge[parameter["schema"]["type"]]
        query = required | {parameter["name"]: value}
        response = timed(
            client.open, url_in(world, path), method=method.upper(), query_string=query,
            headers=caller,
        )  # fmt: skip
        assert response.status_code in (200, 422), (parameter["name"], response.json)
        if response.status_code == 422:
            assert_envelope(response, 422)
