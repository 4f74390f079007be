"""`flask users …`: staff and student accounts from the command line."""

import click
from flask.cli import AppGroup
from marshmallow import ValidationError, validate

from app.auth import services
from app.auth.models import Role
from app.auth.schemas import PASSWORD_LENGTH
from app.cli.units import command_unit
from app.i18n import LANGUAGES

users_cli = AppGroup("users", help="Create and manage accounts.")


@users_cli.command("create")
@command_unit
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--email", required=True)
@click.option("--password", help="Prompted for (hidden, twice) when omitted.")
@click.option("--first-name", default="", help="Defaults to the part of the email before @.")
@click.option("--last-name", default="")
@click.option("--language", type=click.Choice(LANGUAGES), default="en")
@click.option("--employee-id", help="Facilitators: staff number (generated when omitted).")
@click.option("--specialisation", help="Facilitators: subject area.")
@click.option("--student-number", help="Students: student number (generated when omitted).")
def create_user(role, email, password, first_name, last_name, language, **profile):
    """Create an account of any role (the only way to create the first manager)."""
    check(validate.Email(), email, "--email")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    check(PASSWORD_LENGTH, password, "--password")
    user = services.create_user(
        role=Role(role),
        email=email,
        password=password,
        first_name=first_name or email.split("@")[0],
        last_name=last_name or role.capitalize(),
        preferred_language=language,
        **profile,
    )
    click.echo(f"Created {user.role} {user.email} (user id {user.id}).")


def check(validator, value, option: str) -> None:
    """The API's own validation rules, applied to a command-line option."""
    try:
        validator(value)
    except ValidationError as error:
        raise click.BadParameter(" ".join(error.messages), param_hint=option) from error
