"""`flask users …`: staff and student accounts from the command line."""

import click
from flask.cli import AppGroup
from marshmallow import ValidationError, fields, validate

from app.admin import people
from app.auth import services
from app.auth.models import Role
from app.auth.schemas import NEW_PASSWORD
from app.cli.units import command_unit
from app.core.i18n import LANGUAGES
from app.extensions import db

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
    check(NEW_PASSWORD, password, "--password")
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


@users_cli.command("list")
@command_unit
@click.option("--role", type=click.Choice([role.value for role in Role]))
@click.option("--active/--inactive", "is_active", default=None, help="Only (in)active accounts.")
@click.option("--search", help="Part of a name, email, employee id or student number.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
def list_users(role, is_active, search, limit):
    """List accounts, by last name: id, role, active, email and name."""
    filters = {"role": role, "is_active": is_active, "q": search}
    statement = people.people_query({k: v for k, v in filters.items() if v is not None})
    shown = db.session.scalars(statement.limit(limit)).all()
    for user in shown:
        state = "active" if user.is_active else "inactive"
        click.echo(f"{user.id:>7}  {user.role:<12} {state:<9} {user.email:<40} "
                   f"{user.first_name} {user.last_name}")  # fmt: skip
    click.echo(f"{len(shown)} account(s) shown.")


@users_cli.command("set-password")
@command_unit
@click.argument("email")
@click.option("--password", help="Prompted for (hidden, twice) when omitted.")
def set_password(email, password):
    """Give the account EMAIL a new password; its signed-in sessions end."""
    user = people.find_person(email)
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    check(NEW_PASSWORD, password, "--password")
    people.set_password(user.id, password, actor=None)
    click.echo(f"Password set for {user.email}; their sessions have ended.")


@users_cli.command("deactivate")
@command_unit
@click.argument("email")
def deactivate(email):
    """Deactivate the account EMAIL: it cannot sign in, and its tokens stop working at once.
    The last active manager cannot be deactivated."""
    user = people.update_person(people.find_person(email).id, {"is_active": False}, None)
    click.echo(f"Deactivated {user.email}.")


@users_cli.command("activate")
@command_unit
@click.argument("email")
def activate(email):
    """Reactivate the account EMAIL."""
    user = people.update_person(people.find_person(email).id, {"is_active": True}, None)
    click.echo(f"Activated {user.email}.")


def check(validators, value, option: str) -> None:
    """The API's own validation rules (one validator or several), applied to a command-line
    option; every rule it breaks is named."""
    try:
        fields.String(validate=validators).deserialize(value)
    except ValidationError as error:
        raise click.BadParameter(" ".join(error.messages), param_hint=option) from error
