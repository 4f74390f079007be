"""Who reads which reflections, the filters, and the managers' per-offering summary."""

import pytest

from tests.reflections.conftest import ANSWERS, REFLECTIONS

CALLERS = ("anonymous", "manager", "facilitator", "other_facilitator", "student", "other_student")


@pytest.fixture
def world(create_user, create_offering, enrol, manager, auth_headers, create_reflection):
    """`facilitator`'s offering with `student` and `other_student` enrolled; `student` has
    reflected on it. `other_facilitator` teaches another offering."""
    people = {name: create_user(name.removeprefix("other_")) for name in CALLERS[2:]}
    people["manager"] = manager
    offering = create_offering(facilitator_id=people["facilitator"].id)
    create_offering(facilitator_id=people["other_facilitator"].id)
    enrol(offering["id"], people["student"], people["other_student"])
    reflection = create_reflection(people["student"], offering["id"])
    headers = {name: auth_headers(person) for name, person in people.items()}
    return {"people": people, "headers": headers | {"anonymous": {}},
            "offering": offering, "reflection": reflection}  # fmt: skip


ITEM = REFLECTIONS + "/{reflection[id]}"
NEW = "new reflection"
ROUTES = [
    ("list", "get", REFLECTIONS, None, {"manager": 200, "facilitator": 200,
     "other_facilitator": 200, "student": 200, "other_student": 200}),
    ("read", "get", ITEM, None, {"manager": 200, "facilitator": 200, "other_facilitator": 404,
     "student": 200, "other_student": 404}),
    ("submit", "post", REFLECTIONS, NEW, {"manager": 403, "facilitator": 403,
     "other_facilitator": 403, "student": 409, "other_student": 201}),
    ("summary", "get", REFLECTIONS + "/summary", None, {"manager": 200, "facilitator": 403,
     "other_facilitator": 403, "student": 403, "other_student": 403}),
]  # fmt: skip


def cases():
    for name, method, path, body, expected in ROUTES:
        for caller in CALLERS:
            status = 401 if caller == "anonymous" else expected[caller]
            yield pytest.param(method, path, body, caller, status, id=f"{name}-{caller}-{status}")


@pytest.mark.parametrize(("method", "path", "body", "caller", "status"), cases())
def test_role_matrix(client, world, method, path, body, caller, status):
    if body == NEW:
        body = {"offering_id": world["offering"]["id"], "answers": ANSWERS, "rating": 2,
                "language": "en"}  # fmt: skip

    response = getattr(client, method)(
        path.format(**world), json=body, headers=world["headers"][caller]
    )

    assert response.status_code == status, response.json
    if status >= 400:
        assert response.json["code"] == status and response.json["message"]


@pytest.mark.parametrize(
    ("caller", "sees"),
    [("manager", True), ("facilitator", True), ("other_facilitator", False),
     ("student", True), ("other_student", False)],
)  # fmt: skip
def test_each_role_lists_only_its_share(client, world, caller, sees):
    response = client.get(REFLECTIONS, headers=world["headers"][caller])

    ids = [reflection["id"] for reflection in response.json]
    assert ids == ([world["reflection"]["id"]] if sees else [])


def test_a_student_reading_their_own_sees_the_answers(client, world):
    response = client.get(ITEM.format(**world), headers=world["headers"]["student"])

    assert response.json["answers"] == world["reflection"]["answers"]
    assert response.json["student"]["id"] == world["people"]["student"].id


# --- filters and summary: known fixtures ------------------------------------------------------


@pytest.fixture
def term(create_user, create_catalogue, create_offering, enrol, create_reflection):
    """Two offerings of one module (T1 cohort A, T2 cohort B) and one of another module.

    A: four students enrolled; three reflected with ratings 5, 4, 2 (one student never did).
    B: two enrolled, one reflected (rating 3). C (other module, T1): one enrolled, none.
    """
    first, other = create_catalogue(), create_catalogue()
    catalogue = vars(first)
    a = create_offering(**catalogue)["id"]
    b = create_offering(**catalogue | {"cohort_id": other.cohort_id, "trimester": 2})["id"]
    c = create_offering(**vars(other))["id"]
    students = [create_user("student", last_name=name) for name in
                ("Abara", "Bello", "Chen", "Dube", "Eze", "Fofana", "Gueye")]  # fmt: skip
    enrol(a, *students[:4])
    enrol(b, *students[4:6])
    enrol(c, students[6])
    for student, rating in zip(students[:3], (5, 4, 2), strict=True):
        create_reflection(student, a, rating)
    create_reflection(students[4], b, 3)
    return {"a": a, "b": b, "c": c, "students": students, "module_id": first.module_id,
            "cohort_b": other.cohort_id}  # fmt: skip


