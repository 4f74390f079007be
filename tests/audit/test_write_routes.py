"""Every write route of every room leaves its audit event, tied to the request that made it
(by its X-Request-ID), with the acting user and the object."""

import io

import pytest

API = "/api/v1"


@pytest.fixture
def audited(client, as_manager):
    """`audited(response, action, entity_type, entity_id=None, actor=None)`: the request's one
    event of that action, asserted to name that entity and actor."""

    def check(response, action, entity_type, entity_id=None, actor=None) -> dict:
        assert response.status_code < 300 or action == "sign_in_failed", response.json
        query = {"request_id": response.headers["X-Request-ID"], "action": action}
        found = client.get(f"{API}/admin/audit-events", query_string=query, headers=as_manager)
        [event] = found.json
        assert event["entity_type"] == entity_type
        if entity_id is not None:
            assert event["entity_id"] == entity_id
        assert event["actor_id"] == (actor.id if actor else None)
        assert event["client_address"] == "127.0.0.1"
        return event

    return check


# --- accounts --------------------------------------------------------------------------------


def test_self_registration_is_recorded(client, audited):
    body = {"email": "new@example.test", "password": "long enough pw", "first_name": "N",
            "last_name": "S"}  # fmt: skip

    registered = client.post(f"{API}/auth/register", json=body)

    event = audited(registered, "created", "users", registered.json["id"])
    assert event["changes"]["email"] == [None, "new@example.test"]
    assert "password_hash" not in event["changes"]


def test_sign_ins_are_recorded(client, create_user, audited):
    user = create_user("facilitator")
    credentials = {"email": user.email, "password": user.password}

    signed_in = client.post(f"{API}/auth/login", json=credentials)
    wrong = client.post(f"{API}/auth/login", json=credentials | {"password": "not it"})

    audited(signed_in, "signed_in", "users", user.id, actor=user)
    event = audited(wrong, "sign_in_failed", "users", user.id)
    assert event["changes"]["reason"] == [None, "wrong_password"]


def test_own_profile_and_password_changes_are_recorded(client, create_user, auth_headers, audited):
    user = create_user("student")
    headers = auth_headers(user)

    renamed = client.patch(f"{API}/auth/me", json={"first_name": "Renamed"}, headers=headers)
    changed = client.post(
        f"{API}/auth/password",
        json={"current_password": user.password, "new_password": "another long one"},
        headers=headers,
    )

    event = audited(renamed, "updated", "users", user.id, actor=user)
    assert event["changes"] == {"first_name": ["Student2", "Renamed"]}
    event = audited(changed, "password_changed", "users", user.id, actor=user)
    assert event["changes"] == {"password": ["(changed)", "(changed)"]}


def test_managers_account_writes_are_recorded(client, manager, as_manager, create_user, audited):
    body = {"role": "facilitator", "email": "f@example.test", "password": "long enough!",
            "first_name": "F", "last_name": "L", "employee_id": "E-1"}  # fmt: skip
    created = client.post(f"{API}/admin/users", json=body, headers=as_manager)
    changed = client.patch(
        f"{API}/admin/users/{created.json['id']}", json={"is_active": False}, headers=as_manager
    )
    imported = client.post(
        f"{API}/admin/users/import",
        data={"file": (io.BytesIO(b"email,first_name,last_name\na@example.test,A,B\n"), "s.csv")},
        headers=as_manager,
        content_type="multipart/form-data",
    )

    audited(created, "created", "users", created.json["id"], actor=manager)
    event = audited(changed, "updated", "users", created.json["id"], actor=manager)
    assert event["changes"] == {"is_active": [True, False]}
    audited(imported, "created", "users", imported.json["rows"][0]["user_id"], actor=manager)


