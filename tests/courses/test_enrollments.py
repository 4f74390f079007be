from concurrent.futures import ThreadPoolExecutor

import pytest


@pytest.fixture
def offering(create_offering, manager):
    """`offering(max_students=…, facilitator=…)` → the id of a new offering."""

    def make(max_students=10, facilitator=None, is_active=True) -> int:
        facilitator_id = facilitator.id if facilitator else None
        return create_offering(
            max_students=max_students, facilitator_id=facilitator_id, is_active=is_active
        )["id"]

    make.manager = manager
    return make


def enrol_ids(client, headers, offering_id, *student_ids):
    """POST an enrolment of these ids (not asserted: the tests look at the answer)."""
    return client.post(
        f"/api/v1/course-offerings/{offering_id}/enrollments",
        json={"student_ids": list(student_ids)},
        headers=headers,
    )


def test_enrolling_several_students_reports_each(client, offering, create_user, auth_headers):
    offering_id = offering(max_students=2)
    first, second, third = (create_user() for _ in range(3))
    facilitator = create_user("facilitator")
    manager = auth_headers(offering.manager)

    response = enrol_ids(
        client, manager, offering_id, first.id, first.id, facilitator.id, second.id, third.id
    )

    assert response.status_code == 201
    assert response.json == [
        {"student_id": first.id, "result": "enrolled"},
        {"student_id": facilitator.id, "result": "not_a_student"},
        {"student_id": second.id, "result": "enrolled"},
        {"student_id": third.id, "result": "offering_full"},
    ]
    listed = client.get(f"/api/v1/course-offerings/{offering_id}/enrollments", headers=manager)
    assert sorted(item["student_id"] for item in listed.json) == sorted([first.id, second.id])


def test_full_offering_is_a_409(client, offering, create_user, auth_headers):
    offering_id = offering(max_students=1)
    manager = auth_headers(offering.manager)
    enrol_ids(client, manager, offering_id, create_user().id)
    latecomer = create_user()

    response = enrol_ids(client, manager, offering_id, latecomer.id)

    assert response.status_code == 409
    assert response.json["message"] == "The offering is full (1 places taken)."
    assert response.json["errors"]["results"] == [
        {"student_id": latecomer.id, "result": "offering_full"}
    ]


def test_enrolling_twice_is_a_409(client, offering, create_user, auth_headers):
    offering_id = offering()
    student = create_user()
    manager = auth_headers(offering.manager)
    enrol_ids(client, manager, offering_id, student.id)

    response = enrol_ids(client, manager, offering_id, student.id)

    assert response.status_code == 409
    assert response.json["errors"]["results"] == [
        {"student_id": student.id, "result": "already_enrolled"}
    ]


def test_only_active_student_accounts_can_be_enrolled(client, offering, create_user, auth_headers):
    offering_id = offering()
    inactive = create_user(is_active=False)

    response = enrol_ids(client, auth_headers(offering.manager), offering_id, inactive.id, 999999)

    assert response.status_code == 422
    assert {item["result"] for item in response.json["errors"]["results"]} == {"not_a_student"}


def test_archived_offering_takes_no_enrolments(client, offering, create_user, auth_headers):
    offering_id = offering(is_active=False)

    response = enrol_ids(client, auth_headers(offering.manager), offering_id, create_user().id)

    assert response.status_code == 409
    assert "archived" in response.json["message"]


def test_unknown_offering_is_a_404(client, offering, create_user, auth_headers):
    offering(), create_user()

    assert enrol_ids(client, auth_headers(offering.manager), 424242, 1).status_code == 404


@pytest.mark.parametrize(
    "student_ids", [[], ["1"], [1.5], [0], [None], "1", list(range(1, 502))], ids=repr
)
def test_student_ids_are_validated(client, offering, auth_headers, student_ids):
    offering_id = offering()

    response = client.post(
        f"/api/v1/course-offerings/{offering_id}/enrollments",
        json={"student_ids": student_ids},
        headers=auth_headers(offering.manager),
    )

    assert response.status_code == 422
    assert "student_ids" in response.json["errors"]["json"]


