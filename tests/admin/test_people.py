"""Managers find, create and change people; the last active manager stays."""

import threading
from datetime import UTC, datetime

import pytest
import time_machine

from tests.admin.conftest import ADMIN

USERS = f"{ADMIN}/users"
FEBRUARY = datetime(2026, 2, 10, 9, tzinfo=UTC)


def new_account(**fields) -> dict:
    return {
        "role": "student",
        "email": "new.person@example.test",
        "password": "a long enough secret",
        "first_name": "Noële",
        "last_name": "Uwimana",
    } | fields


# --- finding ---------------------------------------------------------------------------------


def test_people_are_found_by_role_activity_and_text(client, as_manager, create_user):
    jean = create_user("facilitator", first_name="Jean", last_name="Habimana", employee_id="E-42")
    claire = create_user("student", first_name="Claire", student_number="S-2026-17")
    create_user("student", email="gone@example.test", is_active=False)

    def names(**filters) -> list[str]:
        response = client.get(USERS, query_string=filters, headers=as_manager)
        assert response.status_code == 200, response.json
        return [person["email"] for person in response.json]

    assert len(names(role="student")) == 2
    assert names(is_active="false") == ["gone@example.test"]
    assert names(q="jean habim") == names(q="E-4") == [jean.email]
    assert names(q="2026-17") == [claire.email]
    assert names(q="GONE@") == ["gone@example.test"]
    assert names(q="%") == []  # a wildcard is searched for, not obeyed


def test_people_lists_are_paginated(client, as_manager, create_user):
    for _ in range(3):
        create_user("student")

    response = client.get(USERS, query_string={"page_size": 2, "page": 2}, headers=as_manager)

    assert len(response.json) == 2  # 3 students and the manager, 2 per page
    assert '"total": 4' in response.headers["X-Pagination"]


def test_bad_filters_are_a_422(client, as_manager):
    response = client.get(USERS, query_string={"role": "admin"}, headers=as_manager)
    assert response.status_code == 422 and "role" in response.json["errors"]["query"]


def test_a_facilitator_comes_with_their_current_offerings(
    client, manager, auth_headers, create_user, create_offering
):
    facilitator = create_user("facilitator", employee_id="EMP-7")
    running = create_offering(facilitator_id=facilitator.id)
    create_offering(facilitator_id=facilitator.id, year=2025, start_date="2025-01-06",
                    end_date="2025-04-04")  # fmt: skip
    create_offering()  # someone else's

    with time_machine.travel(FEBRUARY, tick=False):  # tokens are issued in that moment too
        response = client.get(f"{USERS}/{facilitator.id}", headers=auth_headers(manager))

    assert response.status_code == 200
    assert response.json["profile"] == {
        "employee_id": "EMP-7", "specialisation": None, "max_offerings_per_trimester": None
    }  # fmt: skip
    assert [o["id"] for o in response.json["current_offerings"]] == [running["id"]]


def test_an_unknown_account_is_a_404(client, as_manager):
    response = client.get(f"{USERS}/999999", headers=as_manager)
    assert response.status_code == 404 and response.json["message"] == "No such account."


# --- creating --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "profile"),
    [
        ("manager", {"department": "Academic operations"}),
        (
            "facilitator",
            {
                "employee_id": "EMP-900",
                "specialisation": "Networks",
                "max_offerings_per_trimester": 2,
            },
        ),
        ("student", {"student_number": "S-900"}),
    ],
)
def test_managers_create_accounts_of_every_role_that_can_sign_in(
    client, as_manager, role, profile, audit_events, manager
):
    body = new_account(role=role, **profile)

    response = client.post(USERS, json=body, headers=as_manager)

    assert response.status_code == 201, response.json
    assert response.json["profile"] == {"specialisation": None} | profile if role == "facilitator" \
        else response.json["profile"] == profile  # fmt: skip
    login = client.post(
        "/api/v1/auth/login", json={"email": body["email"], "password": body["password"]}
    )
    assert login.status_code == 200 and login.json["user"]["role"] == role
    [created] = audit_events(action="created", entity_type="users", actor_id=manager.id)
    assert created["actor_id"] == manager.id and created["entity_id"] == response.json["id"]


def test_a_taken_email_or_number_is_a_409(client, as_manager, create_user):
    taken = create_user("student", student_number="S-1")

    same_email = client.post(USERS, json=new_account(email=taken.email), headers=as_manager)
    same_number = client.post(USERS, json=new_account(student_number="S-1"), headers=as_manager)

    assert same_email.status_code == 409 and "email" in same_email.json["errors"]
    assert same_number.status_code == 409 and "student_number" in same_number.json["errors"]


def test_profile_fields_of_another_role_are_refused(client, as_manager):
    response = client.post(USERS, json=new_account(employee_id="E-1"), headers=as_manager)

    assert response.status_code == 422
    assert response.json["errors"]["json"] == {
        "employee_id": ["Not a field of the student profile."]
    }


# --- changing --------------------------------------------------------------------------------


