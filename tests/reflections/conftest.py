"""Reflection fixtures: answers that pass validation, and submitting through the API."""

import pytest

REFLECTIONS = "/api/v1/reflections"
ANSWERS = {
    "went_well": "The weekly labs made the theory concrete.",
    "hardest": "Keeping up with the reading in week four.",
    "would_help": "Worked examples before each assignment.",
}


@pytest.fixture
def reflect(client, auth_headers):
    """`reflect(student, offering, rating=4, **fields)` → the POST response (not asserted)."""

    def post(student, offering, rating=4, **fields):
        body = {"offering_id": offering, "answers": ANSWERS, "rating": rating,
                "language": "en"} | fields  # fmt: skip
        return client.post(REFLECTIONS, json=body, headers=auth_headers(student))

    return post


@pytest.fixture
def create_reflection(reflect):
    """`create_reflection(student, offering_id, rating=4, **fields)` → the reflection (201)."""

    def make(student, offering_id, rating=4, **fields) -> dict:
        response = reflect(student, offering_id, rating, **fields)
        assert response.status_code == 201, response.json
        return response.json

    return make