def test_removing_a_student(client, offering, create_user, auth_headers):
    offering_id = offering()
    student = create_user()
    manager = auth_headers(offering.manager)
    enrol_ids(client, manager, offering_id, student.id)
    path = f"/api/v1/course-offerings/{offering_id}/enrollments/{student.id}"

    assert client.delete(path, headers=manager).status_code == 204
    assert client.delete(path, headers=manager).status_code == 404
    assert client.get("/api/v1/me/enrollments", headers=auth_headers(student)).json == []


def test_students_see_their_own_enrolments(client, offering, create_user, auth_headers):
    mine, other = offering(), offering()
    student, classmate = create_user(), create_user()
    manager = auth_headers(offering.manager)
    enrol_ids(client, manager, mine, student.id)
    enrol_ids(client, manager, other, classmate.id)

    response = client.get("/api/v1/me/enrollments", headers=auth_headers(student))

    assert response.status_code == 200
    assert [item["offering"]["id"] for item in response.json] == [mine]
    assert response.json[0]["offering"]["module"]["code"].startswith("CS")
    own_offerings = client.get("/api/v1/course-offerings", headers=auth_headers(student)).json
    assert [item["id"] for item in own_offerings] == [mine]
    assert (
        client.get(f"/api/v1/course-offerings/{other}", headers=auth_headers(student)).status_code
        == 404
    )


def test_enrolment_list_is_for_managers_and_the_offerings_facilitator(
    client, offering, create_user, auth_headers
):
    facilitator, stranger = create_user("facilitator"), create_user("facilitator")
    offering_id = offering(facilitator=facilitator)
    student = create_user()
    path = f"/api/v1/course-offerings/{offering_id}/enrollments"

    assert client.get(path, headers=auth_headers(facilitator)).status_code == 200
    assert client.get(path, headers=auth_headers(stranger)).status_code == 404
    assert client.get(path, headers=auth_headers(student)).status_code == 403
    assert enrol_ids(client, auth_headers(facilitator), offering_id, student.id).status_code == 403
    assert (
        client.get("/api/v1/me/enrollments", headers=auth_headers(facilitator)).status_code == 403
    )


def test_capacity_cannot_shrink_below_the_enrolled_count(
    client, offering, create_user, auth_headers
):
    offering_id = offering(max_students=5)
    manager = auth_headers(offering.manager)
    enrol_ids(client, manager, offering_id, *(create_user().id for _ in range(3)))

    response = client.patch(
        f"/api/v1/course-offerings/{offering_id}", json={"max_students": 2}, headers=manager
    )

    assert response.status_code == 422
    assert response.json["errors"]["json"]["max_students"] == ["3 students are enrolled already."]
    assert (
        client.get(f"/api/v1/course-offerings/{offering_id}", headers=manager).json["max_students"]
        == 5
    )


def test_fifty_simultaneous_enrolments_fill_ten_places_exactly(
    app, offering, create_user, auth_headers, run_sql
):
    offering_id = offering(max_students=10)
    manager = auth_headers(offering.manager)
    students = [create_user().id for _ in range(50)]

    def enrol_one(student_id):
        response = enrol_ids(app.test_client(), manager, offering_id, student_id)
        body = response.json
        return response.status_code, body.get("message") if isinstance(body, dict) else None

    with ThreadPoolExecutor(max_workers=25) as pool:
        outcomes = list(pool.map(enrol_one, students))

    statuses = [status for status, _ in outcomes]
    assert statuses.count(201) == 10
    assert statuses.count(409) == 40
    assert {message for status, message in outcomes if status == 409} == {
        "The offering is full (10 places taken)."
    }
    assert (
        run_sql("SELECT COUNT(*) FROM enrollments WHERE offering_id = :id", id=offering_id)[0][0]
        == 10
    )
