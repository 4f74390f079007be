"""Students at risk: the facilitator hears once each time a student of theirs becomes at risk
(again after a recovery and relapse), in their language, by e-mail unless they turned that
off; managers read every student at risk in their daily digest."""

import threading
from datetime import timedelta

import pytest

from tests.activity.test_at_risk import BEFORE_TERM, TERM_START, WEEKS, file_week

PREFERENCES = "/api/v1/me/notification-preferences"
# Week 3 filed: Grace (absent weeks 1 and 3) is at risk from then on, attending 1 of 3.
AFTER_WEEK_3 = TERM_START + timedelta(weeks=3, hours=1)
# Before the digest hour (07:00 Kigali, 05:00 UTC): no digest in the way.
EARLY = TERM_START + timedelta(weeks=3, hours=-4)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def team(facilitator, offering_of, enrolled):
    offering_id = offering_of(facilitator)
    students = enrolled(offering_id, "Ada Lovelace", "Alan Turing", "Grace Hopper")
    return offering_id, students


@pytest.fixture
def three_weeks_filed(facilitator, team, create_log):
    offering_id, students = team
    for week in (1, 2, 3):
        file_week(create_log, facilitator, offering_id, students, week, WEEKS[week])
    return offering_id


def at_risk_mail(smtp) -> list:
    return [message for message in smtp.messages if " is at risk in " in message["Subject"]]


def at_risk_rows(notifications) -> list[tuple]:
    return [(row["student_id"], row["week_number"], row["channel"], row["status"])
            for row in notifications() if row["kind"] == "at_risk"]  # fmt: skip


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_one_message_per_spell_at_risk_as_the_trimester_goes_by(
    time_machine, facilitator, team, create_log, sweep, work, smtp, notifications
):
    time_machine.move_to(BEFORE_TERM, tick=True)
    offering_id, (_ada, alan, grace) = team
    for week, statuses in WEEKS.items():
        moment = TERM_START + timedelta(weeks=week, hours=1)
        time_machine.move_to(moment, tick=True)
        file_week(create_log, facilitator, offering_id, team[1], week, statuses)
        sweep(moment)
        work()

    # Grace from week 3 to 7; Alan at week 8, recovered at 9, fallen back from 10.
    assert at_risk_rows(notifications) == [
        (grace.id, 3, "email", "sent"), (alan.id, 8, "email", "sent"),
        (alan.id, 10, "email", "sent"),
    ]  # fmt: skip
    grace_mail, alan_first, alan_again = at_risk_mail(smtp)
    assert grace_mail["Subject"].startswith("Grace Hopper is at risk in CS")
    assert "attended 1 of 3 recorded weeks (33%)" in plain(grace_mail)
    assert "since the week 3 log" in plain(grace_mail)
    assert "absent the last 2 recorded weeks" in plain(alan_first)
    assert "attended" not in plain(alan_first)
    assert "attended 7 of 10 recorded weeks (70%)" in plain(alan_again)
    assert all("http://127.0.0.1:5000/docs" in plain(m) for m in (grace_mail, alan_again))
    assert all("/api/" not in plain(m) for m in (grace_mail, alan_first, alan_again))
    # Each links to its student on the offering's roster, on the facilitator's page.
    page = f"http://127.0.0.1:5000/facilitator/#offering={offering_id}"
    assert f"{page}&student={grace.id}" in plain(grace_mail)
    assert f"{page}&student={alan.id}" in plain(alan_again)


def test_a_student_who_recovers_before_the_e_mail_goes_is_not_reported(
    time_machine, facilitator, team, create_log, sweep, work, smtp, notifications
):
    time_machine.move_to(BEFORE_TERM, tick=True)
    offering_id, students = team
    for week in (1, 2, 3):
        time_machine.move_to(TERM_START + timedelta(weeks=week, hours=1), tick=True)
        file_week(create_log, facilitator, offering_id, students, week, WEEKS[week])
    sweep(AFTER_WEEK_3)
    # Weeks 4 to 8 filed before any worker ran: Grace is no longer at risk.
    for week in (4, 5, 6, 7, 8):
        time_machine.move_to(TERM_START + timedelta(weeks=week, hours=1), tick=True)
        file_week(create_log, facilitator, offering_id, students, week, WEEKS[week])
    work()

    assert at_risk_rows(notifications) == [(students[2].id, 3, "email", "cancelled")]
    assert at_risk_mail(smtp) == []


def test_two_sweeps_at_once_send_one_e_mail_per_spell(
    app_with, three_weeks_filed, sweep, work, smtp, notifications
):
    other_app = app_with(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
    results = []

    def concurrent_sweep():
        from app.data.unit_of_work import unit_of_work
        from app.notifications import sweep as reminders_sweep

        with other_app.app_context(), unit_of_work():
            results.append(reminders_sweep.sweep(EARLY))

    threads = [threading.Thread(target=concurrent_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sweep(EARLY + MINUTE)
    work()

    assert [result.found["at_risk"] for result in results] == [1, 1]
    assert len(at_risk_rows(notifications)) == 1
    [message] = at_risk_mail(smtp)
    assert message["Subject"].startswith("Grace Hopper")


def test_the_facilitator_reads_it_in_their_language(
    create_user, offering_of, enrolled, create_log, sweep, work, smtp
):
    francophone = create_user("facilitator", preferred_language="fr")
    offering_id = offering_of(francophone)
    students = enrolled(offering_id, "Ada Lovelace", "Alan Turing", "Grace Hopper")
    for week in (1, 2, 3):
        file_week(create_log, francophone, offering_id, students, week, WEEKS[week])

    sweep(EARLY)
    work()

    [message] = [m for m in smtp.messages if " est à risque en " in m["Subject"]]
    assert message["Subject"].startswith("Grace Hopper est à risque en CS")
    assert "présent à 1 des 3 semaines relevées (33\u00a0%)" in plain(message)


def test_managers_read_the_students_at_risk_in_their_digest(
    create_user, team, three_weeks_filed, sweep, work, smtp
):
    manager = create_user("manager", preferred_language="fr")

    sweep(AFTER_WEEK_3)
    work()

    [digest] = [m for m in smtp.messages if m["To"].addresses[0].addr_spec == manager.email]
    assert ", 1 étudiants à risque," in digest["Subject"]
    text = plain(digest)
    assert "Étudiants à risque d\u2019échec par absence (1)\u00a0:" in text
    assert "Grace Hopper\u00a0: présent à 1 des 3 semaines relevées (33\u00a0%)" in text
    assert "Alan Turing" not in text
    grace = team[1][2]
    assert f"/facilitator/#offering={three_weeks_filed}&student={grace.id}" in text


def test_the_facilitator_can_turn_the_e_mail_off_and_still_read_it_in_the_inbox(
    client, auth_headers, facilitator, three_weeks_filed, sweep, work, smtp, notifications
):
    headers = auth_headers(facilitator)
    refused = client.put(PREFERENCES, json={"at_risk": "daily_digest"}, headers=headers)
    assert refused.status_code == 422
    off = client.put(PREFERENCES, json={"at_risk": "off"}, headers=headers)
    assert off.status_code == 200, off.json

    sweep(EARLY)
    work()

    assert [row[2:] for row in at_risk_rows(notifications)] == [("in_app", "sent")]
    assert at_risk_mail(smtp) == []
    [entry] = [e for e in client.get("/api/v1/notifications", headers=headers).json
               if e["kind"] == "at_risk"]  # fmt: skip
    assert entry["title"].startswith("Grace Hopper is at risk in CS")
    assert "/facilitator/#offering=" in entry["link"] and "&student=" in entry["link"]
