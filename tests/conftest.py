"""Shared fixtures: the real MariaDB and Redis, a schema built by the migrations, clean state
between tests, and factories that return callables."""

import itertools
import os
import random
import socket
import subprocess
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import flask_migrate
import pymysql
import pytest
import time_machine
from sqlalchemy import event, make_url, text

from app import create_app
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.config import TestingConfig
from app.courses.models import STANDARD_MODES
from app.data.unit_of_work import unit_of_work
from app.extensions import db, redis_store

DEFAULT_PASSWORD = "correct horse battery"


def recreate_database(url: str) -> None:
    """An empty test database: a new SQLite file, or the MariaDB/MySQL database made again."""
    if url.startswith("sqlite"):
        path = Path(make_url(url).database)
        path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    parts = urlsplit(url.replace("mysql+pymysql", "mysql"))
    connection = pymysql.connect(
        host=parts.hostname, port=parts.port or 3306, user=parts.username, password=parts.password
    )
    name = parts.path.lstrip("/")
    with connection, connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="ISO-DATETIME",
        help="Run every test with the clock started at this instant (it keeps ticking), to "
        "show that no test depends on today's date.",
    )


@pytest.fixture(scope="session", autouse=True)
def session_clock(request):
    """The whole session at the `--clock` instant, when given."""
    start = request.config.getoption("--clock")
    if not start:
        yield
        return
    moment = datetime.fromisoformat(start)
    with time_machine.travel(moment if moment.tzinfo else moment.replace(tzinfo=UTC), tick=True):
        yield


@pytest.fixture(scope="session")
def app():
    """One app for the session; the schema comes from the migrations, as in production."""
    recreate_database(TestingConfig.SQLALCHEMY_DATABASE_URI)
    app = create_app(TestingConfig)
    with app.app_context():
        flask_migrate.upgrade()
    return app


@pytest.fixture
def app_with():
    """`app_with(SETTING=…, …)` → another app (another gunicorn worker, or other settings) on
    the same database and Redis, from a TestingConfig subclass; its connections are closed
    after the test."""
    built = []

    def make(**settings):
        app = create_app(type("Cfg", (TestingConfig,), settings))
        built.append(app)
        return app

    yield make
    for app in built:
        with app.app_context():
            db.engine.dispose()


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


# Ports for the servers tests start (Redis, SMTP, gunicorn): a fixed range below the ephemeral
# one, so a port found free cannot be taken by an outgoing connection before the server binds it.
# Tried in random order: two test runs on one machine rarely pick the same port at once.
SPARE_PORTS = range(6500, 6600)


def free_port() -> int:
    for port in random.sample(SPARE_PORTS, len(SPARE_PORTS)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {SPARE_PORTS}")


def wait_until(condition: Callable[[], object], timeout: float, what: str):
    """Poll `condition` until it returns something truthy (returned), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.02)
    raise AssertionError(f"gave up after {timeout} s waiting for {what}")


@dataclass
class RedisServer:
    """A Redis server of the test's own, so it can be stopped, paused or filled (and started
    again) without touching anyone else's."""

    port: int
    options: tuple[str, ...] = ()  # more redis-server options, such as a memory cap
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", *self.options],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.answers, 10, f"redis-server on {self.port}")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process = None

    def answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False


@pytest.fixture
def private_redis():
    """A started redis-server of this test's own, on TEST_SPARE_REDIS_PORT or a free port."""
    server = RedisServer(int(os.environ.get("TEST_SPARE_REDIS_PORT") or free_port()))
    server.start()
    yield server
    if server.process:
        server.stop()


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
            with unit_of_work():
                user = auth_services.create_user(role=Role(role), password=password, **fields)
                user.is_active = is_active
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
def count_queries(app):
    """`with count_queries() as statements:` collects every SQL statement run in the block."""

    @contextmanager
    def counting():
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            # SQLite's BEGIN is a statement of its own; MariaDB's transactions begin unasked.
            if not statement.startswith("BEGIN"):
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", count)

    return counting


@pytest.fixture
def run_sql(app):
    def run(statement: str, **params):
        with app.app_context():
            result = db.session.execute(text(statement), params)
            rows = result.all() if result.returns_rows else None
            db.session.commit()
            return rows

    return run


# --- course fixtures: factories that build through the real API as a manager ----------------

API = "/api/v1"


@pytest.fixture
def manager(create_user):
    return create_user("manager")


@pytest.fixture
def as_manager(auth_headers, manager):
    return auth_headers(manager)


@pytest.fixture
def create_entry(client, as_manager):
    """`create_entry("modules", code=…)` → the created catalogue entry as JSON (201 asserted)."""
    numbers = itertools.count(101)
    defaults = {
        "modules": lambda n: {"code": f"CS{n}", "name": f"Module {n}", "credits": 15},
        "cohorts": lambda n: {"name": f"Cohort {n}"},
        "classes": lambda n: {"name": f"2025J{n}"},
        "modes": lambda n: {"code": f"mode_{n}", "name": f"Mode {n}"},
    }

    def make(resource: str, **fields) -> dict:
        body = defaults[resource](next(numbers)) | fields
        response = client.post(f"{API}/{resource}", json=body, headers=as_manager)
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def online_mode_id(client, as_manager):
    response = client.get(f"{API}/modes", query_string={"q": "online"}, headers=as_manager)
    return next(mode["id"] for mode in response.json if mode["code"] == "online")


@pytest.fixture
def create_catalogue(create_entry, online_mode_id):
    """`create_catalogue()` → ids of a fresh module, class and cohort, and the online mode."""

    def make() -> SimpleNamespace:
        return SimpleNamespace(
            module_id=create_entry("modules")["id"],
            class_id=create_entry("classes")["id"],
            cohort_id=create_entry("cohorts")["id"],
            mode_id=online_mode_id,
        )

    return make


@pytest.fixture
def offering_body(create_catalogue):
    """`offering_body(**overrides)` → a valid creation body (new catalogue unless ids given)."""

    def make(**overrides) -> dict:
        ids = ("module_id", "class_id", "cohort_id", "mode_id")
        catalogue = {} if all(i in overrides for i in ids) else vars(create_catalogue())
        body = catalogue | {
            "trimester": 1,
            "year": 2026,
            "intake": "HT1",
            "start_date": "2026-01-05",
            "end_date": "2026-04-03",
            "max_students": 30,
        }
        return body | overrides

    return make


@pytest.fixture
def create_offering(client, as_manager, offering_body):
    """`create_offering(**overrides)` → the offering as JSON, created by the manager."""

    def make(**overrides) -> dict:
        response = client.post(
            f"{API}/course-offerings", json=offering_body(**overrides), headers=as_manager
        )
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def enrol(client, as_manager):
    """`enrol(offering_id, *students)`: the manager enrols them (201 asserted)."""

    def make(offering_id: int, *students) -> None:
        response = client.post(
            f"{API}/course-offerings/{offering_id}/enrollments",
            json={"student_ids": [student.id for student in students]},
            headers=as_manager,
        )
        assert response.status_code == 201, response.json

    return make


@pytest.fixture(scope="session")
def playwright():
    """The one Playwright driver of the session: its sync API allows a single driver per
    thread, and tests/browser and tests/admin both drive Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver
