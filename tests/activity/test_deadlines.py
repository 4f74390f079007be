"""When a weekly log is due: the rule itself, in zones with and without daylight saving, and
the same rule as the API applies it under each configuration."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.activity.deadlines import DeadlineRule
from tests.activity.conftest import LOGS


def rule(zone="Africa/Kigali", at="09:00", grace_hours=0, lock_days=14) -> DeadlineRule:
    return DeadlineRule(
        zone=ZoneInfo(zone),
        local_time=time.fromisoformat(at),
        grace=timedelta(hours=grace_hours),
        lock_after=timedelta(days=lock_days),
        due_soon=timedelta(hours=48),
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, week, due",
    [
        ("2026-01-05", 1, "2026-01-12 07:00"),
        ("2026-01-05", 2, "2026-01-19 07:00"),
        ("2026-01-05", 13, "2026-04-06 07:00"),
        # Kigali has no daylight saving: the same UTC hour when Europe and America change.
        ("2026-03-01", 1, "2026-03-08 07:00"),
        ("2026-03-22", 1, "2026-03-29 07:00"),
        ("2026-10-25", 1, "2026-11-01 07:00"),
    ],
)
def test_kigali_deadline_is_start_plus_seven_days_per_week_at_nine_local(start, week, due):
    assert rule().due_at(date.fromisoformat(start), week) == utc(due)


@pytest.mark.parametrize(
    "zone, start, due",
    [
        # New York springs forward on Sunday 2026-03-08 and falls back on 2026-11-01.
        ("America/New_York", "2026-02-28", "2026-03-07 14:00"),  # EST, UTC-5
        ("America/New_York", "2026-03-01", "2026-03-08 13:00"),  # EDT, UTC-4 (change day)
        ("America/New_York", "2026-10-24", "2026-10-31 13:00"),  # EDT
        ("America/New_York", "2026-10-25", "2026-11-01 14:00"),  # EST (change day)
        # Paris springs forward on Sunday 2026-03-29 and falls back on 2026-10-25.
        ("Europe/Paris", "2026-03-21", "2026-03-28 08:00"),  # CET, UTC+1
        ("Europe/Paris", "2026-03-22", "2026-03-29 07:00"),  # CEST, UTC+2 (change day)
        ("Europe/Paris", "2026-10-18", "2026-10-25 08:00"),  # CET (change day)
    ],
)
def test_deadline_keeps_local_nine_oclock_across_daylight_saving_changes(zone, start, due):
    due_at = rule(zone).due_at(date.fromisoformat(start), 1)

    assert due_at == utc(due)
    assert due_at.utcoffset() == timedelta(0)
    assert due_at.astimezone(ZoneInfo(zone)).time() == time(9, 0)


def test_consecutive_weeks_are_an_hour_less_apart_when_the_clocks_spring_forward():
    new_york = rule("America/New_York")
    start = date(2026, 2, 23)

    assert new_york.due_at(start, 2) - new_york.due_at(start, 1) == timedelta(days=7, hours=-1)
    assert new_york.due_at(start, 3) - new_york.due_at(start, 2) == timedelta(days=7)


def test_a_deadline_time_skipped_by_the_clocks_falls_an_hour_later_on_the_wall():
    # 02:30 does not exist in New York on 2026-03-08: the deadline is 03:30 EDT.
    due_at = rule("America/New_York", at="02:30").due_at(date(2026, 3, 1), 1)

    assert due_at == utc("2026-03-08 07:30")
    assert due_at.astimezone(ZoneInfo("America/New_York")).time() == time(3, 30)


def test_a_deadline_time_that_happens_twice_is_the_first_one():
    # 01:30 happens twice in New York on 2026-11-01 (EDT, then EST).
    assert rule("America/New_York", at="01:30").due_at(date(2026, 10, 25), 1) == utc(
        "2026-11-01 05:30"
    )


@pytest.mark.parametrize(
    "zone, grace_hours, due",
    [
        ("Africa/Kigali", 6, "2026-01-12 13:00"),
        ("Africa/Kigali", 48, "2026-01-14 07:00"),
        ("America/New_York", 3, "2026-03-08 16:00"),
    ],
)
def test_grace_hours_are_added_to_the_deadline(zone, grace_hours, due):
    start = date(2026, 1, 5) if zone == "Africa/Kigali" else date(2026, 3, 1)

    assert rule(zone, grace_hours=grace_hours).due_at(start, 1) == utc(due)


def test_a_log_locks_the_configured_days_after_its_deadline():
    start = date(2026, 1, 5)

    plain, short = rule(), rule(grace_hours=6, lock_days=3)

    assert plain.locks_at(plain.due_at(start, 1)) == utc("2026-01-26 07:00")
    assert short.locks_at(short.due_at(start, 1)) == utc("2026-01-15 13:00")


@pytest.mark.parametrize(
    "now, weeks",
    [
        ("2026-01-12 06:59:59", 0),
        ("2026-01-12 07:00", 1),
        ("2026-01-19 06:59", 1),
        ("2026-02-02 07:00", 4),
        ("2027-01-01 00:00", 13),
    ],
)
def test_weeks_due_counts_the_deadlines_passed(now, weeks):
    assert rule().weeks_due(date(2026, 1, 5), 13, utc(now)) == weeks


def test_the_rule_is_read_from_the_configuration(app_with):
    app = app_with(
        INSTITUTION_TIMEZONE="Europe/Paris", LOG_DEADLINE_TIME="17:30",
        LOG_GRACE_HOURS=2, LOG_LOCK_DAYS=3,
    )  # fmt: skip

    with app.app_context():
        configured = DeadlineRule.from_config()

    assert configured == rule("Europe/Paris", at="17:30", grace_hours=2, lock_days=3)


# --- through the API -------------------------------------------------------------------------


@pytest.fixture
def filed(create_user, create_offering, auth_headers):
    """`filed(app, start_date, week=1, person=None)` → the log a facilitator filed through
    that app, for a new offering of theirs starting on that date."""

    def file(app, start_date: str, week: int = 1, person=None) -> dict:
        person = person or create_user("facilitator")
        start = date.fromisoformat(start_date)
        offering = create_offering(
            facilitator_id=person.id,
            start_date=start_date,
            end_date=(start + timedelta(days=83)).isoformat(),
        )
        response = app.test_client().post(
            LOGS,
            json={"allocation_id": offering["id"], "week_number": week},
            headers=auth_headers(person),
        )
        assert response.status_code == 201, response.json
        return response.json

    return file


def test_api_gives_the_kigali_deadline_in_utc(app, filed):
    assert filed(app, "2026-01-05")["due_at"] == "2026-01-12T07:00:00+00:00"


@pytest.mark.parametrize(
    "zone, start, due",
    [
        ("America/New_York", "2026-02-28", "2026-03-07T14:00:00+00:00"),
        ("America/New_York", "2026-03-01", "2026-03-08T13:00:00+00:00"),
        ("Europe/Paris", "2026-03-21", "2026-03-28T08:00:00+00:00"),
        ("Europe/Paris", "2026-03-22", "2026-03-29T07:00:00+00:00"),
    ],
)
def test_api_deadline_follows_the_institution_timezone(app_with, filed, zone, start, due):
    assert filed(app_with(INSTITUTION_TIMEZONE=zone), start)["due_at"] == due


def test_api_deadline_of_later_weeks_moves_with_daylight_saving(app_with, filed):
    new_york = app_with(INSTITUTION_TIMEZONE="America/New_York")

    assert filed(new_york, "2026-02-23", 1)["due_at"] == "2026-03-02T14:00:00+00:00"
    assert filed(new_york, "2026-02-23", 2)["due_at"] == "2026-03-09T13:00:00+00:00"


@pytest.mark.parametrize(
    "settings, due",
    [
        ({"LOG_GRACE_HOURS": 6}, "2026-01-12T13:00:00+00:00"),
        ({"LOG_DEADLINE_TIME": "17:00"}, "2026-01-12T15:00:00+00:00"),
        (
            {"INSTITUTION_TIMEZONE": "America/New_York", "LOG_GRACE_HOURS": 2},
            "2026-01-12T16:00:00+00:00",
        ),
    ],
)
def test_api_deadline_applies_time_and_grace_settings(app_with, filed, settings, due):
    assert filed(app_with(**settings), "2026-01-05")["due_at"] == due


@pytest.mark.usefixtures("in_late_2026")  # offerings of 2026 (the default year)
def test_filing_within_the_grace_period_is_not_late(app, app_with, filed):
    eight_days_ago = (date.today() - timedelta(days=8)).isoformat()  # week 1 was due yesterday

    without_grace = filed(app, eight_days_ago)
    with_grace = filed(app_with(LOG_GRACE_HOURS=48), eight_days_ago)

    assert without_grace["is_late"] is True
    assert with_grace["is_late"] is False


@pytest.mark.parametrize(
    "lock_days, start, status",
    [
        # due 2026-01-12: locked by now (late 2026) under the default 14 days
        (3650, lambda today: date(2026, 1, 5), 200),
        (0, lambda today: today - timedelta(days=8), 403),  # due yesterday
    ],
    ids=["long-lock-2026-01-05", "no-lock-8-days-ago"],
)
@pytest.mark.usefixtures("in_late_2026")
def test_lock_period_follows_the_configuration(
    app_with, filed, create_user, auth_headers, lock_days, start, status
):
    configured = app_with(LOG_LOCK_DAYS=lock_days)
    facilitator = create_user("facilitator")
    log = filed(configured, start(date.today()).isoformat(), person=facilitator)
    client, headers = configured.test_client(), auth_headers(facilitator)
    etag = client.get(f"{LOGS}/{log['id']}", headers=headers).headers["ETag"]

    response = client.patch(
        f"{LOGS}/{log['id']}", json={"notes": "edit"}, headers=headers | {"If-Match": etag}
    )

    assert response.status_code == status
