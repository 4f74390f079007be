"""Due-soon and overdue reminders: when they fire, who gets them, in which language, and that
each is sent once — through a real sweep, a real RQ worker and a real SMTP server."""

import threading
from datetime import timedelta

from tests.activity.conftest import ALL_DONE
from tests.notifications.conftest import WEEK_1_DUE, html_title

DUE_SOON_AT = WEEK_1_DUE - timedelta(hours=48)
OVERDUE_AT = WEEK_1_DUE + timedelta(hours=2)
MINUTE = timedelta(minutes=1)


def kinds(rows) -> list[tuple]:
    return [(row["kind"], row["week_number"], row["status"]) for row in rows]


def test_due_soon_fires_48_hours_before_the_deadline_and_not_a_minute_earlier(
    facilitator, offering_of, sweep, work, smtp, notifications, travel
):
    offering_id = offering_of(facilitator)

    assert sweep(DUE_SOON_AT - MINUTE).found == {}
    result = sweep(DUE_SOON_AT)
    travel(DUE_SOON_AT)
    work()

    assert result.found == {"due_soon": 1}
    assert kinds(notifications()) == [("due_soon", 1, "sent")]
    [message] = smtp.messages
    assert message["To"].addresses[0].addr_spec == facilitator.email
    assert message["Subject"].startswith("Week 1 log for CS")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Monday 12 January 2026, 09:00 Central Africa Time (Africa/Kigali)" in text
    assert "CS" in text and "cohort Cohort" in text and "class 2025J" in text
    assert "http://127.0.0.1:5000/docs" in text
    # The link opens this week of this offering on the facilitator's page, not the raw API.
    week_link = f"http://127.0.0.1:5000/facilitator/#offering={offering_id}&week=1"
    assert f"Open this week on your page: {week_link}" in text
    assert f'<a href="{week_link}">' in html.replace("&amp;", "&")
    assert "/api/v1/" not in text and "/api/v1/" not in html
    assert "<p>" in html and "Africa/Kigali" in html


def test_overdue_fires_two_hours_after_the_deadline_for_missing_and_incomplete_logs(
    facilitator, offering_of, create_log, sweep, work, smtp, notifications
):
    missing = offering_of(facilitator)
    incomplete = offering_of(facilitator)
    complete = offering_of(facilitator)
    create_log(facilitator, incomplete, 1)
    create_log(facilitator, complete, 1, **ALL_DONE)

    assert "overdue" not in sweep(OVERDUE_AT - MINUTE).found
    assert sweep(OVERDUE_AT).found["overdue"] == 2
    work()

    rows = [row for row in notifications() if row["kind"] == "overdue"]
    assert {row["offering_id"] for row in rows} == {missing, incomplete}
    assert {row["status"] for row in rows} == {"sent"}
    overdue = [message for message in smtp.messages if message["To"].addresses[0].addr_spec
               == facilitator.email]  # fmt: skip
    assert len(overdue) == 2
    bodies = [message.get_body(("plain",)).get_content() for message in overdue]
    assert any("filed but is incomplete" in body for body in bodies)
    assert any("has not been filed yet" in body for body in bodies)


def test_a_filed_log_is_not_reminded_and_one_filed_after_the_sweep_is_cancelled(
    facilitator, offering_of, create_log, sweep, work, smtp, notifications
):
    filed_before = offering_of(facilitator)
    filed_after = offering_of(facilitator)
    create_log(facilitator, filed_before, 1)

    assert sweep(DUE_SOON_AT).found == {"due_soon": 1}
    create_log(facilitator, filed_after, 1)
    work()

    assert kinds(notifications()) == [("due_soon", 1, "cancelled")]
    assert smtp.messages == []


def test_french_recipients_get_french_mail_with_the_local_time(
    create_user, offering_of, sweep, work, smtp
):
    francophone = create_user("facilitator", preferred_language="fr")
    offering_of(francophone)

    sweep(DUE_SOON_AT)
    work()

    [message] = smtp.messages
    text = message.get_body(("plain",)).get_content()
    assert message["Content-Language"] == "fr"
    assert "semaine 1" in message["Subject"]
    assert "Bonjour" in text
    assert "lundi 12 janvier 2026, 09:00" in text and "(Africa/Kigali)" in text
    assert message["Auto-Submitted"] == "auto-generated"
    assert html_title(message) == message["Subject"]


