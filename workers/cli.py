"""`flask worker` and `flask cron` (registered as Flask commands in pyproject.toml)."""

import os
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from rq.cron import CronScheduler

from app.extensions import redis_store


def require_redis() -> None:
    if not current_app.config["REDIS_URL"]:
        raise click.UsageError(
            "REDIS_URL is not set: in the embedded default jobs run inline, no worker is needed."
        )


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queues are empty.")
@click.argument("queues", nargs=-1)
@with_appcontext
def worker(burst, queues):
    """Run an RQ worker inside the app (queues: notifications and default, unless named).

    SIGTERM finishes the current job, then stops.
    """
    require_redis()
    from workers.worker import run_worker

    run_worker(tuple(queues), burst)


@click.command("cron")
@with_appcontext
def cron():
    """Run the periodic jobs listed in workers/cron.py (run exactly one of these)."""
    require_redis()
    # Cron expressions follow the process's local time: make that the institution's.
    os.environ["TZ"] = current_app.config["INSTITUTION_TIMEZONE"]
    time.tzset()
    scheduler = CronScheduler(connection=redis_store.client())
    scheduler.load_config_from_file("workers.cron")
    scheduler.start()
