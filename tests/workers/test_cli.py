"""`flask reminders sweep|status`, `flask worker`, `flask cron`, the periodic job list, and
the queue in /health."""

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import flask_migrate
import pytest
from rq import SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy import event, text

from app.auth import services as auth_services
from app.auth.models import Role, User
from app.config import PROJECT_ROOT
from app.data.unit_of_work import unit_of_work
from app.extensions import db, redis_store
from tests.notifications.conftest import WEEK_1_DUE, free_port

DUE_SOON_AT = (WEEK_1_DUE - timedelta(hours=48)).isoformat()
WEEK_2_DUE_SOON_AT = (WEEK_1_DUE + timedelta(weeks=1, hours=-48)).isoformat()


def test_sweep_dry_run_prints_what_it_would_queue_and_writes_nothing(
    app, facilitator, offering_of, notifications
):
    offering_of(facilitator)

    result = app.test_cli_runner().invoke(
        args=["reminders", "sweep", "--at", DUE_SOON_AT, "--dry-run"]
    )

    assert result.exit_code == 0, result.output
    assert "would record 1 due_soon." in result.output
    assert notifications() == []


def test_sweep_prints_what_it_queued_and_status_shows_the_queue(
    app, facilitator, offering_of, notifications
):
    offering_of(facilitator)
    runner = app.test_cli_runner()

    swept = runner.invoke(args=["reminders", "sweep", "--at", DUE_SOON_AT])
    status = runner.invoke(args=["reminders", "status"])

    assert swept.exit_code == 0, swept.output
    assert "found 1 due_soon." in swept.output
    assert "Queued for e-mail: 1 in 1 job(s)" in swept.output
    assert "Notifications: 1 pending" in status.output
    assert "Queue notifications: 1 queued, 0 failed" in status.output
    assert "Workers alive: 0" in status.output
    assert "Last sweep: " in status.output and "never" not in status.output


def test_sweep_refuses_a_time_that_is_not_iso_8601(app):
    result = app.test_cli_runner().invoke(args=["reminders", "sweep", "--at", "next tuesday"])

    assert result.exit_code == 2 and "not an ISO-8601 time" in result.output


def test_embedded_default_delivers_inline_into_the_outbox(
    app_with, tmp_path, facilitator, offering_of
):
    offering_of(facilitator)
    embedded = app_with(REDIS_URL=None, SMTP_HOST=None, INSTANCE_PATH=str(tmp_path))

    result = embedded.test_cli_runner().invoke(args=["reminders", "sweep", "--at", DUE_SOON_AT])

    assert result.exit_code == 0, result.output
    assert "delivered inline: 1 sent, 0 cancelled (no longer true), 0 failed" in result.output
    assert f"Written as .eml files to {tmp_path / 'outbox'}" in result.output
    assert "Queued" not in result.output
    [mail] = (tmp_path / "outbox").glob("*.eml")
    assert f"To: Facilitator1 Tester <{facilitator.email}>" in mail.read_text()
    status = embedded.test_cli_runner().invoke(args=["reminders", "status"])
    assert "Notifications: 1 sent" in status.output and "embedded" in status.output
    assert f"Mail: development outbox, .eml files in {tmp_path / 'outbox'}" in status.output
    assert "Last sweep: " in status.output and "never" not in status.output  # the same process


def test_status_says_so_when_no_sweep_has_run(app_with, tmp_path):
    embedded = app_with(REDIS_URL=None, SMTP_HOST=None, INSTANCE_PATH=str(tmp_path))

    status = embedded.test_cli_runner().invoke(args=["reminders", "status"])

    assert status.exit_code == 0, status.output
    assert "Last sweep: never" in status.output