# --- catalogue -------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["modules", "cohorts", "classes", "modes"])
def test_catalogue_writes_are_recorded(
    client, manager, as_manager, create_entry, audited, resource
):
    entry = create_entry(resource)
    body = {"description": "Changed"}
    url = f"{API}/{resource}/{entry['id']}"
    table = {"classes": "classes", "modes": "delivery_modes"}.get(resource, resource)

    changed = client.patch(url, json=body, headers=as_manager)
    deleted = client.delete(url, headers=as_manager)

    event = audited(changed, "updated", table, entry["id"], actor=manager)
    assert event["changes"]["description"] == [None, "Changed"]
    event = audited(deleted, "deleted", table, entry["id"], actor=manager)
    assert event["changes"]["id"] == [entry["id"], None]
    assert event["changes"]["description"] == ["Changed", None]


def test_catalogue_creation_is_recorded(client, manager, as_manager, audited):
    body = {"code": "AUD1", "name": "Audited", "credits": 5}
    created = client.post(f"{API}/modules", json=body, headers=as_manager)
    event = audited(created, "created", "modules", created.json["id"], actor=manager)
    assert event["changes"]["code"] == [None, "AUD1"]


# --- offerings and enrolments ----------------------------------------------------------------


def test_offering_writes_are_recorded(
    client, manager, as_manager, offering_body, create_user, audited, enrol
):
    facilitator = create_user("facilitator")
    created = client.post(f"{API}/course-offerings", json=offering_body(), headers=as_manager)
    url = f"{API}/course-offerings/{created.json['id']}"
    assigned = client.patch(url, json={"facilitator_id": facilitator.id}, headers=as_manager)
    deleted = client.delete(url, headers=as_manager)
    kept = client.post(f"{API}/course-offerings", json=offering_body(), headers=as_manager)
    enrol(kept.json["id"], create_user("student"))
    archived = client.delete(f"{API}/course-offerings/{kept.json['id']}", headers=as_manager)

    audited(created, "created", "course_offerings", created.json["id"], actor=manager)
    event = audited(assigned, "updated", "course_offerings", created.json["id"], actor=manager)
    assert event["changes"]["facilitator_id"] == [None, facilitator.id]
    event = audited(deleted, "deleted", "course_offerings", created.json["id"], actor=manager)
    assert event["changes"]["facilitator_id"] == [facilitator.id, None]
    event = audited(archived, "archived", "course_offerings", kept.json["id"], actor=manager)
    assert event["changes"] == {"status": ["active", "cancelled"]}


def test_enrolments_are_recorded(
    client, manager, as_manager, create_offering, create_user, audited
):
    offering = create_offering()
    student = create_user("student")
    url = f"{API}/course-offerings/{offering['id']}/enrollments"

    enrolled = client.post(url, json={"student_ids": [student.id]}, headers=as_manager)
    removed = client.delete(f"{url}/{student.id}", headers=as_manager)

    event = audited(enrolled, "enrolled", "course_offerings", offering["id"], actor=manager)
    assert event["changes"] == {"student_ids": [None, [student.id]]}
    event = audited(removed, "unenrolled", "course_offerings", offering["id"], actor=manager)
    assert event["changes"] == {"student_ids": [[student.id], None]}


# --- activity logs ---------------------------------------------------------------------------


def test_log_writes_are_recorded(
    client, manager, as_manager, facilitator, offering_of, file_log, edit_log, audited
):
    offering_id = offering_of(facilitator)

    filed = file_log(facilitator, offering_id, 1, notes="Week one")
    edited = edit_log(manager, filed.json["id"], notes="Corrected")
    deleted = client.delete(f"{API}/activity-logs/{filed.json['id']}", headers=as_manager)

    event = audited(filed, "created", "activity_logs", filed.json["id"], actor=facilitator)
    assert event["changes"]["notes"] == [None, "Week one"]
    event = audited(edited, "updated", "activity_logs", filed.json["id"], actor=manager)
    assert event["changes"] == {"notes": ["Week one", "Corrected"]}
    audited(deleted, "deleted", "activity_logs", filed.json["id"], actor=manager)
