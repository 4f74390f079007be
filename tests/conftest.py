"""Shared fixtures: the real MariaDB and Redis, a schema built by the migrations, clean state
between tests, and factories that return callables."""

import itertools
from types import SimpleNamespace
from urllib.parse import urlsplit

import flask_migrate
import pymysql
import pytest
from sqlalchemy import text

from app import create_app
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.config import TestingConfig
from app.courses.models import STANDARD_MODES
from app.extensions import db, redis_store

DEFAULT_PASSWORD = "correct horse battery"


def recreate_database(url: str) -> None:
    parts = urlsplit(url.replace("mysql+pymysql", "mysql"))
    connection = pymysql.connect(
        host=parts.hostname, port=parts.port or 3306, user=parts.username, password=parts.password
    )
    name = parts.path.lstrip("/")
    with connection, connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")


@pytest.fixture(scope="session")
def app():
    """One app for the session; the schema comes from the migrations, as in production."""
    recreate_database(TestingConfig.SQLALCHEMY_DATABASE_URI)
    app = create_app(TestingConfig)
    with app.app_context():
        flask_migrate.upgrade()
    return app


@pytest.fixture(autouse=True)
def clean_state(app):
    """Every test starts with empty tables and an empty Redis database."""
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete().where(*kept_rows(table)))
        redis_store.client().flushdb()


def kept_rows(table) -> list:
    """Reference rows the migrations create are part of every fresh database; keep them."""
    if table.name == "delivery_modes":
        return [table.c.code.not_in(STANDARD_MODES)]
    return []


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def create_user(app):
    """`create_user(role="facilitator", is_active=False, **fields)` → a namespace with the
    user's id, email, role and plain password."""
    numbers = itertools.count(1)

    def make(role: str = "student", *, password: str = DEFAULT_PASSWORD, is_active=True, **fields):
        number = next(numbers)
        fields.setdefault("email", f"{role}{number}@example.test")
        fields.setdefault("first_name", f"{role.capitalize()}{number}")
        fields.setdefault("last_name", "Tester")
        with app.app_context():
            user = auth_services.create_user(role=Role(role), password=password, **fields)
            if not is_active:
                user.is_active = False
                db.session.commit()
            return SimpleNamespace(id=user.id, email=user.email, role=role, password=password)

    return make


@pytest.fixture
def tokens_for(app):
    """The token pair a real sign-in would hand this user (without spending a login attempt)."""

    def issue(user) -> dict:
        with app.test_request_context():
            return auth_services.issue_tokens(db.session.get(User, user.id))

    return issue


@pytest.fixture
def auth_headers(tokens_for):
    def headers(user, **extra) -> dict:
        return {"Authorization": f"Bearer {tokens_for(user)['access_token']}", **extra}

    return headers


@pytest.fixture
def bearer():
    return lambda token: {"Authorization": f"Bearer {token}"}


@pytest.fixture
def run_sql(app):
    def run(statement: str, **params):
        with app.app_context():
            result = db.session.execute(text(statement), params)
            rows = result.all() if result.returns_rows else None
            db.session.commit()
            return rows

    return run
