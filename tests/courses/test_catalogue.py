"""Modules, cohorts, classes and delivery modes: read by anyone signed in, written by managers."""

import json

import pytest

API = "/api/v1"
RESOURCES = ("modules", "cohorts", "classes", "modes")


def assert_envelope(response, code: int) -> dict:
    assert response.status_code == code, response.json
    assert set(response.json) <= {"code", "status", "message", "errors"}
    assert response.json["code"] == code and response.json["message"]
    return response.json


def test_manager_creates_a_module_with_an_upper_case_code(client, as_manager):
    response = client.post(
        f"{API}/modules",
        json={"code": " cs101 ", "name": "Intro to CS", "credits": 15, "description": None},
        headers=as_manager,
    )

    assert response.status_code == 201
    assert response.json["code"] == "CS101"
    assert response.json["credits"] == 15
    fetched = client.get(f"{API}/modules/{response.json['id']}", headers=as_manager)
    assert fetched.json["name"] == "Intro to CS"


def test_cohorts_classes_and_modes_are_created_and_read_back(client, as_manager):
    bodies = {
        "cohorts": {"name": "Cohort 7", "description": "Evening"},
        "classes": {"name": "2025J"},
        "modes": {"code": "blended", "name": "Blended"},
    }
    for resource, body in bodies.items():
        created = client.post(f"{API}/{resource}", json=body, headers=as_manager)
        assert created.status_code == 201, resource
        fetched = client.get(f"{API}/{resource}/{created.json['id']}", headers=as_manager)
        assert fetched.json | body == fetched.json


def test_the_three_standard_modes_exist(client, as_manager):
    response = client.get(f"{API}/modes", headers=as_manager)

    assert {"online", "in_person", "hybrid"} <= {mode["code"] for mode in response.json}


def test_search_matches_code_or_name_ignoring_case(client, as_manager, create_entry):
    create_entry("modules", code="CS101", name="Programming")
    create_entry("modules", code="MA201", name="Discrete maths for cs")
    create_entry("modules", code="BIO1", name="Cells")

    response = client.get(f"{API}/modules", query_string={"q": "cs"}, headers=as_manager)

    assert [module["code"] for module in response.json] == ["CS101", "MA201"]


def test_search_treats_wildcards_literally(client, as_manager, create_entry):
    create_entry("cohorts", name="Cohort 100%")
    create_entry("cohorts", name="Cohort 1000")

    response = client.get(f"{API}/cohorts", query_string={"q": "0%"}, headers=as_manager)

    assert [cohort["name"] for cohort in response.json] == ["Cohort 100%"]


def test_lists_are_paginated_with_an_x_pagination_header(client, as_manager, create_entry):
    for number in range(5):
        create_entry("classes", name=f"2025J{number}")

    response = client.get(
        f"{API}/classes", query_string={"page": 2, "page_size": 2}, headers=as_manager
    )

    assert [entry["name"] for entry in response.json] == ["2025J2", "2025J3"]
    pagination = json.loads(response.headers["X-Pagination"])
    assert (pagination["total"], pagination["total_pages"], pagination["page"]) == (5, 3, 2)


@pytest.mark.parametrize(
    "query",
    [{"page": 0}, {"page_size": 101}, {"page_size": "ten"}, {"q": ""}],
    ids=["page-0", "page-size-101", "page-size-text", "empty-q"],
)
def test_bad_list_parameters_are_422(client, as_manager, query):
    assert_envelope(client.get(f"{API}/modules", query_string=query, headers=as_manager), 422)


def test_manager_patches_only_what_is_sent(client, as_manager, create_entry):
    module = create_entry("modules", code="CS101", name="Old", credits=10)

    response = client.patch(
        f"{API}/modules/{module['id']}", json={"name": "New", "code": "cs102"}, headers=as_manager
    )

    assert response.status_code == 200
    assert (response.json["code"], response.json["name"], response.json["credits"]) == (
        "CS102",
        "New",
        10,
    )


@pytest.mark.parametrize(
    ("resource", "field", "first", "second"),
    [
        ("modules", "code", "CS101", "cs101"),
        ("cohorts", "name", "Cohort A", "Cohort A"),
        ("classes", "name", "2025J", "2025J"),
        ("modes", "code", "blended", "blended"),
    ],
)
def test_a_taken_code_or_name_is_a_409_naming_the_field(
    client, as_manager, create_entry, resource, field, first, second
):
    create_entry(resource, **{field: first})
    body = {"modules": {"name": "X", "credits": 5}, "modes": {"name": "X"}}.get(resource, {})

    response = client.post(f"{API}/{resource}", json=body | {field: second}, headers=as_manager)

    error = assert_envelope(response, 409)
    assert list(error["errors"]) == [field]


def test_renaming_onto_a_taken_name_is_a_409_and_changes_nothing(client, as_manager, create_entry):
    create_entry("cohorts", name="Cohort A")
    other = create_entry("cohorts", name="Cohort B")

    response = client.patch(
        f"{API}/cohorts/{other['id']}", json={"name": "Cohort A"}, headers=as_manager
    )

    assert assert_envelope(response, 409)["errors"] == {"name": ["Already taken."]}
    assert client.get(f"{API}/cohorts/{other['id']}", headers=as_manager).json["name"] == (
        "Cohort B"
    )


