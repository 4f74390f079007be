"""`flask reminders sweep|status`: run a sweep by hand, see how delivery is doing."""

from collections import Counter
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from app.core.clock import now
from app.data.unit_of_work import unit_of_work
from app.extensions import db, redis_store
from app.notifications import mail
from app.notifications.models import Notification, Status
from app.notifications.queue import QUEUES
from app.notifications.sweep import LAST_SWEEP_KEY
from app.notifications.sweep import sweep as run_sweep

reminders_cli = AppGroup("reminders", help="Deadline reminders, alerts and digests.")


def instant(_context, _parameter, value: str | None) -> datetime:
    if value is None:
        return now()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO-8601 time: {value}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@reminders_cli.command("sweep")
@click.option("--at", "moment", callback=instant, help="Sweep as if it were this ISO-8601 time "
              "(UTC unless it names an offset). Default: now.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Only print what would be queued.")
def sweep(moment: datetime, dry_run: bool):
    """Find every reminder, alert and digest due, record it and queue its delivery.

    Without REDIS_URL delivery runs inline: the e-mails are sent (or written under
    instance/outbox/ when SMTP_HOST is unset) before this command returns, and it says how
    many were sent, cancelled or failed.
    """
    with unit_of_work():
        result = run_sweep(moment, dry_run=dry_run)
    verb = "would record" if dry_run else "found"
    click.echo(f"Sweep at {moment.isoformat()}: {verb} " + describe(result.found))
    if dry_run:
        return
    click.echo(f"New notifications: {result.inserted}")
    if not current_app.config["REDIS_URL"]:
        report_inline_delivery([id_ for batch in result.batches for id_ in batch])
        return
    queued = sum(len(batch) for batch in result.batches)
    click.echo(f"Queued for e-mail: {queued} in {len(result.batches)} job(s)")
    if result.queue_error:
        click.echo(f"Queue unreachable ({result.queue_error}): they stay pending for the next "
                   "sweep.", err=True)  # fmt: skip


def report_inline_delivery(ids: list[int]) -> None:
    """The embedded queue ran the deliveries before the sweep returned: say how they ended."""
    rows = db.session.execute(
        select(Notification.status, Notification.last_error).where(Notification.id.in_(ids))
    ).all()
    outcome = Counter(status for status, _error in rows)
    click.echo(
        f"E-mail delivered inline: {outcome[Status.SENT]} sent, "
        f"{outcome[Status.CANCELLED]} cancelled (no longer true), {outcome[Status.FAILED]} failed, "
        f"{outcome[Status.PENDING]} still pending"
    )
    for error in sorted({error for status, error in rows if status != Status.SENT and error}):
        click.echo(f"  error: {error}", err=True)
    if outcome[Status.SENT] and mail.delivery_mode() == "outbox":
        click.echo(f"Written as .eml files to {mail.outbox_directory()} (SMTP_HOST is unset).")


def describe(found: dict) -> str:
    if not found:
        return "nothing due."
    return ", ".join(f"{count} {kind}" for kind, count in sorted(found.items())) + "."


@reminders_cli.command("status")
def status():
    """Queue depth, failed jobs, live workers, notification states and the last sweep."""
    counts = db.session.execute(
        select(Notification.status, func.count()).group_by(Notification.status)
    ).all()
    click.echo("Notifications: " + (", ".join(f"{n} {s}" for s, n in sorted(counts)) or "none"))
    click.echo(mail_line())
    if not current_app.config["REDIS_URL"]:
        click.echo("Queue: embedded (REDIS_URL unset): jobs run inline, no workers.")
        click.echo(last_sweep_line(embedded=True))
        return
    try:
        for line in queue_lines():
            click.echo(line)
    except RedisError as error:
        click.echo(f"Queue: unreachable ({error})", err=True)
        raise SystemExit(1) from error


def mail_line() -> str:
    mode = mail.delivery_mode()
    if mode == "smtp":
        config = current_app.config
        return f"Mail: SMTP via {config['SMTP_HOST']}:{config['SMTP_PORT']}"
    if mode == "outbox":
        return f"Mail: development outbox, .eml files in {mail.outbox_directory()}"
    return f"Mail: NOT CONFIGURED ({mail.NOT_CONFIGURED}); e-mail reminders fail"


def queue_lines() -> list[str]:
    connection = redis_store.client()
    lines = []
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        failed = FailedJobRegistry(queue=queue).count
        lines.append(f"Queue {name}: {queue.count} queued, {failed} failed")
    workers = Worker.all(connection=connection)
    lines.append(f"Workers alive: {len(workers)}")
    lines.append(last_sweep_line())
    return lines


def last_sweep_line(embedded: bool = False) -> str:
    last = redis_store.client().get(LAST_SWEEP_KEY)
    if last:
        return f"Last sweep: {last.decode()}"
    if embedded:  # the embedded Redis lives and dies with one process, such as this command
        return "Last sweep: never (without REDIS_URL no sweep is remembered between commands)"
    return "Last sweep: never"