def test_in_production_without_smtp_host_nothing_is_marked_sent_and_health_says_so(
    app_with, tmp_path, facilitator, offering_of, notifications
):
    offering_of(facilitator)
    production = app_with(
        APP_ENV="production", REDIS_URL=None, SMTP_HOST=None, INSTANCE_PATH=str(tmp_path)
    )
    runner = production.test_cli_runner()

    swept = runner.invoke(args=["reminders", "sweep", "--at", DUE_SOON_AT])
    status = runner.invoke(args=["reminders", "status"])
    health = production.test_client().get("/health").json

    assert swept.exit_code == 0, swept.output
    assert "delivered inline: 0 sent, 0 cancelled (no longer true), 1 failed" in swept.output
    assert "error: SMTP_HOST is not set" in swept.output
    [row] = notifications()
    assert (row["status"], row["sent_at"]) == ("failed", None)
    assert row["last_error"].startswith("SMTP_HOST is not set")
    assert not (tmp_path / "outbox").exists()
    assert "Mail: NOT CONFIGURED (SMTP_HOST is not set" in status.output
    assert health["checks"]["mail"] == "not_configured" and health["status"] == "degraded"


def flask_help(*command: str) -> str:
    """`flask … --help` as installed (worker and cron are Flask command entry points)."""
    flask = Path(sys.executable).with_name("flask")
    env = os.environ | {"APP_ENV": "testing", "FLASK_APP": "wsgi"}
    return subprocess.run(
        [str(flask), *command, "--help"], cwd=PROJECT_ROOT, env=env, capture_output=True,
        text=True, check=True,
    ).stdout  # fmt: skip


def test_worker_and_cron_commands_explain_themselves():
    assert "--burst" in flask_help("worker")
    assert "exactly one" in flask_help("cron")
    assert "--dry-run" in flask_help("reminders", "sweep")


def test_the_cron_config_registers_the_sweep_and_the_digest(app):
    with app.app_context():
        scheduler = CronScheduler(connection=redis_store.client())
    scheduler.load_config_from_file("workers/cron.py")

    jobs = {job.name: job for job in scheduler.get_jobs()}
    assert jobs["reminders-sweep"].interval == 15 * 60
    assert jobs["reminders-sweep"].func_name == "workers.jobs.sweep"
    assert jobs["reminders-digest"].cron == "1 7 * * *"  # not on the hour, with the sweep
    assert jobs["reminders-sweep"].job_options["job_timeout"] == 300


def test_health_reports_the_queue_and_its_workers(app, client):
    degraded = client.get("/health").json["checks"]["queue"]
    with app.app_context():
        worker = SimpleWorker(["notifications"], connection=redis_store.client())
        worker.register_birth()
        worker.heartbeat()
        alive = client.get("/health").json["checks"]["queue"]
        worker.register_death()

    assert degraded == {"status": "degraded", "workers": 0, "queued": 0, "failed": 0}
    assert alive["status"] == "ok" and alive["workers"] == 1


