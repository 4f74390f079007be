"""Who sees a student's attendance: that student, the offering's facilitator while allocated,
and managers. Everyone else hears exactly what a missing id gets, on every attendance route."""

import pytest

from tests.activity.conftest import LOGS, entries

OFFERINGS = "/api/v1/course-offerings"
MISSING = 999_999
CALLERS = ("manager", "facilitator", "former_facilitator", "other_facilitator", "student",
           "other_student")  # fmt: skip
# The routes that show a student's attendance for an id (lists: see the tests below).
ROUTES = {
    "log": f"{LOGS}/{{log}}",
    "history": f"{LOGS}/{{log}}/history",
    "roster": f"{OFFERINGS}/{{offering}}/roster?week_number=1",
    "at_risk": f"{OFFERINGS}/{{offering}}/at-risk",
}
SEES = {"manager", "facilitator"}
# Students are refused these routes by role, whatever the id: a 403 that says nothing.
REFUSED_BY_ROLE = {"student", "other_student"}


@pytest.fixture
def world(client, create_user, offering_of, enrolled, create_log, as_manager):
    """An offering now run by `facilitator` (it was `former_facilitator`'s), `student` in it,
    absent twice (at risk); `other_student` in another offering."""
    former = create_user("facilitator")
    facilitator = create_user("facilitator")
    offering_id = offering_of(former)
    [student] = enrolled(offering_id, "Ada Lovelace")
    log = create_log(former, offering_id, 1, attendance=entries((student, "absent")))
    create_log(former, offering_id, 2, attendance=entries((student, "absent")))
    moved = client.patch(
        f"{OFFERINGS}/{offering_id}", json={"facilitator_id": facilitator.id}, headers=as_manager
    )
    assert moved.status_code == 200
    other_offering = offering_of(create_user("facilitator"))
    [other_student] = enrolled(other_offering, "Alan Turing")
    people = {
        "facilitator": facilitator,
        "former_facilitator": former,
        "student": student,
        "other_facilitator": create_user("facilitator"),
        "other_student": other_student,
    }
    return {"people": people, "offering": offering_id, "log": log["id"]}


def expected(caller: str) -> int:
    if caller in SEES:
        return 200
    return 403 if caller in REFUSED_BY_ROLE else 404


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("caller", CALLERS)
def test_attendance_routes_answer_outsiders_as_for_a_missing_id(
    client, world, auth_headers, as_manager, route, caller
):
    headers = as_manager if caller == "manager" else auth_headers(world["people"][caller])
    real = ROUTES[route].format(log=world["log"], offering=world["offering"])
    missing = ROUTES[route].format(log=MISSING, offering=MISSING)

    answer = client.get(real, headers=headers)

    assert answer.status_code == expected(caller), answer.json
    if answer.status_code != 200:
        assert (answer.status_code, answer.json) == (
            (nothing := client.get(missing, headers=headers)).status_code,
            nothing.json,
        )


def test_the_facilitator_and_managers_see_the_students_attendance(
    client, world, auth_headers, as_manager
):
    student = world["people"]["student"]
    for headers in (as_manager, auth_headers(world["people"]["facilitator"])):
        log = client.get(f"{LOGS}/{world['log']}", headers=headers).json
        assert log["attendance"] == entries((student, "absent"))
        [listed] = client.get(f"{OFFERINGS}/{world['offering']}/at-risk", headers=headers).json
        assert listed["student_id"] == student.id


def test_a_former_facilitator_no_longer_finds_the_logs_in_lists(client, world, auth_headers):
    headers = auth_headers(world["people"]["former_facilitator"])

    assert client.get(LOGS, headers=headers).json == []


@pytest.mark.parametrize("caller", ["manager", "facilitator", "former_facilitator"])
def test_only_students_have_an_attendance_of_their_own(
    client, world, auth_headers, as_manager, caller
):
    headers = as_manager if caller == "manager" else auth_headers(world["people"][caller])

    assert client.get("/api/v1/me/attendance", headers=headers).status_code == 403


def test_a_student_sees_their_own_attendance_and_nobody_elses(client, world, auth_headers):
    mine = client.get("/api/v1/me/attendance", headers=auth_headers(world["people"]["student"]))
    theirs = client.get(
        "/api/v1/me/attendance", headers=auth_headers(world["people"]["other_student"])
    )

    assert mine.status_code == theirs.status_code == 200
    [offering] = mine.json
    assert offering["allocation_id"] == world["offering"]
    assert offering["weeks"] == [
        {"week_number": 1, "status": "absent"}, {"week_number": 2, "status": "absent"}
    ]  # fmt: skip
    assert (offering["absent"], offering["recorded"], offering["attendance_rate"]) == (2, 2, 0.0)
    [elsewhere] = theirs.json  # enrolled, nothing recorded yet
    assert (elsewhere["weeks"], elsewhere["attendance_rate"]) == ([], None)


def test_a_student_keeps_seeing_their_records_after_unenrolment(
    client, world, auth_headers, as_manager
):
    student = world["people"]["student"]
    client.delete(f"{OFFERINGS}/{world['offering']}/enrollments/{student.id}", headers=as_manager)

    [offering] = client.get("/api/v1/me/attendance", headers=auth_headers(student)).json

    assert offering["recorded"] == 2


@pytest.mark.parametrize("caller", ["facilitator", "student"])
def test_the_trimester_list_and_its_download_are_for_managers(client, world, auth_headers, caller):
    headers = auth_headers(world["people"][caller])
    query = {"trimester": 1, "year": 2026}

    for path in ("/api/v1/admin/at-risk", "/api/v1/admin/exports/at-risk.csv"):
        assert client.get(path, query_string=query, headers=headers).status_code == 403
