"""Reminder benchmarks: how long a sweep takes over 2,000 offerings x 15 weeks, and how many
e-mails per second two RQ workers deliver to a local SMTP sink.

    .venv/bin/python bench/reminders.py [--emails 5000] [--workers 2]

Builds a fresh MariaDB database `cmp_bench_reminders` (BENCH_REMINDERS_DATABASE_URL to change)
and uses Redis database 14 (BENCH_REMINDERS_REDIS_URL), which it flushes. Seeds 200
facilitators and 2,000 fifteen-week offerings starting 2026-01-05 with logs for weeks 1-7, then:

1. times sweeps at fixed instants: week 8 due soon (about 1,900 reminders), the same sweep again
   (nothing new), week 7 overdue plus the managers' digest;
2. records `--emails` due-soon reminders for later weeks, queues them in batches of 100, starts
   `--workers` x `flask worker --burst` against an aiosmtpd sink on loopback and times delivery.

Prints a Markdown table and writes bench/results/reminders.json. Everything it starts it stops.
"""

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pymysql
import redis
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get(
    "BENCH_REMINDERS_DATABASE_URL",
    "mysql+pymysql://root:@127.0.0.1:3306/cmp_bench_reminders?charset=utf8mb4",
)
REDIS_URL = os.environ.get("BENCH_REMINDERS_REDIS_URL", "redis://127.0.0.1:6379/14")
BULK = ("seed", "bulk", "--facilitators", "200", "--offerings", "2000", "--students", "2000",
        "--enrolments-per-student", "1", "--weeks", "7",
        "--year", "2026", "--trimester", "1")  # fmt: skip
ENV = {
    **os.environ,
    "FLASK_APP": "wsgi",
    "APP_ENV": "production",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "SECRET_KEY": secrets.token_urlsafe(32),
    "JWT_SECRET_KEY": secrets.token_urlsafe(32),
}
# Week n of an offering starting 2026-01-05 is due at 09:00 Kigali (07:00 UTC) on 01-05 + 7n.
START = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


def due(week: int) -> datetime:
    return START + timedelta(weeks=week)


class Sink:
    """Counts what the SMTP server accepts, with the first and last arrival times."""

    def __init__(self):
        self.count, self.first, self.last = 0, None, None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            self.last = time.perf_counter()
            self.first = self.first or self.last
        return "250 OK"


def flask(*arguments: str) -> None:
    subprocess.run([str(BIN / "flask"), *arguments], cwd=ROOT, env=ENV, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def recreate_database() -> None:
    url = urlsplit(DATABASE_URL.replace("mysql+pymysql", "mysql"))
    name = url.path.lstrip("/")
    with pymysql.connect(host=url.hostname, port=url.port or 3306, user=url.username,
                         password=url.password or "") as connection:  # fmt: skip
        cursor = connection.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    redis.Redis.from_url(REDIS_URL).flushdb()


def bench_app():
    from app import create_app
    from app.config import BaseConfig

    settings = {
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": ENV["SECRET_KEY"],
        "JWT_SECRET_KEY": ENV["JWT_SECRET_KEY"],
    }
    return create_app(type("BenchConfig", (BaseConfig,), settings))


def timed_sweep(at: datetime) -> tuple[float, object]:
    from app.data.unit_of_work import unit_of_work
    from app.notifications.sweep import sweep

    started = time.perf_counter()
    with unit_of_work():
        result = sweep(at)
    return time.perf_counter() - started, result


def sweeps() -> list[tuple[str, str]]:
    rows = []
    for label, at in (
        ("sweep: week 8 due soon", due(8) - timedelta(hours=48)),
        ("the same sweep again (nothing new)", due(8) - timedelta(hours=48)),
        ("sweep: week 7 overdue + managers' digest", due(7) + timedelta(hours=2)),
    ):
        seconds, result = timed_sweep(at)
        found = ", ".join(f"{n} {kind}" for kind, n in sorted(result.found.items()))
        rows.append((f"{label} ({found}; {result.inserted} new)", f"{seconds:.2f} s"))
    return rows


def record_reminders(count: int) -> None:
    """`count` due-soon reminders for weeks 9-15 (no log filed, so all still true to send),
    replacing every notification there was, and their delivery queued."""
    from sqlalchemy import delete, select

    from app.activity.deadlines import DeadlineRule
    from app.courses.models import CourseOffering
    from app.data.unit_of_work import unit_of_work
    from app.extensions import db
    from app.notifications.models import Notification
    from app.notifications.queue import queue_pending
    from app.notifications.registry import kind_named
    from app.notifications.store import insert_new, notification_row
    from app.notifications.sweep import SweepResult

    rule = DeadlineRule.from_config()
    with unit_of_work():
        db.session.execute(delete(Notification))
        offerings = db.session.execute(
            select(CourseOffering.id, CourseOffering.start_date, CourseOffering.facilitator_id)
            .where(CourseOffering.facilitator_id.is_not(None))
        ).all()  # fmt: skip
        rows = [
            notification_row(
                kind_named("due_soon"), preference=None, recipient_id=offering.facilitator_id,
                language="en", offering_id=offering.id, week_number=week,
                deadline=rule.due_at(offering.start_date, week),
            )
            for week in range(9, 16)
            for offering in offerings
        ][:count]  # fmt: skip
        insert_new(rows)
    redis.Redis.from_url(REDIS_URL).flushdb()
    with unit_of_work():
        queue_pending(SweepResult())


def deliver(count: int, workers: int) -> list[tuple[str, str]]:
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = ENV | {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)}
    started = time.perf_counter()
    processes = [
        subprocess.Popen([str(BIN / "flask"), "worker", "--burst", "notifications"], cwd=ROOT,
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]  # fmt: skip
    for process in processes:
        process.wait()
    elapsed = time.perf_counter() - started
    controller.stop()
    flowing = (sink.last - sink.first) if sink.count > 1 else float("nan")
    return [
        (f"{count:,} e-mails, {workers} workers: delivered", f"{sink.count:,}"),
        ("... wall time, workers start to exit", f"{elapsed:.1f} s, {sink.count / elapsed:.0f}/s"),
        ("... first to last message", f"{flowing:.1f} s, {sink.count / flowing:.0f} msg/s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="Keep the database seeded last run.")
    options = parser.parse_args()
    if not options.reuse:
        recreate_database()
        flask("db", "upgrade")
        flask(*BULK)
    app = bench_app()
    with app.app_context():
        rows = sweeps()
        record_reminders(options.emails)
    rows += deliver(options.emails, options.workers)
    print("| what | figure |\n|---|---|")
    for label, figure in rows:
        print(f"| {label} | {figure} |")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "reminders.json").write_text(json.dumps(dict(rows), indent=2))


if __name__ == "__main__":
    main()
