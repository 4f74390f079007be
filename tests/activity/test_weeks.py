"""An offering's weeks as its facilitator's page shows them: each week's dates and deadlines,
where its log stands at that moment, and whether the caller may still file or change it."""

from datetime import UTC, datetime

import pytest

from tests.activity.conftest import ALL_DONE

API = "/api/v1/course-offerings"
# The default offering starts Monday 2026-01-05 and runs 13 weeks; week n is due at 09:00 in
# Kigali (07:00 UTC) on the Monday 7·n days later, and locks to its facilitator 14 days after.
SATURDAY = datetime(2026, 2, 7, 10, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def weeks_of(client, auth_headers):
    def read(user, offering_id: int):
        return client.get(f"{API}/{offering_id}/weeks", headers=auth_headers(user))

    return read


@pytest.fixture
def filed_term(time_machine, facilitator, offering_of, create_log):
    """An offering whose facilitator filed weeks 1, 3, 4 and 6 on the days below; the clock is
    left at SATURDAY, 2026-02-07."""
    offering_id = offering_of(facilitator)
    for week, day, checklist in (
        (1, "2026-01-10 12:00", ALL_DONE),  # on time, locked since 2026-01-26
        (3, "2026-01-28 12:00", ALL_DONE),  # two days after its deadline
        (4, "2026-02-01 12:00", ALL_DONE),  # on time
        (6, "2026-02-06 12:00", {}),  # early, every item still to do
    ):
        time_machine.move_to(at(day), tick=False)
        create_log(facilitator, offering_id, week, **checklist)
    time_machine.move_to(SATURDAY, tick=False)
    return offering_id


def test_each_week_says_where_its_log_stands(weeks_of, facilitator, filed_term):
    response = weeks_of(facilitator, filed_term)

    assert response.status_code == 200
    body = response.json
    assert body["allocation_id"] == filed_term
    assert body["timezone"] == "Africa/Kigali"
    states = [week["state"] for week in body["weeks"]]
    assert states[:7] == [
        "locked",  # week 1: filed, and read-only to its facilitator since 2026-01-26
        "overdue",  # week 2: never filed, due 2026-01-19; it can still be filed, late
        "filed_late",
        "filed",
        "due_soon",  # week 5: due Monday 2026-02-09, within the 48 h due-soon lead time
        "incomplete",
        "not_yet_due",  # week 7: due 2026-02-23
    ]
    assert states[7:] == ["not_yet_due"] * 6
    assert len(body["weeks"]) == 13


def test_a_week_carries_its_dates_deadline_and_log(weeks_of, facilitator, filed_term):
    weeks = weeks_of(facilitator, filed_term).json["weeks"]

    third = weeks[2]
    assert third["week_number"] == 3
    # Local midnights in Kigali (UTC+2), seven days apart, from the offering's start date.
    assert third["begins_at"].startswith("2026-01-18T22:00:00")
    assert third["ends_at"].startswith("2026-01-25T22:00:00")
    assert third["due_at"].startswith("2026-01-26T07:00:00")
    assert third["locks_at"].startswith("2026-02-09T07:00:00")
    assert third["submitted_at"].startswith("2026-01-28T12:00:00")
    assert third["log_id"] is not None
    assert weeks[1]["log_id"] is None and weeks[1]["submitted_at"] is None


def test_editable_is_what_the_api_would_allow(
    client, auth_headers, weeks_of, facilitator, as_manager, create_user, filed_term
):
    mine = weeks_of(facilitator, filed_term).json["weeks"]
    assert [week["editable"] for week in mine[:3]] == [False, True, True]

    # What the page would offer is what the API does: the locked week refuses its facilitator.
    first = client.get(
        f"/api/v1/activity-logs/{mine[0]['log_id']}", headers=auth_headers(facilitator)
    )
    change = client.patch(
        f"/api/v1/activity-logs/{mine[0]['log_id']}",
        json={"notes": "late correction"},
        headers=auth_headers(facilitator, **{"If-Match": first.headers["ETag"]}),
    )
    assert change.status_code == 403

    # A manager may correct any week, locked or not.
    manager = create_user("manager")
    assert all(week["editable"] for week in weeks_of(manager, filed_term).json["weeks"])


def test_a_filed_week_moves_on_as_time_passes(time_machine, weeks_of, facilitator, filed_term):
    time_machine.move_to(at("2026-02-10 07:00"), tick=False)  # week 3 locked a day before

    weeks = weeks_of(facilitator, filed_term).json["weeks"]

    assert [week["state"] for week in weeks[2:5]] == ["locked", "filed", "overdue"]
    assert weeks[2]["editable"] is False


def test_only_its_facilitator_and_managers_read_its_weeks(
    weeks_of, facilitator, create_user, offering_of, enrol
):
    offering_id = offering_of(facilitator)
    student, colleague = create_user("student"), create_user("facilitator")
    enrol(offering_id, student)

    assert weeks_of(student, offering_id).status_code == 403
    assert weeks_of(colleague, offering_id).status_code == 404  # as if it did not exist
    assert weeks_of(facilitator, 2**31 - 1).status_code == 404
