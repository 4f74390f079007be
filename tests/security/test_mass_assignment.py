"""API3 (broken object property level authorization): a request body may only set what its
schema documents. Every JSON body of the OpenAPI document is sent valid plus one privileged
field at a time: each is refused by name (422) and nothing is written; the valid body alone
then succeeds, so the refusal was about that field."""

import io

import pytest

from tests.security.conftest import (
    API,
    VALID_REQUESTS,
    assert_envelope,
    case_id,
    fields_of,
    json_operations,
    schema_at,
    valid_body,
    with_value,
    writable_properties,
)

# Fields a caller must never set through a body that does not document them, with the value an
# attacker would try (ids are filled with the manager's: the account worth taking over).
PRIVILEGED = {
    "id": "someone", "user_id": "someone", "student_id": "someone", "recipient_id": "someone",
    "facilitator_id": "someone", "submitted_by_id": "someone", "enrolled_by_id": "someone",
    "role": "manager", "is_active": True, "session_version": 0, "password_hash": "$argon2id$x",
    "status": "sent", "filed_on_behalf": False, "created_at": "2020-01-01T00:00:00+00:00",
    "updated_at": "2020-01-01T00:00:00+00:00", "submitted_at": "2020-01-01T00:00:00+00:00",
    "last_login_at": "2020-01-01T00:00:00+00:00", "deleted_at": "2020-01-01T00:00:00+00:00",
}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "schema"),
    [pytest.param(*operation, id=case_id(*operation[:2])) for operation in json_operations()],
)
def test_privileged_fields_are_refused_by_name_and_never_applied(
    world, send, database_rows, lifted_limits, method, path, schema
):
    body, before = valid_body(world, method, path), database_rows()

    # At the top level and inside every nested object (a reflection's answers).
    for place in [(), *fields_of(schema, "object")]:
        for field in sorted(set(PRIVILEGED) - set(writable_properties(schema_at(schema, place)))):
            response = send(method, path, with_value(body, (*place, field), attempt(world, field)))
            assert_envelope(response, 422)
            assert field in errors_at(response.json["errors"]["json"], place), (place, field)

    assert database_rows() == before
    accepted = send(method, path, body)
    assert 200 <= accepted.status_code < 300, accepted.json


def attempt(world, field: str):
    value = PRIVILEGED[field]
    return world.people["manager"].id if value == "someone" else value


def errors_at(errors: dict, place: tuple[str, ...]) -> dict:
    for name in place:
        errors = errors[name]
    return errors


def test_every_json_body_has_a_valid_request():
    """A new operation with a body fails here until it has a valid request to build on."""
    documented = {(method, path.removeprefix(API)) for method, path, _ in json_operations()}
    assert documented == set(VALID_REQUESTS)


@pytest.mark.parametrize("role", ["manager", "facilitator"])
def test_self_registration_cannot_choose_a_staff_role(client, database_rows, role):
    before = database_rows()
    body = {"email": "climber@example.test", "password": "a long passphrase", "first_name": "Cl",
            "last_name": "Imber", "role": role}  # fmt: skip

    response = client.post(f"{API}/auth/register", json=body)

    assert_envelope(response, 422)
    assert "role" in response.json["errors"]["json"]
    assert database_rows() == before


def test_the_student_import_refuses_privileged_columns(client, as_manager, database_rows):
    """The one body that is not JSON: a CSV whose header names privileged columns."""
    smuggled = sorted(PRIVILEGED)
    header = ",".join(["email", "first_name", "last_name", *smuggled])
    row = ",".join(["climber@example.test", "Cl", "Imber", *("1" for _ in smuggled)])
    before = database_rows()

    response = client.post(
        f"{API}/admin/users/import",
        data={"file": (io.BytesIO(f"{header}\n{row}\n".encode()), "students.csv")},
        headers=as_manager,
    )

    assert_envelope(response, 422)
    assert response.json["errors"]["json"]["unknown_columns"] == smuggled
    assert database_rows() == before