def test_a_sweep_run_twice_or_twice_at_once_sends_each_message_once(
    app_with, create_user, offering_of, sweep, work, smtp, notifications
):
    people = [create_user("facilitator") for _ in range(3)]
    for person in people:
        offering_of(person)

    first, second = sweep(DUE_SOON_AT), sweep(DUE_SOON_AT)
    other_app = app_with(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
    results = []

    def concurrent_sweep():
        from app.data.unit_of_work import unit_of_work
        from app.notifications import sweep as reminders_sweep

        with other_app.app_context(), unit_of_work():
            results.append(reminders_sweep.sweep(DUE_SOON_AT + MINUTE))

    threads = [threading.Thread(target=concurrent_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    work()

    assert (first.inserted, second.inserted) == (3, 0)
    assert [result.inserted for result in results] == [0, 0]
    assert len(notifications()) == 3
    assert smtp.ids() == sorted(row["id"] for row in notifications())


def test_reassigned_offering_reminds_its_new_facilitator_only(
    client, as_manager, create_user, offering_of, sweep, work, smtp, notifications
):
    before, after = create_user("facilitator"), create_user("facilitator")
    offering = offering_of(before)
    sweep(DUE_SOON_AT)

    response = client.patch(
        f"/api/v1/course-offerings/{offering}", json={"facilitator_id": after.id},
        headers=as_manager,
    )  # fmt: skip
    assert response.status_code == 200, response.json
    sweep(DUE_SOON_AT + MINUTE)
    work()

    assert [message["To"].addresses[0].addr_spec for message in smtp.messages] == [after.email]
    statuses = {row["recipient_id"]: row["status"] for row in notifications()}
    assert statuses == {before.id: "cancelled", after.id: "sent"}


def test_an_offering_reassigned_away_and_back_reminds_its_facilitator_again(
    client, as_manager, create_user, offering_of, sweep, work, smtp, notifications
):
    first, second = create_user("facilitator"), create_user("facilitator")
    offering = offering_of(first)

    def reassign(person, minutes):
        response = client.patch(
            f"/api/v1/course-offerings/{offering}", json={"facilitator_id": person.id},
            headers=as_manager,
        )  # fmt: skip
        assert response.status_code == 200, response.json
        return sweep(DUE_SOON_AT + minutes * MINUTE)

    sweep(DUE_SOON_AT)
    reassign(second, 1)
    back = reassign(first, 2)
    work()

    assert back.inserted == 1
    assert [message["To"].addresses[0].addr_spec for message in smtp.messages] == [first.email]
    rows = {row["recipient_id"]: row for row in notifications()}
    assert {person: row["status"] for person, row in rows.items()} == {
        first.id: "sent",
        second.id: "cancelled",
    }
    assert rows[first.id]["attempts"] == 1 and rows[first.id]["claimed_by"] is None


def test_a_deactivated_facilitator_gets_nothing(
    app, create_user, offering_of, sweep, work, smtp, notifications
):
    from app.auth.models import User
    from app.extensions import db

    person = create_user("facilitator")
    offering_of(person)
    sweep(DUE_SOON_AT)
    with app.app_context():
        db.session.get(User, person.id).is_active = False
        db.session.commit()
    work()

    assert smtp.messages == []
    assert kinds(notifications()) == [("due_soon", 1, "cancelled")]
    assert sweep(DUE_SOON_AT + MINUTE).found == {}


def test_deactivating_a_facilitator_in_the_admin_api_cancels_their_reminders_at_once(
    client, as_manager, create_user, offering_of, sweep, notifications
):
    person = create_user("facilitator")
    offering_of(person)
    sweep(DUE_SOON_AT)

    response = client.patch(
        f"/api/v1/admin/users/{person.id}", json={"is_active": False}, headers=as_manager
    )

    assert response.status_code == 200, response.json
    assert kinds(notifications()) == [("due_soon", 1, "cancelled")]
    unstaffed = client.get(
        "/api/v1/admin/unstaffed-offerings", query_string={"trimester": 1, "year": 2026},
        headers=as_manager,
    )  # fmt: skip
    assert [item["facilitator_id"] for item in unstaffed.json] == [person.id]


def test_moved_offering_dates_cancel_the_old_deadline_and_remind_the_new_one(
    client, as_manager, facilitator, offering_of, sweep, work, smtp, notifications
):
    offering = offering_of(facilitator)
    sweep(DUE_SOON_AT)
    response = client.patch(
        f"/api/v1/course-offerings/{offering}", json={"start_date": "2026-01-06"},
        headers=as_manager,
    )  # fmt: skip
    assert response.status_code == 200, response.json
    sweep(DUE_SOON_AT + timedelta(days=1))
    work()

    rows = notifications()
    assert [(row["status"], row["deadline"]) for row in rows] == [
        ("cancelled", WEEK_1_DUE),
        ("sent", WEEK_1_DUE + timedelta(days=1)),
    ]
    assert len(smtp.messages) == 1


def test_completing_an_incomplete_log_cancels_its_overdue_reminder(
    manager, facilitator, offering_of, create_log, edit_log, sweep, work, smtp, notifications
):
    offering = offering_of(facilitator)
    log = create_log(facilitator, offering, 1)
    sweep(OVERDUE_AT)

    response = edit_log(manager, log["id"], **ALL_DONE)  # (read-only to the facilitator by now)
    assert response.status_code == 200, response.json
    work()

    assert [row["status"] for row in notifications() if row["kind"] == "overdue"] == ["cancelled"]
    assert all(m["To"].addresses[0].addr_spec != facilitator.email for m in smtp.messages)