@pytest.mark.parametrize(
    ("body", "bad_field"),
    [
        ({"code": "CS101", "name": "M", "credits": 0}, "credits"),
        ({"code": "CS101", "name": "M", "credits": 61}, "credits"),
        ({"code": "CS101", "name": "M", "credits": "15"}, "credits"),
        ({"code": "CS101", "name": "M", "credits": 7.5}, "credits"),
        ({"code": "CS101", "name": "M", "credits": [15]}, "credits"),
        ({"code": "CS101", "name": "M", "credits": True}, "credits"),
        ({"code": "", "name": "M", "credits": 15}, "code"),
        ({"code": "CS 101", "name": "M", "credits": 15}, "code"),
        ({"code": "C" * 21, "name": "M", "credits": 15}, "code"),
        ({"code": "CS101", "name": "   ", "credits": 15}, "name"),
        ({"code": "CS101", "name": 42, "credits": 15}, "name"),
        ({"name": "M", "credits": 15}, "code"),
        ({"code": "CS101", "name": "M", "credits": 15, "id": 9}, "id"),
        ({"code": "CS101", "name": "M", "credits": 15, "level": 3}, "level"),
    ],
)
def test_invalid_module_is_a_422_naming_the_field(client, as_manager, body, bad_field):
    response = client.post(f"{API}/modules", json=body, headers=as_manager)

    assert list(assert_envelope(response, 422)["errors"]["json"]) == [bad_field]
    assert client.get(f"{API}/modules", headers=as_manager).json == []


@pytest.mark.parametrize(
    ("resource", "body", "bad_field"),
    [
        ("cohorts", {"name": ""}, "name"),
        ("classes", {"name": "2025 J"}, "name"),
        ("modes", {"code": "Online Plus", "name": "X"}, "code"),
        ("modes", {"code": "remote", "name": ["Remote"]}, "name"),
    ],
)
def test_invalid_reference_entries_are_422(client, as_manager, resource, body, bad_field):
    response = client.post(f"{API}/{resource}", json=body, headers=as_manager)

    assert list(assert_envelope(response, 422)["errors"]["json"]) == [bad_field]


@pytest.mark.parametrize("body", [[], "CS101", 42, None])
def test_a_body_that_is_not_an_object_is_a_422(client, as_manager, body):
    assert_envelope(client.post(f"{API}/modules", json=body, headers=as_manager), 422)


def test_patch_validates_like_create(client, as_manager, create_entry):
    module = create_entry("modules", credits=10)

    response = client.patch(
        f"{API}/modules/{module['id']}", json={"credits": 99, "name": ""}, headers=as_manager
    )

    assert set(assert_envelope(response, 422)["errors"]["json"]) == {"credits", "name"}
    assert client.get(f"{API}/modules/{module['id']}", headers=as_manager).json["credits"] == 10


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ("modules", "No such module."),
        ("cohorts", "No such cohort."),
        ("classes", "No such class."),
        ("modes", "No such delivery mode."),
    ],
)
def test_missing_entries_are_404_for_read_change_and_delete(client, as_manager, resource, message):
    url = f"{API}/{resource}/999999"

    for response in (
        client.get(url, headers=as_manager),
        client.patch(url, json={"description": "x"}, headers=as_manager),
        client.delete(url, headers=as_manager),
    ):
        assert assert_envelope(response, 404)["message"] == message


@pytest.mark.parametrize("resource", RESOURCES)
def test_an_unused_entry_is_deleted(client, as_manager, create_entry, resource):
    entry = create_entry(resource)

    response = client.delete(f"{API}/{resource}/{entry['id']}", headers=as_manager)

    assert response.status_code == 204
    assert client.get(f"{API}/{resource}/{entry['id']}", headers=as_manager).status_code == 404


@pytest.mark.parametrize(
    ("resource", "field"),
    [("modules", "module_id"), ("cohorts", "cohort_id"), ("classes", "class_id"),
     ("modes", "mode_id")],
)  # fmt: skip
def test_deleting_an_entry_an_offering_uses_is_a_409_naming_the_offering(
    client, as_manager, create_entry, create_offering, resource, field
):
    mode = create_entry("modes", code="blended", name="Blended")
    offering = create_offering(mode_id=mode["id"])
    entry_id = offering[field]

    response = client.delete(f"{API}/{resource}/{entry_id}", headers=as_manager)

    error = assert_envelope(response, 409)
    assert error["errors"] == {"course_offering_ids": [offering["id"]]}
    assert "1 course offering" in error["message"]
    assert client.get(f"{API}/{resource}/{entry_id}", headers=as_manager).status_code == 200


def test_conflict_message_names_the_module_code(client, as_manager, create_offering):
    offering = create_offering()

    response = client.delete(f"{API}/modules/{offering['module_id']}", headers=as_manager)

    assert response.json["message"].startswith(offering["module"]["code"])
