"""Cancelling an offering: its pending reminders are withdrawn at once, later sweeps remind of
it no more, and its facilitator hears of the cancellation once — through real sweeps, a real
RQ worker and a real SMTP server."""

from datetime import timedelta

import pytest

from tests.notifications.conftest import WEEK_1_DUE

DUE_SOON_AT = WEEK_1_DUE - timedelta(hours=48)
OVERDUE_AT = WEEK_1_DUE + timedelta(hours=2)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def at_due_soon(travel):
    """The clock at DUE_SOON_AT (ticking), before anything issues tokens."""
    travel(DUE_SOON_AT)


def sent(smtp) -> list[tuple[str, str]]:
    return [(message["To"].addresses[0].addr_spec, message["Subject"]) for message in smtp.messages]


@pytest.mark.usefixtures("at_due_soon")
def test_a_cancelled_offering_stops_reminding_and_its_facilitator_hears_once(
    client, as_manager, facilitator, offering_of, sweep, work, smtp, notifications
):
    cancelled = offering_of(facilitator)
    offering_of(facilitator)  # keeps running, and reminding
    assert sweep(DUE_SOON_AT).found == {"due_soon": 2}

    response = client.patch(
        f"/api/v1/course-offerings/{cancelled}", json={"status": "cancelled"}, headers=as_manager
    )
    assert response.status_code == 200, response.json
    withdrawn = [row for row in notifications() if row["offering_id"] == cancelled]
    assert [(row["kind"], row["status"]) for row in withdrawn] == [("due_soon", "cancelled")]

    for minutes in (5, 10):  # a sweep after the cancellation, and another: one notice
        sweep(DUE_SOON_AT + minutes * MINUTE)
        work()
    assert sweep(OVERDUE_AT).found["overdue"] == 1  # the running offering's alone
    work()

    about_cancelled = [row for row in notifications() if row["offering_id"] == cancelled]
    assert sorted((row["kind"], row["status"]) for row in about_cancelled) == [
        ("cancellation", "sent"), ("due_soon", "cancelled")
    ]  # fmt: skip
    subjects = [subject for to, subject in sent(smtp) if to == facilitator.email]
    assert len(subjects) == 3
    assert sum(subject.startswith("Cancelled: CS") for subject in subjects) == 1
    assert sum(subject.startswith("Week 1 log for CS") for subject in subjects) == 1
    assert sum(subject.startswith("Overdue:") for subject in subjects) == 1
    [notice] = [m for m in smtp.messages if m["Subject"].startswith("Cancelled")]
    text = notice.get_body(("plain",)).get_content()
    assert "starting on Monday, January 5, 2026, has been cancelled" in text
    assert "no more reminders" in text


@pytest.mark.usefixtures("at_due_soon")
def test_the_notice_is_in_the_facilitators_language(
    client, as_manager, create_user, offering_of, sweep, work, smtp
):
    french = create_user("facilitator", preferred_language="fr")
    offering = offering_of(french)

    client.patch(
        f"/api/v1/course-offerings/{offering}", json={"status": "cancelled"}, headers=as_manager
    )
    sweep(DUE_SOON_AT + MINUTE)
    work()

    [notice] = smtp.messages
    assert notice["Subject"].startswith("Annulée\u00a0: CS")
    assert "a été annulée" in notice.get_body(("plain",)).get_content()


@pytest.mark.usefixtures("at_due_soon")
def test_an_offering_cancelled_before_a_lookback_is_not_announced_late(
    client, as_manager, facilitator, offering_of, sweep
):
    offering = offering_of(facilitator)
    client.patch(
        f"/api/v1/course-offerings/{offering}", json={"status": "cancelled"}, headers=as_manager
    )

    # REMINDER_LOOKBACK_HOURS (24) later, a sweep no longer finds it.
    assert "cancellation" not in sweep(DUE_SOON_AT + timedelta(hours=25)).found
