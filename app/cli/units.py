"""Every `flask` command that touches data is one unit of work."""

from functools import wraps

import click

from app.core.exceptions import DomainError
from app.data.unit_of_work import unit_of_work


def command_unit(command):
    """Run `command` as one unit of work: it commits once at the end, or leaves nothing written.
    A refused use case prints its message and exits non-zero (no traceback)."""

    @wraps(command)
    def run(*args, **kwargs):
        try:
            with unit_of_work():
                return command(*args, **kwargs)
        except DomainError as error:
            raise click.ClickException(error.message or str(error)) from error

    return run