def test_names_and_profile_fields_change_and_the_change_is_audited(
    client, as_manager, create_user, audit_events, manager
):
    facilitator = create_user("facilitator", first_name="Grace", employee_id="EMP-1")

    response = client.patch(
        f"{USERS}/{facilitator.id}",
        json={"first_name": "Grâce", "specialisation": "Security"},
        headers=as_manager,
    )

    assert response.status_code == 200, response.json
    assert response.json["first_name"] == "Grâce"
    assert response.json["profile"]["specialisation"] == "Security"
    [event] = audit_events(action="updated", entity_id=facilitator.id)
    assert event["actor_id"] == manager.id
    assert event["changes"] == {
        "first_name": ["Grace", "Grâce"],
        "specialisation": [None, "Security"],
    }


def test_a_new_role_brings_its_own_profile_row(client, as_manager, create_user, run_sql):
    student = create_user("student", student_number="S-77")

    response = client.patch(
        f"{USERS}/{student.id}",
        json={"role": "facilitator", "employee_id": "EMP-77"},
        headers=as_manager,
    )

    assert response.status_code == 200, response.json
    assert response.json["profile"] == {
        "employee_id": "EMP-77", "specialisation": None, "max_offerings_per_trimester": None
    }  # fmt: skip
    assert run_sql("SELECT COUNT(*) FROM student_profiles WHERE user_id = :id", id=student.id) == [
        (0,)
    ]
    assert run_sql("SELECT employee_id FROM facilitator_profiles WHERE user_id = :id",
                   id=student.id) == [("EMP-77",)]  # fmt: skip


def test_a_facilitator_running_offerings_keeps_their_role(
    client, manager, auth_headers, create_user, create_offering
):
    facilitator = create_user("facilitator")
    offering = create_offering(facilitator_id=facilitator.id)

    with time_machine.travel(FEBRUARY, tick=False):
        response = client.patch(
            f"{USERS}/{facilitator.id}", json={"role": "student"}, headers=auth_headers(manager)
        )

    assert response.status_code == 409
    assert response.json["errors"] == {"course_offering_ids": [offering["id"]]}


def test_email_and_password_are_not_changed_here(client, as_manager, create_user):
    student = create_user("student")

    response = client.patch(
        f"{USERS}/{student.id}",
        json={"email": "x@y.test", "password": "p" * 10},
        headers=as_manager,
    )

    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"email", "password"}


def test_deactivation_ends_live_tokens_on_their_next_request(
    client, as_manager, create_user, auth_headers
):
    student = create_user("student")
    headers = auth_headers(student)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200

    response = client.patch(f"{USERS}/{student.id}", json={"is_active": False}, headers=as_manager)

    assert response.status_code == 200 and response.json["is_active"] is False
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    client.patch(f"{USERS}/{student.id}", json={"is_active": True}, headers=as_manager)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200


# --- the last active manager -----------------------------------------------------------------


@pytest.mark.parametrize("change", [{"is_active": False}, {"role": "facilitator"}])
def test_the_last_active_manager_cannot_lock_themselves_out(
    client, as_manager, manager, create_user, change
):
    create_user("manager", is_active=False)  # an inactive manager does not count

    response = client.patch(f"{USERS}/{manager.id}", json=change, headers=as_manager)

    assert response.status_code == 409
    assert "last active manager" in response.json["message"]
    assert client.get("/api/v1/auth/me", headers=as_manager).json["role"] == "manager"


def test_with_another_manager_one_may_step_down(client, as_manager, manager, create_user):
    create_user("manager")

    response = client.patch(f"{USERS}/{manager.id}", json={"is_active": False}, headers=as_manager)

    assert response.status_code == 200


def test_two_managers_stepping_down_at_once_leave_one(
    app, manager, create_user, auth_headers, run_sql
):
    other = create_user("manager")
    barrier = threading.Barrier(2)
    statuses = []

    def step_down(person):
        headers = auth_headers(person)
        with app.test_client() as own_client:
            barrier.wait()
            response = own_client.patch(
                f"{USERS}/{person.id}", json={"is_active": False}, headers=headers
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=step_down, args=(p,)) for p in (manager, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    assert run_sql("SELECT COUNT(*) FROM users WHERE role = 'manager' AND is_active") == [(1,)]


def test_a_deactivated_facilitators_offerings_show_up_as_unstaffed(
    client, as_manager, create_user, create_offering
):
    leaving = create_user("facilitator")
    staying = create_user("facilitator")
    theirs = create_offering(facilitator_id=leaving.id)
    create_offering(facilitator_id=staying.id)
    nobodys = create_offering()
    create_offering(year=2027, start_date="2027-01-04", end_date="2027-04-02")  # another year

    client.patch(f"{USERS}/{leaving.id}", json={"is_active": False}, headers=as_manager)
    response = client.get(
        f"{ADMIN}/unstaffed-offerings", query_string={"year": 2026}, headers=as_manager
    )

    assert response.status_code == 200
    assert sorted(o["id"] for o in response.json) == sorted([theirs["id"], nobodys["id"]])
