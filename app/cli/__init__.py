"""`flask` command groups, one per area."""

from flask import Flask

from app.cli.attendance import attendance_cli
from app.cli.i18n import i18n_cli
from app.cli.reminders import reminders_cli
from app.cli.seed import seed_cli
from app.cli.users import users_cli


def register_cli(app: Flask) -> None:
    for group in (users_cli, seed_cli, i18n_cli, reminders_cli, attendance_cli):
        app.cli.add_command(group)