def test_on_sqlite_a_repeated_sweep_records_and_sends_each_reminder_once(app_with, tmp_path):
    """The embedded default end to end: SQLite (INSERT OR IGNORE), inline jobs, the outbox."""
    embedded = app_with(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'cmp.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={},
        REDIS_URL=None,
        SMTP_HOST=None,
        INSTANCE_PATH=str(tmp_path),
    )
    with embedded.app_context():
        flask_migrate.upgrade()
        with unit_of_work():
            people = {
                role: auth_services.create_user(
                    role=role, email=f"{role}@example.test", password="correct horse battery",
                    first_name=role.value.title(), last_name="Tester", employee_id="E1"
                    if role == Role.FACILITATOR else None,
                )
                for role in (Role.MANAGER, Role.FACILITATOR)
            }  # fmt: skip
        manager_id, facilitator_id = people[Role.MANAGER].id, people[Role.FACILITATOR].id
    client = embedded.test_client()
    with embedded.test_request_context():
        token = auth_services.issue_tokens(db.session.get(User, manager_id))["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    ids = {
        name: client.post(f"/api/v1/{name}", json=body, headers=headers).json["id"]
        for name, body in (
            ("modules", {"code": "CS101", "name": "Programming", "credits": 15}),
            ("cohorts", {"name": "Cohort 2026"}),
            ("classes", {"name": "2026J"}),
        )
    }
    modes = client.get("/api/v1/modes", headers=headers).json
    offering = client.post("/api/v1/course-offerings", headers=headers, json={
        "module_id": ids["modules"], "cohort_id": ids["cohorts"], "class_id": ids["classes"],
        "mode_id": modes[0]["id"], "trimester": 1, "year": 2026, "intake": "HT1",
        "start_date": "2026-01-05", "end_date": "2026-04-03", "max_students": 30,
        "facilitator_id": facilitator_id,
    })  # fmt: skip
    assert offering.status_code == 201, offering.json
    runner = embedded.test_cli_runner()

    first = runner.invoke(args=["reminders", "sweep", "--at", DUE_SOON_AT])
    second = runner.invoke(args=["reminders", "sweep", "--at", DUE_SOON_AT])

    assert "New notifications: 1" in first.output, first.output
    assert "New notifications: 0" in second.output, second.output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1

    # Recorded while the queue is unreachable, taken away before it went out, then given back:
    # the cancelled reminder is revived (SQLite's ON CONFLICT … DO UPDATE … WHERE cancelled).
    unreachable = app_with(
        SQLALCHEMY_DATABASE_URI=embedded.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={},
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
    )
    unreachable.test_cli_runner().invoke(args=["reminders", "sweep", "--at", WEEK_2_DUE_SOON_AT])
    for facilitator in (None, facilitator_id):
        response = client.patch(f"/api/v1/course-offerings/{offering.json['id']}",
                                json={"facilitator_id": facilitator}, headers=headers)  # fmt: skip
        assert response.status_code == 200, response.json
    third = runner.invoke(args=["reminders", "sweep", "--at", WEEK_2_DUE_SOON_AT])
    assert "New notifications: 1" in third.output, third.output
    with embedded.app_context():  # recorded as sent, so no later sweep sends them again
        statuses = db.session.execute(text("SELECT kind, status FROM notifications")).all()
    assert sorted(statuses) == [("digest", "cancelled"), ("due_soon", "sent"), ("due_soon", "sent")]
    assert "delivered inline: 1 sent" in third.output, third.output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2


def test_the_periodic_sweep_job_records_and_a_worker_delivers(
    app, facilitator, offering_of, work, smtp, notifications
):
    offering_of(facilitator)
    with app.app_context():
        redis_store.queue("default").enqueue("workers.jobs.sweep", DUE_SOON_AT)

    work()

    assert [(row["kind"], row["status"]) for row in notifications()] == [("due_soon", "sent")]
    assert len(smtp.messages) == 1


def wait_one_second_for_locks(connection, _record) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")


@pytest.mark.mariadb  # MariaDB's lock wait timeout (1205)
def test_a_sweep_that_loses_a_lock_conflict_runs_once_more(
    app, app_with, facilitator, offering_of, notifications, caplog
):
    """Another transaction holds the very row the sweep inserts; the sweep's lock wait times
    out (1205), and the job runs the sweep again once that transaction has let go."""
    from workers import jobs

    offering = offering_of(facilitator)
    impatient = app_with()
    with impatient.app_context():
        event.listen(db.engine, "connect", wait_one_second_for_locks)
    with app.app_context():
        blocker = db.engine.connect()
    transaction = blocker.begin()
    blocker.execute(
        text(
            "INSERT INTO notifications (dedupe_key, recipient_id, kind, offering_id, week_number,"
            " deadline, channel, status, attempts, language, created_at) VALUES (:key, :person,"
            " 'due_soon', :offering, 1, :deadline, 'email', 'cancelled', 0, 'en', :deadline)"
        ),
        {"key": f"due_soon:{facilitator.id}:{offering}:1:20260112T070000",
         "person": facilitator.id, "offering": offering, "deadline": WEEK_1_DUE},
    )  # fmt: skip
    letting_go = threading.Timer(1.7, transaction.rollback)
    letting_go.start()
    try:
        with impatient.app_context():
            result = jobs.sweep(DUE_SOON_AT)
    finally:
        letting_go.join()
        blocker.close()

    assert "lost a lock conflict" in caplog.text and "1205" in caplog.text
    assert result["inserted"] == 1
    assert [(row["kind"], row["status"]) for row in notifications()] == [("due_soon", "pending")]
