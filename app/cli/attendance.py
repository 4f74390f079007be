"""`flask attendance unmatched`: the logs whose old attendance list no roster matched."""

import click
from flask.cli import AppGroup

from app.activity import attendance
from app.cli.units import command_unit

attendance_cli = AppGroup("attendance", help="Per-student attendance.")


@attendance_cli.command("unmatched")
@command_unit
def unmatched():
    """List the weekly logs whose list of booleans did not match their week's roster.

    They are kept as counts (present of recorded); a manager re-enters each one's attendance
    per student (PATCH /api/v1/activity-logs/{id}), which replaces the counts.
    """
    logs = attendance.unmatched_logs()
    for log in logs:
        click.echo(
            f"log {log.id}  offering {log.offering_id} ({log.module_code})  week {log.week_number}"
            f"  {log.legacy_present} present of {log.legacy_recorded}"
        )
    click.echo(f"{len(logs)} log(s) to re-enter.")
