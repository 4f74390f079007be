"""A facilitator's load: allocations past their maximum in a trimester, or into days they
cannot teach, are refused (in the caller's language) unless a manager overrides, which the
audit trail records; concurrent allocations cannot together go past the maximum."""

from concurrent.futures import ThreadPoolExecutor

import pytest

OFFERINGS = "/api/v1/course-offerings"
USERS = "/api/v1/admin/users"
T2_2027 = {"trimester": 2, "year": 2027, "start_date": "2027-05-03", "end_date": "2027-07-30"}
OVERRIDE_HINT = 'A manager may allocate anyway with "override_load": true.'


@pytest.fixture
def allocate(client, as_manager, offering_body):
    """`allocate(facilitator, **fields)` → the response to creating an offering for them."""

    def post(person, headers=as_manager, **fields):
        body = offering_body(facilitator_id=person.id, **(T2_2027 | fields))
        return client.post(OFFERINGS, json=body, headers=headers)

    return post


@pytest.fixture
def set_maximum(client, as_manager):
    def patch(person, maximum):
        body = {"max_offerings_per_trimester": maximum}
        response = client.patch(f"{USERS}/{person.id}", json=body, headers=as_manager)
        assert response.status_code == 200, response.json
        assert response.json["profile"]["max_offerings_per_trimester"] == maximum

    return patch


def test_the_fifth_offering_of_a_trimester_is_refused_naming_the_load(allocate, create_user):
    facilitator = create_user("facilitator")
    for _ in range(4):  # FACILITATOR_MAX_OFFERINGS
        assert allocate(facilitator).status_code == 201

    response = allocate(facilitator)

    assert response.status_code == 409
    assert response.json["message"] == (
        f"Already 4 of 4 offerings in trimester 2 of 2027. {OVERRIDE_HINT}"
    )
    assert response.json["errors"] == {
        "load": {"offerings": 4, "maximum": 4, "trimester": 2, "year": 2027}
    }


def test_the_refusal_is_in_french_for_a_french_caller(
    allocate, create_user, set_maximum, as_manager
):
    facilitator = create_user("facilitator")
    set_maximum(facilitator, 1)
    allocate(facilitator)

    response = allocate(facilitator, headers=as_manager | {"Accept-Language": "fr"})

    assert response.status_code == 409
    assert response.json["message"] == (
        "Offres au trimestre 2 de 2027\u00a0: déjà 1 sur 1. Un responsable peut l\u2019attribuer "
        'malgré tout avec "override_load"\u00a0: true.'
    )


def test_other_trimesters_and_cancelled_offerings_leave_room(
    client, as_manager, allocate, create_user, set_maximum
):
    facilitator = create_user("facilitator")
    set_maximum(facilitator, 1)
    first = allocate(facilitator).json
    assert allocate(facilitator, trimester=3, start_date="2027-09-06",
                    end_date="2027-12-03").status_code == 201  # fmt: skip
    assert allocate(facilitator).status_code == 409

    cancel = {"status": "cancelled"}
    client.patch(f"{OFFERINGS}/{first['id']}", json=cancel, headers=as_manager)

    assert allocate(facilitator).status_code == 201


def test_reallocating_by_patch_is_refused_and_changes_nothing(
    client, as_manager, allocate, create_offering, create_user, set_maximum
):
    busy, free = create_user("facilitator"), create_user("facilitator")
    set_maximum(busy, 1)
    allocate(busy)
    offering = create_offering(facilitator_id=free.id, **T2_2027)

    response = client.patch(
        f"{OFFERINGS}/{offering['id']}", json={"facilitator_id": busy.id}, headers=as_manager
    )

    assert response.status_code == 409
    assert response.json["message"].startswith("Already 1 of 1 offerings in trimester 2 of 2027.")
    assert (
        client.get(f"{OFFERINGS}/{offering['id']}", headers=as_manager).json["facilitator_id"]
        == free.id
    )


def test_a_facilitator_at_their_maximum_keeps_their_own_offerings_editable(
    client, as_manager, allocate, create_user, set_maximum
):
    facilitator = create_user("facilitator")
    set_maximum(facilitator, 1)
    offering = allocate(facilitator).json

    response = client.patch(
        f"{OFFERINGS}/{offering['id']}", json={"max_students": 12, "end_date": "2027-07-23"},
        headers=as_manager,
    )  # fmt: skip

    assert response.status_code == 200, response.json


# --- unavailable periods ---------------------------------------------------------------------


@pytest.fixture
def unavailable(client, as_manager):
    def post(person, starts_on, ends_on, reason="Medical leave"):
        body = {"starts_on": starts_on, "ends_on": ends_on, "reason": reason}
        response = client.post(f"{USERS}/{person.id}/unavailability", json=body, headers=as_manager)
        assert response.status_code == 201, response.json
        return response.json

    return post


def test_an_allocation_into_a_period_they_cannot_teach_is_refused_naming_it(
    allocate, create_user, unavailable, as_manager
):
    facilitator = create_user("facilitator")
    unavailable(facilitator, "2027-07-26", "2027-08-06")

    english = allocate(facilitator)
    french = allocate(facilitator, headers=as_manager | {"Accept-Language": "fr"})

    assert english.status_code == french.status_code == 409
    assert english.json["message"] == f"Unavailable from 2027-07-26 to 2027-08-06. {OVERRIDE_HINT}"
    assert french.json["message"].startswith("Indisponible du 2027-07-26 au 2027-08-06.")
    assert english.json["errors"] == {
        "unavailable": [{"starts_on": "2027-07-26", "ends_on": "2027-08-06"}]
    }
    # The day after the offering ends is free.
    assert allocate(facilitator, end_date="2027-07-25").status_code == 201


