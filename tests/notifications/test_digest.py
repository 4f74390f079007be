"""The managers' daily digest and the unstaffed-offering alert."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.activity.conftest import ALL_DONE

# Week 1 and 2 of the default offering are due 2026-01-12 and 2026-01-19, 09:00 Kigali; the
# digest goes out from 07:00 Kigali (05:00 UTC).
DIGEST_DAY = datetime(2026, 1, 20, 5, 0, tzinfo=UTC)


@pytest.fixture
def managers_digests(smtp, manager):
    def read():
        return [message for message in smtp.messages
                if message["To"].addresses[0].addr_spec == manager.email]  # fmt: skip

    return read


def test_digest_groups_overdue_and_incomplete_logs_by_facilitator_offering_and_week(
    create_user, offering_of, create_log, sweep, work, travel, managers_digests, notifications
):
    ada = create_user("facilitator", first_name="Ada", last_name="Byron")
    bob = create_user("facilitator", first_name="Bob", last_name="Zed")
    first = offering_of(ada)
    second = offering_of(ada)
    third = offering_of(bob)
    create_log(ada, first, 1, **ALL_DONE)  # week 1 fine, week 2 missing
    create_log(ada, second, 2)  # week 1 missing, week 2 incomplete
    create_log(bob, third, 1, **ALL_DONE)
    create_log(bob, third, 2, **ALL_DONE)  # nothing to say about Bob

    travel(DIGEST_DAY)
    assert sweep(DIGEST_DAY).found["digest"] == 1
    work()

    [digest] = managers_digests()
    text = digest.get_body(("plain",)).get_content()
    assert digest["Subject"] == "Daily digest: 3 overdue or incomplete logs, 0 unstaffed"
    assert "Bob Zed" not in text
    ada_block = text[text.index("* Ada Byron") :]
    assert ada_block.count("Week 1, due Monday 12 January 2026, 09:00") == 1
    assert ada_block.count("Week 2, due Monday 19 January 2026, 09:00") == 2
    assert "missing" in ada_block and "incomplete" in ada_block
    # Each offering is listed once, its weeks under it.
    assert text.count("(cohort") == 2
    assert [row["kind"] for row in notifications()].count("digest") == 1


def test_digest_is_sent_once_a_day_from_the_configured_hour(
    offering_of, facilitator, sweep, work, travel, managers_digests
):
    offering_of(facilitator)

    travel(DIGEST_DAY - timedelta(minutes=1))
    assert "digest" not in sweep(DIGEST_DAY - timedelta(minutes=1)).found
    travel(DIGEST_DAY)
    sweep(DIGEST_DAY)
    sweep(DIGEST_DAY + timedelta(hours=3))
    work()

    assert len(managers_digests()) == 1


def test_no_digest_when_there_is_nothing_to_report(
    facilitator, offering_of, create_log, sweep, work, travel, managers_digests
):
    offering = offering_of(facilitator)
    create_log(facilitator, offering, 1, **ALL_DONE)
    create_log(facilitator, offering, 2, **ALL_DONE)

    travel(DIGEST_DAY)
    assert "digest" not in sweep(DIGEST_DAY).found
    work()

    assert managers_digests() == []


def test_an_offering_starting_within_a_week_without_facilitator_is_in_the_digest(
    offering_of, sweep, work, travel, managers_digests
):
    offering_of(None, start_date="2026-01-26", end_date="2026-04-24")

    travel(DIGEST_DAY)
    sweep(DIGEST_DAY)
    work()

    [digest] = managers_digests()
    text = digest.get_body(("plain",)).get_content()
    assert "Offerings starting soon without a facilitator:" in text
    assert "starts Monday, January 26, 2026" in text


def test_managers_who_want_unstaffed_alerts_at_once_get_one_per_offering(
    client, manager, as_manager, offering_of, sweep, work, travel, smtp, managers_digests
):
    response = client.put(
        "/api/v1/me/notification-preferences", json={"unstaffed": "immediate"}, headers=as_manager
    )
    assert response.status_code == 200, response.json
    offering_of(None, start_date="2026-01-26", end_date="2026-04-24")
    offering_of(None, start_date="2026-03-02", end_date="2026-05-29")  # not within 7 days

    travel(DIGEST_DAY)
    assert sweep(DIGEST_DAY).found == {"unstaffed": 1}
    work()

    [alert] = managers_digests()
    assert alert["Subject"].startswith("No facilitator yet: CS")


def test_an_offering_whose_facilitator_is_deactivated_raises_the_unstaffed_alert(
    client, as_manager, create_user, offering_of, sweep, work, travel, managers_digests
):
    client.put(
        "/api/v1/me/notification-preferences", json={"unstaffed": "immediate"}, headers=as_manager
    )
    person = create_user("facilitator")
    offering_of(person, start_date="2026-01-26", end_date="2026-04-24")
    assert sweep(DIGEST_DAY).found == {}

    response = client.patch(
        f"/api/v1/admin/users/{person.id}", json={"is_active": False}, headers=as_manager
    )
    assert response.status_code == 200, response.json
    travel(DIGEST_DAY)
    assert sweep(DIGEST_DAY + timedelta(minutes=15)).found == {"unstaffed": 1}
    work()

    [alert] = managers_digests()
    assert alert["Subject"].startswith("No facilitator yet: CS")


def test_an_unstaffed_alert_for_a_start_date_that_moved_is_cancelled_and_raised_anew(
    client, as_manager, offering_of, sweep, work, travel, managers_digests, notifications
):
    client.put(
        "/api/v1/me/notification-preferences", json={"unstaffed": "immediate"}, headers=as_manager
    )
    offering = offering_of(None, start_date="2026-01-26", end_date="2026-04-24")
    sweep(DIGEST_DAY)
    response = client.patch(
        f"/api/v1/course-offerings/{offering}", json={"start_date": "2026-01-27"},
        headers=as_manager,
    )  # fmt: skip
    assert response.status_code == 200, response.json

    travel(DIGEST_DAY)
    work()
    assert [row["status"] for row in notifications()] == ["cancelled"]
    assert managers_digests() == []

    sweep(DIGEST_DAY + timedelta(minutes=15))
    work()
    [alert] = managers_digests()
    assert "starts on Tuesday, January 27, 2026" in alert.get_body(("plain",)).get_content()
