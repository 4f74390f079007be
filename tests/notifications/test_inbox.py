"""The in-app inbox, e-mail preferences and the calendar feed."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from tests.notifications.conftest import WEEK_1_DUE

DUE_SOON_AT = WEEK_1_DUE - timedelta(hours=48)
INBOX = "/api/v1/notifications"
PREFERENCES = "/api/v1/me/notification-preferences"


@pytest.fixture
def two_reminders(create_user, offering_of, sweep, work, smtp):
    """Two facilitators with one due-soon reminder each, delivered."""
    people = [create_user("facilitator") for _ in range(2)]
    for person in people:
        offering_of(person)
        offering_of(person)
    sweep(DUE_SOON_AT)
    work()
    return people


def test_the_inbox_lists_only_your_own_notifications_newest_first(
    client, auth_headers, two_reminders
):
    mine, theirs = two_reminders

    response = client.get(INBOX, headers=auth_headers(mine))

    assert response.status_code == 200
    assert len(response.json) == 2
    assert response.json[0]["id"] > response.json[1]["id"]
    entry = response.json[0]
    assert entry["kind"] == "due_soon" and entry["week_number"] == 1
    assert entry["status"] == "sent" and entry["read_at"] is None
    assert entry["title"].startswith("Week 1 log for CS")
    offering = entry["allocation_id"]
    assert entry["link"] == f"http://127.0.0.1:5000/facilitator/#offering={offering}&week=1"
    other_ids = {item["id"] for item in client.get(INBOX, headers=auth_headers(theirs)).json}
    assert other_ids.isdisjoint(item["id"] for item in response.json)
    assert '"total": 2' in response.headers["X-Pagination"]


def test_the_inbox_costs_the_same_queries_for_one_entry_as_for_fifty(
    client, facilitator, offering_of, sweep, auth_headers, count_queries
):
    for _ in range(6):  # past the usual maximum a trimester: a manager's override
        offering_of(facilitator, override_load=True)
    sweep(DUE_SOON_AT)
    sweep(DUE_SOON_AT + timedelta(weeks=1))
    headers = auth_headers(facilitator)
    client.get("/api/v1/auth/me", headers=headers)  # the caller's identity is cached from here
    counts, sizes = {}, {}
    for page_size in (1, 50):
        with count_queries() as statements:
            response = client.get(INBOX, query_string={"page_size": page_size}, headers=headers)
        assert response.status_code == 200
        counts[page_size], sizes[page_size] = len(statements), len(response.json)

    assert sizes == {1: 1, 50: 12}
    assert counts[1] == counts[50], counts


def test_marking_read_one_and_all(client, auth_headers, two_reminders):
    mine, theirs = two_reminders
    headers = auth_headers(mine)
    first, second = (item["id"] for item in client.get(INBOX, headers=headers).json)

    read = client.post(f"{INBOX}/{first}/read", headers=headers)
    unread = client.get(INBOX, query_string={"unread": "true"}, headers=headers)
    not_mine = client.post(f"{INBOX}/{first}/read", headers=auth_headers(theirs))
    all_read = client.post(f"{INBOX}/read-all", headers=headers)

    assert read.status_code == 200 and read.json["read_at"] is not None
    assert [item["id"] for item in unread.json] == [second]
    assert not_mine.status_code == 404 and not_mine.json["code"] == 404
    assert all_read.json == {"marked_read": 1}
    assert client.get(INBOX, query_string={"unread": "true"}, headers=headers).json == []


def test_inbox_titles_follow_the_callers_language(client, auth_headers, two_reminders):
    response = client.get(INBOX, headers=auth_headers(two_reminders[0]) | {"Accept-Language": "fr"})

    assert response.json[0]["title"].startswith("Le rapport de la semaine 1 pour CS")


def test_the_inbox_needs_a_token(client):
    assert client.get(INBOX).status_code == 401


def test_preferences_default_per_role_and_can_be_changed(
    client, auth_headers, facilitator, manager
):
    as_facilitator = auth_headers(facilitator)

    assert client.get(PREFERENCES, headers=as_facilitator).json == {
        "at_risk": "immediate", "cancellation": "immediate", "due_soon": "immediate",
        "overdue": "immediate",
    }  # fmt: skip
    assert client.get(PREFERENCES, headers=auth_headers(manager)).json == {
        "unstaffed": "daily_digest", "digest": "daily_digest"
    }  # fmt: skip
    changed = client.put(PREFERENCES, json={"overdue": "off"}, headers=as_facilitator)
    assert changed.status_code == 200
    assert changed.json == {"at_risk": "immediate", "cancellation": "immediate",
                            "due_soon": "immediate", "overdue": "off"}  # fmt: skip


def test_preferences_refuse_unknown_values_and_kinds_you_do_not_receive(
    client, auth_headers, facilitator
):
    headers = auth_headers(facilitator)

    bad_value = client.put(PREFERENCES, json={"due_soon": "hourly"}, headers=headers)
    not_yours = client.put(PREFERENCES, json={"digest": "off"}, headers=headers)

    assert bad_value.status_code == 422 and "due_soon" in bad_value.json["errors"]["json"]
    assert not_yours.status_code == 422 and "digest" in not_yours.json["errors"]["json"]


def test_email_off_keeps_the_reminder_in_the_inbox_only(
    client, auth_headers, facilitator, offering_of, sweep, work, smtp
):
    headers = auth_headers(facilitator)
    client.put(PREFERENCES, json={"due_soon": "off"}, headers=headers)
    offering_of(facilitator)

    sweep(DUE_SOON_AT)
    work()

    assert smtp.messages == []
    [entry] = client.get(INBOX, headers=headers).json
    assert (entry["kind"], entry["channel"]) == ("due_soon", "in_app")


def test_daily_digest_preference_moves_reminders_into_the_digest(
    client, auth_headers, facilitator, offering_of, sweep, work, smtp, travel, notifications
):
    client.put(PREFERENCES, json={"due_soon": "daily_digest"}, headers=auth_headers(facilitator))
    offering_of(facilitator)

    travel(DUE_SOON_AT)
    sweep(DUE_SOON_AT)  # 09:00 Kigali, past the digest hour
    work()

    mine = [m for m in smtp.messages if m["To"].addresses[0].addr_spec == facilitator.email]
    assert [message["Subject"] for message in mine] == ["Your daily digest: 1 reminder"]
    text = mine[0].get_body(("plain",)).get_content()
    assert "Your reminders:" in text and "Week 1, due Monday 12 January 2026, 09:00" in text
    statuses = {row["kind"]: row["status"] for row in notifications()
                if row["recipient_id"] == facilitator.id}  # fmt: skip
    assert statuses == {"due_soon": "sent", "digest": "sent"}


# --- calendar ----------------------------------------------------------------------------------


def events_of(body: bytes) -> list:
    return Calendar.from_ical(body).walk("VEVENT")


def test_the_calendar_has_one_event_per_weekly_deadline_with_zone_uid_and_alarm(
    client, auth_headers, facilitator, offering_of
):
    offering = offering_of(facilitator)

    response = client.get("/api/v1/me/calendar.ics", headers=auth_headers(facilitator))

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = events_of(response.data)
    assert len(events) == 13  # 2026-01-05 … 2026-04-03
    first = events[0]
    assert str(first["UID"]).startswith(f"offering-{offering}-week-1@")
    start = first.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (9, 0, "Africa/Kigali")
    assert start.date().isoformat() == "2026-01-12"
    assert first.walk("VALARM")[0].decoded("TRIGGER") == -timedelta(hours=48)
    assert b"BEGIN:VTIMEZONE" in response.data
    assert response.headers["Cache-Control"] == "no-store"
    again = events_of(client.get("/api/v1/me/calendar.ics", headers=auth_headers(facilitator)).data)
    assert [str(event["UID"]) for event in again] == [str(event["UID"]) for event in events]


def test_a_secret_feed_url_works_without_a_token_until_revoked(
    client, auth_headers, facilitator, offering_of
):
    offering_of(facilitator)
    headers = auth_headers(facilitator)

    created = client.post("/api/v1/me/calendar-feed", headers=headers)
    path = created.json["url"].removeprefix("http://127.0.0.1:5000")
    served = client.get(path)
    revoked = client.delete("/api/v1/me/calendar-feed", headers=headers)
    after = client.get(path)

    assert created.status_code == 201
    assert served.status_code == 200 and len(events_of(served.data)) == 13
    # Kept nowhere on the way, like every API answer: once revoked, no copy lives on.
    assert served.headers["Cache-Control"] == "no-store"
    assert revoked.status_code == 204
    assert after.status_code == 404 and after.json["code"] == 404
    assert client.delete("/api/v1/me/calendar-feed", headers=headers).status_code == 404
    assert client.get("/api/v1/calendar-feeds/guess.ics").status_code == 404


def test_a_reminder_waiting_for_the_digest_is_rechecked_when_the_digest_goes(
    app,
    monkeypatch,
    client,
    auth_headers,
    as_manager,
    facilitator,
    offering_of,
    sweep,
    work,
    smtp,
    travel,
    notifications,
):
    monkeypatch.setitem(app.config, "REMINDER_DIGEST_HOUR", 23)
    client.put(PREFERENCES, json={"due_soon": "daily_digest"}, headers=auth_headers(facilitator))
    offering = offering_of(facilitator)
    sweep(DUE_SOON_AT)  # 09:00 Kigali: the reminder waits for the 23:00 digest
    moved = client.patch(
        f"/api/v1/course-offerings/{offering}", json={"start_date": "2026-01-06"},
        headers=as_manager,
    )  # fmt: skip
    assert moved.status_code == 200, moved.json

    digest_time = DUE_SOON_AT + timedelta(hours=38)  # 23:00 Kigali the next day
    travel(digest_time)
    sweep(digest_time)
    work()

    mine = [row for row in notifications() if row["recipient_id"] == facilitator.id]
    statuses = sorted((row["kind"], row["deadline"].isoformat(), row["status"]) for row in mine)
    assert statuses == [
        ("digest", "2026-01-11T21:00:00+00:00", "sent"),
        ("due_soon", "2026-01-12T07:00:00+00:00", "cancelled"),
        ("due_soon", "2026-01-13T07:00:00+00:00", "sent"),
    ]
    [digest] = [m for m in smtp.messages if m["To"].addresses[0].addr_spec == facilitator.email]
    text = digest.get_body(("plain",)).get_content()
    assert "Tuesday 13 January 2026" in text and "12 January" not in text
