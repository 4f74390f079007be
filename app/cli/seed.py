"""`flask seed …`: demo data for trying the platform out."""

import secrets

import click
from flask.cli import AppGroup

from app.auth import services
from app.auth.models import Role
from app.config import INSTANCE_DIR

seed_cli = AppGroup("seed", help="Fill the database with demo data.")
CREDENTIALS_FILE = INSTANCE_DIR / "demo-accounts.txt"

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
        created.append(f"{role.value:<12} {email:<30} {password}")
    remember_credentials(created)
    click.echo(f"Demo accounts (created now: {len(created)}; kept in {CREDENTIALS_FILE}):")
    click.echo(CREDENTIALS_FILE.read_text() if CREDENTIALS_FILE.exists() else "(none recorded)")


def remember_credentials(lines: list[str]) -> None:
    """Passwords are generated, never built in; this file (git-ignored) keeps them for you."""
    if not lines:
        return
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    with CREDENTIALS_FILE.open("a") as handle:
        handle.write("\n".join(lines) + "\n")
    CREDENTIALS_FILE.chmod(0o600)
