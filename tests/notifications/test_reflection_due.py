"""Issue 11: students who have not reflected get one reminder, in-app and by e-mail in their
language, when their offering ends — and none once they have reflected."""

from datetime import UTC, datetime, timedelta

# The default offering's last day is Friday 2026-04-03: it has ended at local midnight, 22:00 UTC.
ENDED = datetime(2026, 4, 3, 22, 0, tzinfo=UTC)
AFTER = ENDED + timedelta(hours=1)
PREFERENCES = "/api/v1/me/notification-preferences"


def reflection_rows(notifications) -> list[tuple]:
    return [(row["recipient_id"], row["channel"], row["status"])
            for row in notifications() if row["kind"] == "reflection_due"]  # fmt: skip


def test_a_student_without_a_reflection_is_reminded_once_in_their_language(
    create_user, facilitator, offering_of, enrol, create_reflection, sweep, work, smtp,
    notifications,
):  # fmt: skip
    amelie = create_user("student", preferred_language="fr")
    done = create_user("student")
    offering = offering_of(facilitator)
    enrol(offering, amelie, done)
    create_reflection(done, offering)

    assert "reflection_due" not in sweep(ENDED - timedelta(minutes=1)).found
    assert sweep(AFTER).found["reflection_due"] == 1
    sweep(AFTER + timedelta(hours=1))
    work()

    assert reflection_rows(notifications) == [(amelie.id, "email", "sent")]
    [message] = [m for m in smtp.messages if m["To"].addresses[0].addr_spec == amelie.email]
    assert message["Subject"].startswith("CS") and "comment" in message["Subject"].lower()
    text = message.get_body(("plain",)).get_content()
    assert "vendredi 3 avril 2026" in text
    assert "http://127.0.0.1:5000/reflection/" in text
    assert "reflection_due" not in sweep(AFTER + timedelta(days=2)).found


def test_a_student_who_reflects_before_the_e_mail_goes_gets_none(
    create_user, facilitator, offering_of, enrol, create_reflection, sweep, work, smtp,
    notifications,
):  # fmt: skip
    student = create_user("student")
    offering = offering_of(facilitator)
    enrol(offering, student)

    sweep(AFTER)
    create_reflection(student, offering)
    work()

    assert reflection_rows(notifications) == [(student.id, "email", "cancelled")]
    assert smtp.messages == []


def test_reflecting_clears_the_reminder_from_the_inbox_at_once(
    create_user, facilitator, offering_of, enrol, create_reflection, sweep, notifications
):
    student = create_user("student")
    offering = offering_of(facilitator)
    enrol(offering, student)
    sweep(AFTER)

    create_reflection(student, offering)  # no worker has run: only the submission acted

    assert reflection_rows(notifications) == [(student.id, "email", "cancelled")]


def test_students_choose_immediate_or_off_and_off_still_lands_in_the_inbox(
    client, create_user, auth_headers, facilitator, offering_of, enrol, sweep, work, smtp,
    notifications,
):  # fmt: skip
    student = create_user("student")
    headers = auth_headers(student)
    offering = offering_of(facilitator)
    enrol(offering, student)

    assert client.get(PREFERENCES, headers=headers).json == {"reflection_due": "immediate"}
    refused = client.put(PREFERENCES, json={"reflection_due": "daily_digest"}, headers=headers)
    assert refused.status_code == 422
    assert "reflection_due" in refused.json["errors"]["json"]
    off = client.put(PREFERENCES, json={"reflection_due": "off"}, headers=headers)
    assert off.status_code == 200, off.json

    sweep(AFTER)
    work()

    assert reflection_rows(notifications) == [(student.id, "in_app", "sent")]
    assert smtp.messages == []
    [entry] = client.get("/api/v1/notifications", headers=headers).json
    assert entry["kind"] == "reflection_due"
    assert entry["title"].startswith("CS") and entry["title"].endswith(" has ended: how did it go?")
