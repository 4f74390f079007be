"""Nothing lost, nothing sent twice: Redis down during a sweep, an SMTP server refusing, a
worker killed with SIGKILL in the middle of a batch."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from rq import Worker
from rq.job import Job
from rq.worker import WorkerStatus

from app.config import PROJECT_ROOT
from app.extensions import redis_store
from tests.notifications.conftest import WEEK_1_DUE, free_port

DUE_SOON_AT = WEEK_1_DUE - timedelta(hours=48)


@pytest.fixture
def five_reminders(create_user, offering_of):
    """Five facilitators, each with an offering whose week 1 is due soon."""
    people = [create_user("facilitator") for _ in range(5)]
    for person in people:
        offering_of(person)
    return people


def test_rows_stay_pending_while_redis_is_down_and_go_once_it_is_back(
    app, app_with, five_reminders, sweep, work, smtp, notifications
):
    from app.data.unit_of_work import unit_of_work
    from app.notifications import sweep as reminders_sweep

    no_redis = app_with(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with no_redis.app_context(), unit_of_work():
        down = reminders_sweep.sweep(DUE_SOON_AT)

    assert down.inserted == 5 and down.queued_jobs == [] and down.queue_error
    assert {row["status"] for row in notifications()} == {"pending"}

    back = sweep(DUE_SOON_AT + timedelta(minutes=15))
    work()
    sweep(DUE_SOON_AT + timedelta(minutes=30))
    work()

    assert back.inserted == 0 and len(back.queued_jobs) == 1
    assert {row["status"] for row in notifications()} == {"sent"}
    assert smtp.ids() == [row["id"] for row in notifications()]


def test_a_refusing_smtp_server_is_retried_then_the_row_fails_with_its_answer(
    app, monkeypatch, facilitator, offering_of, sweep, work, smtp, notifications
):
    monkeypatch.setitem(app.config, "REMINDER_RETRY_DELAYS", "0,0")
    smtp.refuse = "554 5.7.1 Relay access denied"
    offering_of(facilitator)

    sweep(DUE_SOON_AT)
    work()

    [row] = notifications()
    assert smtp.refused == 3  # the first attempt and two retries
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert row["last_error"] == "554 5.7.1 Relay access denied"
    assert smtp.messages == []


def test_an_unreachable_smtp_server_is_retried_then_the_row_fails_with_the_error(
    app, monkeypatch, facilitator, offering_of, sweep, work, smtp, notifications
):
    monkeypatch.setitem(app.config, "REMINDER_RETRY_DELAYS", "0,0")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there yet
    offering_of(facilitator)

    sweep(DUE_SOON_AT)
    work()

    [row] = notifications()
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert "Connection refused" in row["last_error"]


def worker_process(smtp_port: int, claim_timeout: int) -> subprocess.Popen:
    """`flask worker --burst` in its own process: RQ's forking worker, as in production."""
    env = os.environ | {
        "APP_ENV": "testing",
        "FLASK_APP": "wsgi",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "REMINDER_CLAIM_TIMEOUT_SECONDS": str(claim_timeout),
    }
    flask = Path(sys.executable).with_name("flask")
    return subprocess.Popen(
        [str(flask), "worker", "--burst"], cwd=PROJECT_ROOT, env=env, start_new_session=True
    )


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse (RQ puts the horse in a process group of its own)."""
    children = [
        int(pid)
        for pid in os.listdir("/proc")
        if pid.isdigit() and parent_of(int(pid)) == process.pid
    ]
    for pid in [process.pid, *children]:
        os.killpg(pid, signal.SIGKILL)
    process.wait()


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_a_worker_killed_mid_batch_leaves_every_message_delivered_exactly_once(
    app, monkeypatch, five_reminders, sweep, smtp, notifications, travel
):
    claim_timeout = 3
    monkeypatch.setitem(app.config, "REMINDER_CLAIM_TIMEOUT_SECONDS", claim_timeout)
    smtp.stall_on = 3  # the server sits on the third message until the worker is killed
    sweep(DUE_SOON_AT)

    first = worker_process(smtp.port, claim_timeout)
    assert smtp.stalled.wait(60), "the worker never reached the third message"
    kill_tree(first)
    statuses = sorted(row["status"] for row in notifications())
    assert statuses == ["pending"] * 3 + ["sent"] * 2

    # The dead worker's claim expires: in real time for the next worker (another process), and
    # on this process's clock too (which a --clock run has moved elsewhere).
    time.sleep(claim_timeout + 0.5)
    claimed_at = max(row["claimed_at"] for row in notifications() if row["claimed_at"])
    travel(claimed_at + timedelta(seconds=claim_timeout + 1))
    sweep(DUE_SOON_AT + timedelta(minutes=15))
    second = worker_process(smtp.port, claim_timeout)
    assert second.wait(120) == 0

    assert {row["status"] for row in notifications()} == {"sent"}
    assert smtp.ids() == [row["id"] for row in notifications()]


def test_a_worker_stops_gracefully_on_sigterm(app, smtp):
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("flask")), "worker"],
        cwd=PROJECT_ROOT,
        env=os.environ | {"APP_ENV": "testing", "FLASK_APP": "wsgi"},
        stderr=subprocess.PIPE,
        text=True,
    )
    with app.app_context():
        for _ in range(300):  # until it waits for jobs: its signal handlers are in place by then
            workers = Worker.all(connection=redis_store.client())
            if workers and workers[0].get_state() == WorkerStatus.IDLE:
                break
            time.sleep(0.1)

    worker.send_signal(signal.SIGTERM)

    assert worker.wait(30) == 0
    assert "warm shut down requested" in worker.stderr.read().lower()


def test_starttls_refuses_a_server_whose_certificate_is_not_trusted(
    app, monkeypatch, facilitator, offering_of, sweep, work, tls_smtp, notifications
):
    monkeypatch.setitem(app.config, "REMINDER_RETRY_DELAYS", "")
    offering_of(facilitator)

    sweep(DUE_SOON_AT)
    work()

    [row] = notifications()
    assert row["status"] == "failed"
    assert "CERTIFICATE_VERIFY_FAILED" in row["last_error"]
    assert tls_smtp.messages == []


def test_starttls_delivers_to_a_server_whose_certificate_is_trusted(
    monkeypatch, facilitator, offering_of, sweep, work, tls_smtp, notifications
):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_smtp.certificate))  # OpenSSL's trust store
    offering_of(facilitator)

    sweep(DUE_SOON_AT)
    work()

    assert [row["status"] for row in notifications()] == ["sent"]
    assert tls_smtp.ids() == [row["id"] for row in notifications()]


def test_an_outbox_that_cannot_be_written_fails_the_row_instead_of_holding_it(
    app, monkeypatch, tmp_path, facilitator, offering_of, sweep, work, notifications
):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    monkeypatch.setitem(app.config, "REMINDER_RETRY_DELAYS", "")
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    (tmp_path / "outbox").write_text("a file where the outbox directory should be")
    offering_of(facilitator)

    sweep(DUE_SOON_AT)
    work()

    [row] = notifications()
    assert (row["status"], row["claimed_by"]) == ("failed", None)
    assert row["last_error"].startswith("FileExistsError")


def test_a_delivery_job_that_times_out_releases_its_rows_for_the_retry(
    app, monkeypatch, facilitator, offering_of, sweep, work, smtp, notifications
):
    # A 20 s claim gives the job a 10 s timeout, shorter than the SMTP client's own.
    monkeypatch.setitem(app.config, "REMINDER_CLAIM_TIMEOUT_SECONDS", 20)
    monkeypatch.setitem(app.config, "REMINDER_RETRY_DELAYS", "0")
    smtp.stall_on = 1  # the server sits on the first message until RQ stops the job
    offering_of(facilitator)

    sweep(DUE_SOON_AT)
    work()

    [row] = notifications()
    assert smtp.stalled.is_set()
    assert (row["status"], row["attempts"]) == ("sent", 2)
    assert smtp.ids() == [row["id"]]


def test_a_row_a_failed_attempt_released_waits_for_its_retry_though_a_new_batch_forms(
    app, monkeypatch, create_user, facilitator, offering_of, sweep, work, smtp, notifications
):
    monkeypatch.setitem(app.config, "REMINDER_RETRY_DELAYS", "600")
    smtp.refuse = "451 4.3.0 Try again later"
    offering_of(facilitator)
    sweep(DUE_SOON_AT)
    work()  # refused: the row goes back, its retry job is due in 600 s
    [failed] = notifications()
    assert (failed["status"], failed["attempts"]) == ("pending", 1)

    offering_of(create_user("facilitator"))  # a new reminder: the next batch differs
    later = sweep(DUE_SOON_AT + timedelta(minutes=15))

    with app.app_context():
        [job_id] = later.queued_jobs
        [batch] = Job.fetch(job_id, connection=redis_store.client()).args
    assert failed["id"] not in batch and len(batch) == 1
