"""`flask seed …`: demo data for trying the platform out."""

import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.auth import services
from app.auth.models import Role

seed_cli = AppGroup("seed", help="Fill the database with demo data.")

DEMO_ACCOUNTS = [
    (Role.MANAGER, "manager@demo.cmp.test", "Amina", "Uwase", "en"),
    (Role.FACILITATOR, "facilitator@demo.cmp.test", "Jean", "Habimana", "fr"),
    (Role.FACILITATOR, "facilitator2@demo.cmp.test", "Grace", "Mutesi", "en"),
    (Role.STUDENT, "student@demo.cmp.test", "Eric", "Nshuti", "en"),
    (Role.STUDENT, "etudiant@demo.cmp.test", "Claire", "Ingabire", "fr"),
]


@seed_cli.command("demo")
def seed_demo():
    """Create the demo accounts (idempotent) and print their passwords."""
    created = []
    for role, email, first_name, last_name, language in DEMO_ACCOUNTS:
        if services.find_user_by_email(email):
            continue
        password = secrets.token_urlsafe(9)
        services.create_user(
            role=role,
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            preferred_language=language,
        )
        created.append((email, f"{role.value:<12} {email:<30} {password}"))
    credentials = Path(current_app.instance_path) / "demo-accounts.txt"
    remember_credentials(credentials, created)
    click.echo(f"Demo accounts (created now: {len(created)}; kept in {credentials}):")
    click.echo(credentials.read_text() if credentials.exists() else "(none recorded)")


def remember_credentials(path: Path, created: list[tuple[str, str]]) -> None:
    """Passwords are generated, never built in; this file (git-ignored) keeps them for you.

    One line per email: an account created again (say, after the database was reset) replaces
    its old line.
    """
    if not created:
        return
    known = path.read_text().splitlines() if path.exists() else []
    lines = {line.split()[1]: line for line in known if len(line.split()) == 3}
    lines.update(created)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines.values()) + "\n")
    path.chmod(0o600)