@pytest.mark.parametrize(
    ("filters", "offerings"),
    [
        ({}, ["a", "a", "a", "b"]),
        ({"offering_id": "b"}, ["b"]),
        ({"module_id": "module_id"}, ["a", "a", "a", "b"]),
        ({"cohort_id": "cohort_b"}, ["b"]),
        ({"trimester": 2}, ["b"]),
        ({"trimester": 3}, []),
        ({"offering_id": "c"}, []),
    ],
)
def test_managers_filter_reflections(client, as_manager, term, filters, offerings):
    query = {name: term.get(value, value) for name, value in filters.items()}

    response = client.get(REFLECTIONS, query_string=query, headers=as_manager)

    assert response.status_code == 200
    assert sorted(r["offering_id"] for r in response.json) == [term[o] for o in offerings]


def test_the_summary_counts_averages_and_names_non_respondents(client, as_manager, term):
    response = client.get(f"{REFLECTIONS}/summary", headers=as_manager)

    assert response.status_code == 200
    rows = {row["offering_id"]: row for row in response.json}
    students = term["students"]
    a, b, c = rows[term["a"]], rows[term["b"]], rows[term["c"]]
    assert (a["enrolled"], a["count"], a["average_rating"], a["response_rate"]) == (
        4,
        3,
        3.67,
        0.75,
    )
    assert [p["id"] for p in a["non_respondents"]] == [students[3].id]
    assert (b["enrolled"], b["count"], b["average_rating"], b["response_rate"]) == (2, 1, 3.0, 0.5)
    assert [p["id"] for p in b["non_respondents"]] == [students[5].id]
    assert (c["enrolled"], c["count"], c["average_rating"], c["response_rate"]) == (1, 0, None, 0.0)
    assert [p["id"] for p in c["non_respondents"]] == [students[6].id]


def test_deactivated_students_are_neither_enrolled_nor_chased_in_the_summary(
    client, as_manager, term, manager, auth_headers
):
    def offering_a() -> dict:
        response = client.get(f"{REFLECTIONS}/summary", headers=as_manager)
        return {row["offering_id"]: row for row in response.json}[term["a"]]

    assert offering_a()["enrolled"] == 4  # and now in the response cache
    students = term["students"]
    for leaver in (students[2], students[3]):  # A: one who reflected, the one who never did
        response = client.patch(
            f"/api/v1/admin/users/{leaver.id}",
            json={"is_active": False},
            headers=auth_headers(manager),
        )
        assert response.status_code == 200, response.json

    a = offering_a()
    assert (a["enrolled"], a["count"], a["response_rate"], a["non_respondents"]) == (2, 3, 1.0, [])


def test_the_summary_takes_the_same_filters(client, as_manager, term):
    response = client.get(
        f"{REFLECTIONS}/summary",
        query_string={"module_id": term["module_id"], "trimester": 1},
        headers=as_manager,
    )

    assert [row["offering_id"] for row in response.json] == [term["a"]]


def test_non_respondents_are_sorted_by_name(client, as_manager, term, enrol, create_user):
    late = [create_user("student", last_name=name) for name in ("Zulu", "Adeyemi")]
    enrol(term["a"], *late)

    response = client.get(
        f"{REFLECTIONS}/summary", query_string={"offering_id": term["a"]}, headers=as_manager
    )

    names = [p["last_name"] for p in response.json[0]["non_respondents"]]
    assert names == ["Adeyemi", "Dube", "Zulu"]
    assert response.json[0]["response_rate"] == 0.5


def test_the_summary_of_an_offering_nobody_joined_has_no_rates(client, as_manager, create_offering):
    offering_id = create_offering()["id"]

    response = client.get(
        f"{REFLECTIONS}/summary", query_string={"offering_id": offering_id}, headers=as_manager
    )

    assert response.json == [
        response.json[0] | {"enrolled": 0, "count": 0, "average_rating": None,
                            "response_rate": None, "non_respondents": []}
    ]  # fmt: skip


def test_the_summary_is_paginated(client, as_manager, term):
    response = client.get(
        f"{REFLECTIONS}/summary", query_string={"page_size": 2}, headers=as_manager
    )

    assert len(response.json) == 2
    assert '"total": 3' in response.headers["X-Pagination"]
