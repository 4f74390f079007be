"""An offering's life cycle: planned → active → completed, cancelled from the first two; the
final statuses stay final, and completing waits for the last week's deadline."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

OFFERINGS = "/api/v1/course-offerings"
# 2026-01-05 to 2026-04-03: 13 weeks; week 13's log is due Monday 6 April 2026, 09:00 in Kigali.
LAST_DUE = datetime(2026, 4, 6, 7, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def just_before_the_last_deadline(time_machine):
    """The clock a minute before LAST_DUE, standing still until a test moves it (requested
    before anything issues tokens, which then stay valid)."""
    time_machine.move_to(LAST_DUE - MINUTE, tick=False)


@pytest.fixture
def move(client, as_manager):
    """`move(offering, status, **headers)` → the response to PATCHing its status."""

    def patch(offering, status, **headers):
        return client.patch(
            f"{OFFERINGS}/{offering['id']}", json={"status": status}, headers=as_manager | headers
        )

    return patch


def test_a_new_offering_is_active_unless_planned(create_offering):
    assert create_offering()["status"] == "active"
    assert create_offering(status="planned")["status"] == "planned"


def test_a_new_offering_cannot_start_completed(client, as_manager, offering_body):
    response = client.post(OFFERINGS, json=offering_body(status="completed"), headers=as_manager)

    assert response.status_code == 422
    assert response.json["errors"]["json"] == {"status": ["A new offering is planned or active."]}


@pytest.mark.parametrize(
    ("path", "final"),
    [(["planned", "active"], "active"), (["planned", "cancelled"], "cancelled"),
     (["active", "cancelled"], "cancelled")],
)  # fmt: skip
def test_allowed_moves(create_offering, move, path, final):
    offering = create_offering(status=path[0])

    for status in path[1:]:
        response = move(offering, status)
        assert response.status_code == 200, response.json

    assert response.json["status"] == final
    assert response.json["is_active"] is (final != "cancelled")


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        ("active", "planned", "This offering is active; it cannot become planned."),
        ("cancelled", "active", "This offering is cancelled; it cannot become active."),
        ("cancelled", "planned", "This offering is cancelled; it cannot become planned."),
        ("planned", "completed", "This offering is planned; it cannot become completed."),
    ],
)
def test_refused_moves_name_both_statuses(create_offering, move, start, to, message):
    offering = create_offering(status=start)

    response = move(offering, to)

    assert response.status_code == 409
    assert response.json["message"] == message
    assert move(offering, start).status_code == 200  # unchanged: asking for it again is no move


def test_a_refusal_in_french(create_offering, move):
    offering = create_offering(status="cancelled")

    response = move(offering, "active", **{"Accept-Language": "fr"})

    assert response.json["message"] == (
        "Cette offre est annulée\u202f; elle ne peut pas devenir active."
    )


@pytest.mark.usefixtures("just_before_the_last_deadline")
def test_completing_waits_for_the_last_weeks_deadline_and_is_then_final(
    time_machine, create_offering, move
):
    offering = create_offering(start_date="2026-01-05", end_date="2026-04-03")

    early = move(offering, "completed")
    time_machine.move_to(LAST_DUE, tick=False)
    completed = move(offering, "completed")
    cancelled = move(offering, "cancelled")
    reopened = move(offering, "active")

    assert early.status_code == 409
    assert early.json["message"] == (
        "The last week's log is due 2026-04-06 09:00; complete the offering after that."
    )
    assert (completed.status_code, completed.json["status"]) == (200, "completed")
    assert completed.json["is_active"] is True  # completed is not archived
    assert cancelled.status_code == reopened.status_code == 409


def test_the_older_is_active_field_cancels_and_cannot_revive(client, as_manager, create_offering):
    offering = create_offering()
    url = f"{OFFERINGS}/{offering['id']}"

    archived = client.patch(url, json={"is_active": False}, headers=as_manager)
    revived = client.patch(url, json={"is_active": True}, headers=as_manager)
    contradictory = client.patch(
        f"{OFFERINGS}/{create_offering()['id']}",
        json={"is_active": False, "status": "active"},
        headers=as_manager,
    )

    assert (archived.json["status"], archived.json["is_active"]) == ("cancelled", False)
    assert revived.status_code == 409
    assert contradictory.status_code == 422
    assert set(contradictory.json["errors"]["json"]) == {"is_active"}


def test_lists_and_exports_filter_by_status(client, as_manager, create_offering, move):
    planned = create_offering(status="planned")
    active = create_offering()
    cancelled = create_offering()
    move(cancelled, "cancelled")

    def listed(status):
        response = client.get(OFFERINGS, query_string={"status": status}, headers=as_manager)
        return [offering["id"] for offering in response.json]

    exported = client.get(
        "/api/v1/admin/exports/offerings.csv",
        query_string={"status": "cancelled"},
        headers=as_manager,
    )
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))

    assert (listed("planned"), listed("active"), listed("cancelled")) == (
        [planned["id"]], [active["id"]], [cancelled["id"]]
    )  # fmt: skip
    assert [(int(row["id"]), row["status"], row["is_active"]) for row in rows] == [
        (cancelled["id"], "cancelled", "False")
    ]
    bogus = client.get(OFFERINGS, query_string={"status": "paused"}, headers=as_manager)
    assert bogus.status_code == 422


@pytest.mark.usefixtures("just_before_the_last_deadline")
def test_an_archived_offering_with_history_is_cancelled_and_a_completed_one_stays(
    time_machine, client, as_manager, create_offering, create_user, enrol, move
):
    running, finished = create_offering(), create_offering()
    for offering in (running, finished):
        enrol(offering["id"], create_user())
    time_machine.move_to(LAST_DUE, tick=False)
    assert move(finished, "completed").status_code == 200

    archived = client.delete(f"{OFFERINGS}/{running['id']}", headers=as_manager)
    kept = client.delete(f"{OFFERINGS}/{finished['id']}", headers=as_manager)

    assert (archived.status_code, archived.json["status"]) == (200, "cancelled")
    assert (kept.status_code, kept.json["status"]) == (200, "completed")


def test_a_cancelled_offering_keeps_its_facilitator(
    client, as_manager, create_offering, create_user, move
):
    offering = create_offering(facilitator_id=create_user("facilitator").id)
    assert move(offering, "cancelled").status_code == 200
    url = f"{OFFERINGS}/{offering['id']}"

    for facilitator_id in (create_user("facilitator").id, None):
        response = client.patch(url, json={"facilitator_id": facilitator_id}, headers=as_manager)
        assert response.status_code == 409
        assert response.json["message"] == (
            "This offering is cancelled; its facilitator can no longer change."
        )
    assert client.get(url, headers=as_manager).json["facilitator_id"] == offering["facilitator_id"]
