"""Course offerings: creation rules, allocation to facilitators, listing, visibility, deletion."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

OFFERINGS = "/api/v1/course-offerings"


def assert_envelope(response, code: int) -> dict:
    assert response.status_code == code, response.json
    assert set(response.json) <= {"code", "status", "message", "errors"}
    assert response.json["code"] == code and response.json["message"]
    return response.json


def invalid_fields(response, location: str = "json") -> set:
    return set(assert_envelope(response, 422)["errors"][location])


# --- creation --------------------------------------------------------------------------------


def test_manager_creates_an_offering_with_everything_embedded(
    client, as_manager, offering_body, create_user
):
    facilitator = create_user("facilitator", first_name="Ada", last_name="King")
    body = offering_body(facilitator_id=facilitator.id)

    response = client.post(OFFERINGS, json=body, headers=as_manager)

    assert response.status_code == 201
    offering = response.json
    assert offering | body == offering
    assert offering["module"]["id"] == body["module_id"] and offering["module"]["code"]
    assert offering["class"]["id"] == body["class_id"]
    assert offering["cohort"]["id"] == body["cohort_id"]
    assert offering["mode"]["code"] == "online"
    assert offering["facilitator"] == {
        "id": facilitator.id, "first_name": "Ada", "last_name": "King", "email": facilitator.email
    }  # fmt: skip
    assert (offering["is_active"], offering["enrolled_count"]) == (True, 0)
    assert client.get(f"{OFFERINGS}/{offering['id']}", headers=as_manager).json == offering


def test_an_offering_without_a_facilitator_is_unassigned(create_offering):
    offering = create_offering()

    assert offering["facilitator_id"] is None and offering["facilitator"] is None


@pytest.mark.parametrize(
    ("start", "end", "weeks"),
    [("2026-01-05", "2026-04-03", 13), ("2026-01-05", "2026-01-11", 1),
     ("2026-01-05", "2026-01-12", 2)],
)  # fmt: skip
def test_weeks_are_derived_from_the_dates(create_offering, start, end, weeks):
    assert create_offering(start_date=start, end_date=end)["weeks"] == weeks


def test_weeks_follow_a_change_of_dates(client, as_manager, create_offering):
    offering = create_offering(start_date="2026-01-05", end_date="2026-04-03")

    response = client.patch(
        f"{OFFERINGS}/{offering['id']}", json={"end_date": "2026-02-01"}, headers=as_manager
    )

    assert (response.status_code, response.json["weeks"]) == (200, 4)


def test_the_same_natural_key_twice_is_a_409_naming_the_existing_offering(
    client, as_manager, offering_body
):
    body = offering_body()
    first = client.post(OFFERINGS, json=body, headers=as_manager).json

    response = client.post(
        OFFERINGS, json=body | {"start_date": "2026-01-12", "max_students": 5}, headers=as_manager
    )

    error = assert_envelope(response, 409)
    assert error["errors"] == {"existing_offering_id": first["id"]}
    assert str(first["id"]) in error["message"]
    assert len(client.get(OFFERINGS, headers=as_manager).json) == 1


@pytest.mark.parametrize(
    "change", [{"trimester": 2}, {"year": 2027}, {"intake": "FT"}], ids=lambda c: next(iter(c))
)
def test_a_different_period_is_a_different_offering(client, as_manager, offering_body, change):
    body = offering_body()
    client.post(OFFERINGS, json=body, headers=as_manager)

    assert client.post(OFFERINGS, json=body | change, headers=as_manager).status_code == 201


def test_changing_an_offering_onto_another_ones_key_is_a_409_naming_that_one(
    client, as_manager, offering_body
):
    body = offering_body()
    existing = client.post(OFFERINGS, json=body, headers=as_manager).json
    other = client.post(OFFERINGS, json=body | {"intake": "HT2"}, headers=as_manager).json

    response = client.patch(
        f"{OFFERINGS}/{other['id']}", json={"intake": "HT1"}, headers=as_manager
    )

    assert assert_envelope(response, 409)["errors"] == {"existing_offering_id": existing["id"]}
    assert client.get(f"{OFFERINGS}/{other['id']}", headers=as_manager).json["intake"] == "HT2"


@pytest.mark.parametrize(
    ("start", "end"), [("2026-04-03", "2026-01-05"), ("2026-01-05", "2026-01-05")]
)
def test_end_date_must_come_after_start_date(client, as_manager, offering_body, start, end):
    response = client.post(
        OFFERINGS, json=offering_body(start_date=start, end_date=end), headers=as_manager
    )

    assert invalid_fields(response) == {"end_date"}


def test_a_change_of_one_date_is_checked_against_the_other(client, as_manager, create_offering):
    offering = create_offering(start_date="2026-01-05", end_date="2026-04-03")
    url = f"{OFFERINGS}/{offering['id']}"

    moved_start = client.patch(url, json={"start_date": "2026-05-01"}, headers=as_manager)
    moved_end = client.patch(url, json={"end_date": "2025-12-01"}, headers=as_manager)

    assert invalid_fields(moved_start) == {"end_date"}
    assert invalid_fields(moved_end) == {"end_date"}
    assert client.get(url, headers=as_manager).json["start_date"] == "2026-01-05"


def test_unknown_catalogue_ids_are_422s_naming_each_field(client, as_manager, offering_body):
    body = offering_body(module_id=999001, class_id=999002, cohort_id=999003, mode_id=999004)

    response = client.post(OFFERINGS, json=body, headers=as_manager)

    errors = assert_envelope(response, 422)["errors"]["json"]
    assert set(errors) == {"module_id", "class_id", "cohort_id", "mode_id"}
    assert errors["module_id"] == ["No entry with id 999001."]


def test_changing_to_an_unknown_module_is_a_422(client, as_manager, create_offering):
    offering = create_offering()

    response = client.patch(
        f"{OFFERINGS}/{offering['id']}", json={"module_id": 999001}, headers=as_manager
    )

    assert invalid_fields(response) == {"module_id"}


@pytest.mark.parametrize("who", ["student", "manager", "inactive facilitator", "nobody"])
def test_only_an_active_facilitator_can_be_allocated(
    client, as_manager, offering_body, create_user, who
):
    person_id = {
        "student": lambda: create_user("student").id,
        "manager": lambda: create_user("manager").id,
        "inactive facilitator": lambda: create_user("facilitator", is_active=False).id,
        "nobody": lambda: 999999,
    }[who]()

    response = client.post(
        OFFERINGS, json=offering_body(facilitator_id=person_id), headers=as_manager
    )

    errors = assert_envelope(response, 422)["errors"]["json"]
    assert errors == {"facilitator_id": ["Not an active facilitator account."]}
    assert client.get(OFFERINGS, headers=as_manager).json == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("module_id", "1"), ("module_id", 1.5), ("module_id", [1]), ("module_id", 0),
        ("module_id", None), ("facilitator_id", "7"), ("facilitator_id", -3),
        ("trimester", "1"), ("trimester", 1.0), ("trimester", True), ("trimester", 0),
        ("trimester", 4), ("year", "2026"), ("year", 1999), ("year", 2101),
        ("intake", ""), ("intake", "XX"), ("intake", ["HT1"]), ("intake", 1),
        ("start_date", ""), ("start_date", "2026-02-30"), ("start_date", "05/01/2026"),
        ("start_date", 20260105), ("end_date", None),
        ("max_students", 0), ("max_students", 501), ("max_students", "30"),
        ("max_students", 30.5), ("is_active", [True]), ("is_active", "sometimes"),
        ("enrolled_count", 3), ("weeks", 12),
    ],
)  # fmt: skip
def test_bad_values_are_422s_naming_the_field(client, as_manager, offering_body, field, value):
    response = client.post(OFFERINGS, json=offering_body(**{field: value}), headers=as_manager)

    assert field in invalid_fields(response)
    assert client.get(OFFERINGS, headers=as_manager).json == []


def test_missing_required_fields_are_all_named(client, as_manager):
    response = client.post(OFFERINGS, json={"max_students": 10}, headers=as_manager)

    assert invalid_fields(response) == {
        "module_id", "class_id", "cohort_id", "mode_id", "trimester", "year", "intake",
        "start_date", "end_date",
    }  # fmt: skip


@pytest.mark.parametrize("body", [[], "offering", 3, None])
def test_a_body_that_is_not_an_object_is_a_422(client, as_manager, body):
    assert_envelope(client.post(OFFERINGS, json=body, headers=as_manager), 422)


@pytest.mark.parametrize(
    "change", [{"trimester": "2"}, {"max_students": 0}, {"intake": ""}, {"module_id": None}]
)
def test_bad_changes_are_422s_and_change_nothing(client, as_manager, create_offering, change):
    offering = create_offering()
    url = f"{OFFERINGS}/{offering['id']}"

    response = client.patch(url, json=change, headers=as_manager)

    assert invalid_fields(response) == set(change)
    assert client.get(url, headers=as_manager).json == offering


def test_capacity_cannot_drop_below_the_enrolled_count(
    client, as_manager, create_offering, create_user, enrol
):
    offering = create_offering(max_students=5)
    enrol(offering["id"], create_user(), create_user())
    url = f"{OFFERINGS}/{offering['id']}"

    too_small = client.patch(url, json={"max_students": 1}, headers=as_manager)
    just_enough = client.patch(url, json={"max_students": 2}, headers=as_manager)

    assert invalid_fields(too_small) == {"max_students"}
    assert (just_enough.status_code, just_enough.json["enrolled_count"]) == (200, 2)


def test_missing_offering_is_a_404(client, as_manager):
    for response in (
        client.get(f"{OFFERINGS}/999999", headers=as_manager),
        client.patch(f"{OFFERINGS}/999999", json={"max_students": 3}, headers=as_manager),
        client.delete(f"{OFFERINGS}/999999", headers=as_manager),
        client.get(f"{OFFERINGS}/999999/assignments", headers=as_manager),
    ):
        assert assert_envelope(response, 404)["message"] == "No such course offering."


# --- allocation ------------------------------------------------------------------------------


def history(client, headers, offering_id) -> list[tuple]:
    response = client.get(f"{OFFERINGS}/{offering_id}/assignments", headers=headers)
    assert response.status_code == 200
    return [
        (change["previous_facilitator_id"], change["facilitator_id"], change["changed_by_id"])
        for change in response.json
    ]


def test_assign_reassign_and_unassign_are_each_recorded_with_who(
    client, as_manager, manager, create_offering, create_user, auth_headers
):
    first, second = create_user("facilitator"), create_user("facilitator")
    other_manager = create_user("manager")
    offering = create_offering(facilitator_id=first.id)
    url = f"{OFFERINGS}/{offering['id']}"

    reassigned = client.patch(url, json={"facilitator_id": second.id}, headers=as_manager)
    unassigned = client.patch(
        url, json={"facilitator_id": None}, headers=auth_headers(other_manager)
    )

    assert reassigned.json["facilitator"]["id"] == second.id
    assert (unassigned.json["facilitator_id"], unassigned.json["facilitator"]) == (None, None)
    assert history(client, as_manager, offering["id"]) == [
        (None, first.id, manager.id),
        (first.id, second.id, manager.id),
        (second.id, None, other_manager.id),
    ]


def test_each_change_records_when_it_happened(client, as_manager, create_offering, create_user):
    before = datetime.now().astimezone()
    offering = create_offering(facilitator_id=create_user("facilitator").id)

    response = client.get(f"{OFFERINGS}/{offering['id']}/assignments", headers=as_manager)

    changed_at = datetime.fromisoformat(response.json[0]["changed_at"])
    assert changed_at.utcoffset() is not None
    assert abs((changed_at - before).total_seconds()) < 60


def test_changes_that_keep_the_facilitator_are_not_recorded(
    client, as_manager, create_offering, create_user
):
    facilitator = create_user("facilitator")
    offering = create_offering(facilitator_id=facilitator.id)
    url = f"{OFFERINGS}/{offering['id']}"

    client.patch(url, json={"facilitator_id": facilitator.id}, headers=as_manager)
    client.patch(url, json={"max_students": 12}, headers=as_manager)

    assert len(history(client, as_manager, offering["id"])) == 1


def test_an_offering_created_unassigned_has_no_history(client, as_manager, create_offering):
    assert history(client, as_manager, create_offering()["id"]) == []


def test_reassigning_to_an_inactive_facilitator_is_refused(
    client, as_manager, create_offering, create_user
):
    facilitator = create_user("facilitator")
    offering = create_offering(facilitator_id=facilitator.id)
    gone = create_user("facilitator", is_active=False)

    response = client.patch(
        f"{OFFERINGS}/{offering['id']}", json={"facilitator_id": gone.id}, headers=as_manager
    )

    assert invalid_fields(response) == {"facilitator_id"}
    assert len(history(client, as_manager, offering["id"])) == 1


# --- deletion --------------------------------------------------------------------------------


def test_an_offering_nobody_is_enrolled_in_is_deleted(
    client, as_manager, create_offering, create_user
):
    offering = create_offering(facilitator_id=create_user("facilitator").id)

    response = client.delete(f"{OFFERINGS}/{offering['id']}", headers=as_manager)

    assert response.status_code == 204
    assert client.get(f"{OFFERINGS}/{offering['id']}", headers=as_manager).status_code == 404


def test_an_offering_with_enrolments_is_archived_instead(
    client, as_manager, create_offering, create_user, enrol
):
    offering = create_offering()
    enrol(offering["id"], create_user())

    response = client.delete(f"{OFFERINGS}/{offering['id']}", headers=as_manager)

    assert response.status_code == 200
    assert (response.json["id"], response.json["is_active"]) == (offering["id"], False)
    assert response.json["enrolled_count"] == 1
    archived = client.get(OFFERINGS, query_string={"is_active": "false"}, headers=as_manager)
    assert [item["id"] for item in archived.json] == [offering["id"]]


# --- listing ---------------------------------------------------------------------------------


@pytest.fixture
def spread(client, as_manager, create_entry, offering_body, create_user):
    """Three offerings that differ in every filterable way, and their two facilitators."""
    modes = {
        mode["code"]: mode["id"] for mode in client.get("/api/v1/modes", headers=as_manager).json
    }
    first, second = create_user("facilitator"), create_user("facilitator")
    specs = {
        "a": dict(code="CS101", trimester=1, year=2026, intake="HT1", start_date="2026-01-05",
                  end_date="2026-04-03", facilitator_id=first.id, mode_id=modes["online"]),
        "b": dict(code="AR100", trimester=2, year=2026, intake="HT2", start_date="2026-05-04",
                  end_date="2026-08-01", facilitator_id=None, mode_id=modes["in_person"]),
        "c": dict(code="ZO300", trimester=3, year=2025, intake="FT", start_date="2025-09-01",
                  end_date="2025-12-12", facilitator_id=second.id, mode_id=modes["hybrid"],
                  is_active=False),
    }  # fmt: skip
    made = {}
    for name, spec in specs.items():
        module = create_entry("modules", code=spec.pop("code"))
        body = offering_body(**spec) | {"module_id": module["id"]}
        made[name] = client.post(OFFERINGS, json=body, headers=as_manager).json
    made["facilitators"] = (first, second)
    return made


def listed(client, headers, **query) -> list[str]:
    response = client.get(OFFERINGS, query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return [item["module"]["code"] for item in response.json]


A, B, C = "CS101", "AR100", "ZO300"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda s: {}, [C, A, B]),
        (lambda s: {"trimester": 2}, [B]),
        (lambda s: {"year": 2025}, [C]),
        (lambda s: {"intake": "HT1"}, [A]),
        (lambda s: {"module_id": s["b"]["module_id"]}, [B]),
        (lambda s: {"class_id": s["c"]["class_id"]}, [C]),
        (lambda s: {"cohort_id": s["a"]["cohort_id"]}, [A]),
        (lambda s: {"mode_id": s["b"]["mode_id"]}, [B]),
        (lambda s: {"facilitator_id": s["facilitators"][1].id}, [C]),
        (lambda s: {"is_active": "true"}, [A, B]),
        (lambda s: {"is_active": "false"}, [C]),
        (lambda s: {"unassigned": "true"}, [B]),
        (lambda s: {"unassigned": "false"}, [C, A]),
        (lambda s: {"active_on": "2026-02-01"}, [A]),
        (lambda s: {"active_on": "2026-04-03"}, [A]),
        (lambda s: {"active_on": "2026-04-04"}, []),
        (lambda s: {"year": 2026, "unassigned": "false"}, [A]),
        (lambda s: {"sort": "-start_date"}, [B, A, C]),
        (lambda s: {"sort": "module_code"}, [B, A, C]),
        (lambda s: {"sort": "-module_code"}, [C, A, B]),
        (lambda s: {"sort": "start_date", "trimester": 3}, [C]),
    ],
    ids=[
        "all-by-start", "trimester", "year", "intake", "module", "class", "cohort", "mode",
        "facilitator", "active", "archived", "unassigned", "assigned", "active-on",
        "active-on-last-day", "active-on-after-end", "combined", "newest-first",
        "module-code", "module-code-desc", "sort-and-filter",
    ],
)  # fmt: skip
def test_list_filters_and_sorting(client, as_manager, spread, query, expected):
    assert listed(client, as_manager, **query(spread)) == expected


def test_list_items_embed_their_catalogue_and_facilitator(client, as_manager, spread):
    items = {item["id"]: item for item in client.get(OFFERINGS, headers=as_manager).json}

    assert (
        items[spread["a"]["id"]]
        == client.get(f"{OFFERINGS}/{spread['a']['id']}", headers=as_manager).json
    )
    assert items[spread["a"]["id"]]["facilitator"]["id"] == spread["facilitators"][0].id
    assert {item["class"]["name"] for item in items.values()} == {
        spread[name]["class"]["name"] for name in "abc"
    }


def test_offering_lists_are_paginated(client, as_manager, spread):
    response = client.get(OFFERINGS, query_string={"page": 2, "page_size": 2}, headers=as_manager)

    assert [item["module"]["code"] for item in response.json] == [B]
    pagination = json.loads(response.headers["X-Pagination"])
    assert (pagination["total"], pagination["total_pages"], pagination["page"]) == (3, 2, 2)


@pytest.mark.parametrize(
    "query",
    [
        {"trimester": 7}, {"trimester": "one"}, {"year": 1850}, {"intake": "XX"},
        {"intake": ""}, {"sort": "bogus"}, {"sort": "name"}, {"is_active": "maybe"},
        {"unassigned": "perhaps"}, {"active_on": "2026-13-01"}, {"active_on": "tomorrow"},
        {"module_id": "abc"}, {"facilitator_id": 0}, {"cohort_id": 2.5},
        {"page": 0}, {"page_size": 500},
    ],
    ids=lambda q: "=".join(map(str, next(iter(q.items())))),
)  # fmt: skip
def test_unknown_filter_values_are_422s_naming_the_parameter(client, as_manager, query):
    response = client.get(OFFERINGS, query_string=query, headers=as_manager)

    assert invalid_fields(response, "query") == set(query)


# --- who sees what ---------------------------------------------------------------------------


def test_a_facilitator_sees_only_offerings_allocated_to_them(client, auth_headers, spread):
    first, second = spread["facilitators"]
    headers = auth_headers(first)

    assert listed(client, headers) == [A]
    assert listed(client, headers, facilitator_id=second.id) == []
    assert listed(client, headers, unassigned="true") == []
    assert client.get(f"{OFFERINGS}/{spread['a']['id']}", headers=headers).status_code == 200


@pytest.mark.parametrize("name", ["b", "c"])
def test_someone_elses_offering_looks_missing_to_a_facilitator(client, auth_headers, spread, name):
    response = client.get(
        f"{OFFERINGS}/{spread[name]['id']}", headers=auth_headers(spread["facilitators"][0])
    )

    assert assert_envelope(response, 404)["message"] == "No such course offering."


def test_reassignment_moves_visibility_to_the_new_facilitator(
    client, as_manager, auth_headers, spread
):
    first, second = spread["facilitators"]

    client.patch(
        f"{OFFERINGS}/{spread['a']['id']}", json={"facilitator_id": second.id}, headers=as_manager
    )

    assert listed(client, auth_headers(first)) == []
    assert listed(client, auth_headers(second)) == [C, A]


def test_a_student_sees_only_offerings_they_are_enrolled_in(
    client, auth_headers, spread, create_user, enrol
):
    student, bystander = create_user(), create_user()
    enrol(spread["b"]["id"], student)

    assert listed(client, auth_headers(student)) == [B]
    assert listed(client, auth_headers(bystander)) == []
    own = client.get(f"{OFFERINGS}/{spread['b']['id']}", headers=auth_headers(student))
    other = client.get(f"{OFFERINGS}/{spread['a']['id']}", headers=auth_headers(student))
    assert (own.status_code, other.status_code) == (200, 404)


# --- calendars and edge values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"start_date": "9999-12-20", "end_date": "9999-12-31"}, "start_date"),
        ({"start_date": "2026-01-05", "end_date": "2027-06-30"}, "end_date"),
        ({"start_date": "2024-01-01", "end_date": "2024-03-01"}, "start_date"),
    ],
    ids=["far future", "longer than a year", "years before its year"],
)
def test_offering_calendars_must_be_plausible(client, as_manager, offering_body, dates, field):
    response = client.post(OFFERINGS, json=offering_body(**dates), headers=as_manager)

    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == [field]


def test_a_page_far_past_the_end_is_empty_not_an_error(client, as_manager, create_offering):
    create_offering()

    response = client.get(OFFERINGS, query_string={"page": 10**20}, headers=as_manager)

    assert response.status_code == 200
    assert response.json == []
    assert json.loads(response.headers["X-Pagination"])["total"] == 1


def test_descriptions_refuse_hidden_control_characters(client, as_manager):
    body = {"code": "CS999", "name": "Hidden", "credits": 5, "description": "a\u202eb\x00"}

    response = client.post("/api/v1/modules", json=body, headers=as_manager)
    multi_line = client.post(
        "/api/v1/modules", json=body | {"description": "line one\nline two\ttab"},
        headers=as_manager,
    )  # fmt: skip

    assert response.status_code == 422
    assert response.json["errors"]["json"]["description"] == ["May not contain control characters."]
    assert multi_line.status_code == 201


def test_simultaneous_reassignments_leave_an_unbroken_history(
    app, client, as_manager, create_offering, create_user
):
    offering = create_offering(facilitator_id=create_user("facilitator").id)
    candidates = [create_user("facilitator").id for _ in range(5)]

    def reassign(facilitator_id):
        return app.test_client().patch(
            f"{OFFERINGS}/{offering['id']}", json={"facilitator_id": facilitator_id},
            headers=as_manager,
        ).status_code  # fmt: skip

    with ThreadPoolExecutor(max_workers=5) as pool:
        assert set(pool.map(reassign, candidates)) == {200}

    history = client.get(f"{OFFERINGS}/{offering['id']}/assignments", headers=as_manager).json
    chain = [(change["previous_facilitator_id"], change["facilitator_id"]) for change in history]
    assert len(chain) == 6
    assert all(chain[i][1] == chain[i + 1][0] for i in range(len(chain) - 1)), chain
    final = client.get(f"{OFFERINGS}/{offering['id']}", headers=as_manager).json
    assert final["facilitator_id"] == chain[-1][1]
