"""Fault fixtures: a real gunicorn serving the app and a second MariaDB session that holds row
locks and ends the app's connections (a Redis server of the test's own: `private_redis`).

Only connections to the test database are ever ended, and only servers started here are
stopped: MariaDB and the Redis on 6379 are shared."""

import http.client
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pymysql
import pytest

from app.config import PROJECT_ROOT, TestingConfig
from tests.activity.conftest import facilitator, offering_of  # noqa: F401
from tests.conftest import free_port, wait_until
from tests.notifications.conftest import notifications, smtp, sweep  # noqa: F401

UNKNOWN_THREAD = 1094
DATABASE = urlsplit(TestingConfig.SQLALCHEMY_DATABASE_URI).path.lstrip("/")


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict
    seconds: float

    @property
    def json(self):
        return json.loads(self.body)


def call(port: int, method: str, path: str, body=None, token=None, timeout=30) -> Answer:
    """One request on a fresh connection (as a client that was cut off would open)."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        return Answer(
            response.status, response.read(), dict(response.headers), time.monotonic() - started
        )
    finally:
        connection.close()


# --- gunicorn ------------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int

    def call(self, method: str, path: str, body=None, token=None, timeout=30) -> Answer:
        return call(self.port, method, path, body, token, timeout)

    def sign_in(self, user) -> str:
        """An access token from the server itself: issued on its clock, which a `--clock` run
        of the suite does not move."""
        answer = self.call(
            "POST", "/api/v1/auth/login", {"email": user.email, "password": user.password}
        )
        assert answer.status == 200, answer.body
        return answer.json["access_token"]

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def worker_connected_from(self, client_port: int) -> psutil.Process:
        """The worker whose socket to MariaDB leaves from `client_port`."""
        for worker in self.workers():
            if any(c.laddr.port == client_port for c in worker.net_connections("tcp")):
                return worker
        raise LookupError(f"no worker owns a connection from port {client_port}")


@pytest.fixture
def gunicorn(app, tmp_path):
    """`gunicorn(**environment)` → a Gunicorn serving wsgi:app with two sync workers on the test
    database and Redis (APP_ENV=testing), ready to answer; stopped after the test."""
    started = []

    def start(**environment) -> Gunicorn:
        port = free_port()
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers", "2",
            "--bind", f"127.0.0.1:{port}",
            "--timeout", "30",
            "--graceful-timeout", "2",
            "--no-control-socket",  # its default path is one per user, shared by every gunicorn
            "wsgi:app",
        ]  # fmt: skip
        log = (tmp_path / f"gunicorn-{port}.log").open("w")
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=os.environ | {"APP_ENV": "testing"} | environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Gunicorn(process, port)
        started.append(server)
        wait_until(lambda: answers(server) and len(server.workers()) == 2, 30, "gunicorn")
        return server

    yield start
    for server in started:
        server.process.terminate()
        server.process.wait(15)


def answers(server: Gunicorn) -> bool:
    try:
        return server.call("GET", "/health", timeout=5).status in (200, 503)
    except OSError:
        return False


# --- the database, from outside the app -----------------------------------------------------------


class Database:
    """A MariaDB session of the test's own on the test database: it looks at the app's
    connections, holds row locks against them and ends them."""

    def __init__(self):
        parts = urlsplit(TestingConfig.SQLALCHEMY_DATABASE_URI.replace("mysql+pymysql", "mysql"))
        self.connection = pymysql.connect(
            host=parts.hostname,
            port=parts.port or 3306,
            user=parts.username,
            password=parts.password or "",
            database=DATABASE,
            autocommit=True,
        )
        # The app's isolation level: its statements lock only the rows they change.
        self.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")

    def query(self, statement: str, *params) -> tuple:
        with self.connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()

    def app_sessions(self) -> tuple:
        """(id, client port, statement) of every other session on the test database."""
        rows = self.query(
            "SELECT id, host, info FROM information_schema.processlist"
            " WHERE db = %s AND id <> CONNECTION_ID()",
            DATABASE,
        )
        return tuple((id_, int(host.rsplit(":", 1)[1]), info) for id_, host, info in rows)

    def waiting_on(self, statement_start: str):
        """The session running a statement that starts so (waiting for a lock), or None."""
        for session in self.app_sessions():
            if (session[2] or "").startswith(statement_start):
                return session
        return None

    def kill(self, session_id: int) -> None:
        # Guarded by app_sessions(), which only lists sessions on the test database.
        with self.connection.cursor() as cursor:
            try:
                cursor.execute(f"KILL {int(session_id)}")
            except pymysql.err.OperationalError as error:
                if error.args[0] != UNKNOWN_THREAD:  # it ended on its own meanwhile
                    raise

    @contextmanager
    def transaction(self):
        """A transaction of this session's own, rolled back when the block ends."""
        self.query("BEGIN")
        try:
            yield
        finally:
            self.query("ROLLBACK")

    def lock(self, table: str, row_id: int) -> None:
        self.query(f"SELECT id FROM `{table}` WHERE id = %s FOR UPDATE", row_id)

    @contextmanager
    def row_locked(self, table: str, row_id: int):
        """Hold a lock on one row until the block ends."""
        with self.transaction():
            self.lock(table, row_id)
            yield

    def count(self, table: str, where: str = "TRUE") -> int:
        return self.query(f"SELECT COUNT(*) FROM `{table}` WHERE {where}")[0][0]


@pytest.fixture
def database(app):
    database = Database()
    yield database
    database.connection.close()
