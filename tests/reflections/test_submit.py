"""Students submit one reflection per offering they are enrolled in."""

import pytest

from tests.reflections.conftest import ANSWERS, REFLECTIONS


@pytest.fixture
def student(create_user):
    return create_user("student")


@pytest.fixture
def offering_id(create_offering, enrol, student):
    offering = create_offering()
    enrol(offering["id"], student)
    return offering["id"]


def test_an_enrolled_student_submits_and_reads_it_back(
    client, auth_headers, reflect, student, offering_id, run_sql
):
    response = reflect(student, offering_id, rating=5, language="fr")

    assert response.status_code == 201, response.json
    body = response.json
    assert body["offering_id"] == offering_id and body["student_id"] == student.id
    assert body["answers"] == ANSWERS
    assert (body["rating"], body["language"]) == (5, "fr")
    read = client.get(f"{REFLECTIONS}/{body['id']}", headers=auth_headers(student))
    assert read.status_code == 200 and read.json == body
    assert run_sql("SELECT student_id, rating FROM reflections") == [(student.id, 5)]


def test_a_submission_lands_in_the_audit_trail_without_its_answers(
    client, as_manager, reflect, student, offering_id
):
    submitted = reflect(student, offering_id).json

    events = client.get(
        "/api/v1/admin/audit-events", query_string={"entity_type": "reflections"},
        headers=as_manager,
    ).json  # fmt: skip

    assert [(e["action"], e["actor_id"], e["entity_id"]) for e in events] == [
        ("created", student.id, submitted["id"])
    ]
    assert events[0]["changes"] == {"offering_id": [None, offering_id]}


def test_a_student_not_enrolled_is_refused_and_nothing_is_stored(
    create_offering, create_user, reflect, run_sql
):
    outsider = create_user("student")

    response = reflect(outsider, create_offering()["id"])

    assert response.status_code == 403
    assert "enrolled" in response.json["message"]
    assert run_sql("SELECT COUNT(*) FROM reflections") == [(0,)]


def test_an_unknown_offering_gets_the_same_answer_as_one_not_yours(reflect, student):
    response = reflect(student, 999999)

    assert response.status_code == 403


def test_a_second_reflection_is_a_409_naming_the_first(
    create_reflection, reflect, student, offering_id, run_sql
):
    first = create_reflection(student, offering_id)

    second = reflect(student, offering_id, rating=1)

    assert second.status_code == 409
    assert second.json["errors"] == {"existing_reflection_id": first["id"]}
    assert str(first["id"]) in second.json["message"]
    assert run_sql("SELECT rating FROM reflections") == [(4,)]


def test_the_conflict_message_follows_the_callers_language(
    client, auth_headers, create_reflection, student, offering_id
):
    create_reflection(student, offering_id)
    body = {"offering_id": offering_id, "answers": ANSWERS, "rating": 3, "language": "fr"}

    response = client.post(
        REFLECTIONS, json=body, headers=auth_headers(student, **{"Accept-Language": "fr"})
    )

    assert response.status_code == 409
    assert "déjà" in response.json["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"language": "de"}, "language"),
        ({"answers": ANSWERS | {"hardest": "short"}}, "answers"),
        ({"answers": ANSWERS | {"hardest": "   padded    "}}, "answers"),
        ({"answers": ANSWERS | {"went_well": "x" * 2001}}, "answers"),
        ({"answers": {"went_well": ANSWERS["went_well"]}}, "answers"),
        ({"answers": ANSWERS | {"extra": "Not a question we ask"}}, "answers"),
        ({"answers": ANSWERS | {"hardest": "Null\x00byte in here"}}, "answers"),
        ({"offering_id": "1"}, "offering_id"),
    ],
)
def test_invalid_answers_are_a_422_naming_the_field(
    reflect, student, offering_id, change, field, run_sql
):
    response = reflect(student, offering_id, **change)

    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert run_sql("SELECT COUNT(*) FROM reflections") == [(0,)]


def test_answers_are_trimmed_and_the_longest_allowed_is_kept_whole(
    create_reflection, student, offering_id
):
    longest = "y" * 2000
    answers = ANSWERS | {"went_well": f"  {longest}\n", "hardest": "Ten chars!"}

    reflection = create_reflection(student, offering_id, answers=answers)

    assert reflection["answers"]["went_well"] == longest
    assert reflection["answers"]["hardest"] == "Ten chars!"


def test_markup_is_stored_and_returned_as_text(create_reflection, student, offering_id):
    markup = "<script>alert('x')</script> & <b>bold</b>"

    reflection = create_reflection(student, offering_id, answers=ANSWERS | {"would_help": markup})

    assert reflection["answers"]["would_help"] == markup