def test_periods_and_their_reasons_are_for_managers_only(
    client, as_manager, auth_headers, create_user, unavailable
):
    facilitator = create_user("facilitator")
    period = unavailable(facilitator, "2027-01-04", "2027-01-15", reason="Surgery")
    url = f"{USERS}/{facilitator.id}/unavailability"

    listed = client.get(url, headers=as_manager).json
    detail = client.get(f"{USERS}/{facilitator.id}", headers=as_manager).json
    own = client.get("/api/v1/auth/me", headers=auth_headers(facilitator))

    assert [(p["starts_on"], p["ends_on"], p["reason"]) for p in listed] == [
        ("2027-01-04", "2027-01-15", "Surgery")
    ]
    assert detail["unavailable"] == listed
    assert "Surgery" not in own.get_data(as_text=True)
    assert client.get(url, headers=auth_headers(facilitator)).status_code == 403
    removed = client.delete(f"{url}/{period['id']}", headers=as_manager)
    assert removed.status_code == 204
    assert client.get(url, headers=as_manager).json == []


def test_a_period_must_end_after_it_starts_and_belong_to_a_facilitator(
    client, as_manager, create_user
):
    facilitator, student = create_user("facilitator"), create_user("student")
    backwards = {"starts_on": "2027-01-15", "ends_on": "2027-01-04"}

    refused = client.post(
        f"{USERS}/{facilitator.id}/unavailability", json=backwards, headers=as_manager
    )
    not_staff = client.post(
        f"{USERS}/{student.id}/unavailability",
        json={"starts_on": "2027-01-04", "ends_on": "2027-01-04"},
        headers=as_manager,
    )

    assert refused.status_code == 422 and set(refused.json["errors"]["json"]) == {"ends_on"}
    assert not_staff.status_code == 404


# --- the override ----------------------------------------------------------------------------


def test_a_manager_overrides_and_the_audit_trail_says_what_was_overridden(
    client, as_manager, allocate, create_user, set_maximum, unavailable
):
    facilitator = create_user("facilitator")
    set_maximum(facilitator, 1)
    allocate(facilitator)
    unavailable(facilitator, "2027-07-01", "2027-07-02")

    response = allocate(facilitator, override_load=True)

    assert response.status_code == 201, response.json
    assert "override_load" not in response.json
    events = client.get(
        "/api/v1/admin/audit-events",
        query_string={"entity_type": "course_offerings", "entity_id": response.json["id"]},
        headers=as_manager,
    ).json
    assert [event["action"] for event in events] == ["created"]
    assert events[0]["changes"]["override_load"] == [
        None,
        {
            "load": {"offerings": 1, "maximum": 1, "trimester": 2, "year": 2027},
            "unavailable": [{"starts_on": "2027-07-01", "ends_on": "2027-07-02"}],
        },
    ]


def test_an_override_with_nothing_to_override_leaves_no_mark(
    client, as_manager, allocate, create_user
):
    response = allocate(create_user("facilitator"), override_load=True)

    events = client.get(
        "/api/v1/admin/audit-events",
        query_string={"entity_type": "course_offerings", "entity_id": response.json["id"]},
        headers=as_manager,
    ).json
    assert response.status_code == 201 and "override_load" not in events[0]["changes"]


# --- at the same time ------------------------------------------------------------------------


def test_twenty_simultaneous_allocations_with_room_for_one_allocate_exactly_one(
    app, as_manager, allocate, create_offering, create_user, set_maximum, run_sql
):
    facilitator = create_user("facilitator")
    set_maximum(facilitator, 3)
    for _ in range(2):
        assert allocate(facilitator).status_code == 201
    waiting = [create_offering(**T2_2027)["id"] for _ in range(20)]

    def allocate_one(offering_id):
        body = {"facilitator_id": facilitator.id}
        response = app.test_client().patch(
            f"{OFFERINGS}/{offering_id}", json=body, headers=as_manager
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(allocate_one, waiting))

    assert sorted(statuses) == [200] + [409] * 19
    carried = run_sql(
        "SELECT COUNT(*) FROM course_offerings WHERE facilitator_id = :id", id=facilitator.id
    )
    assert carried == [(3,)]


@pytest.fixture
def after_the_term(time_machine):
    """An hour after the last week's log of T2_2027 fell due (before tokens are issued)."""
    time_machine.move_to("2027-08-02T08:00:00+00:00", tick=False)


@pytest.mark.usefixtures("after_the_term")
def test_completing_an_offering_of_a_facilitator_over_their_maximum_is_no_allocation(
    client, as_manager, allocate, create_user, set_maximum
):
    facilitator = create_user("facilitator")
    offerings = [allocate(facilitator).json for _ in range(2)]
    set_maximum(facilitator, 1)  # lowered since: over their maximum now

    response = client.patch(
        f"{OFFERINGS}/{offerings[0]['id']}", json={"status": "completed"}, headers=as_manager
    )

    assert response.status_code == 200, response.json
