"""What a newcomer meets in their first minutes: the Makefile, the example settings, the demo
accounts and the translation workflow."""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import flask_migrate
import pytest
from dotenv import dotenv_values
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.audit.models import AuditEvent
from app.auth import services as auth_services
from app.auth.models import Role
from app.config import PROJECT_ROOT, TestingConfig
from app.data.unit_of_work import unit_of_work
from app.extensions import db
from tests.app.test_config import start_app
from tests.conftest import DEFAULT_PASSWORD, free_port, wait_until


def test_make_run_serves_on_the_port_asked_for():
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=5055"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )

    assert plan.returncode == 0, plan.stderr
    assert "--port 5055" in plan.stdout


def test_the_development_example_settings_start_the_app_as_they_are():
    settings = dotenv_values(PROJECT_ROOT / ".env.example")

    started = start_app(**{name: value or "" for name, value in settings.items()})

    assert started.returncode == 0, started.stderr


def test_seed_demo_prints_only_passwords_that_still_work(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    manager_line = next(line for line in first.output.splitlines() if "manager@demo" in line)
    email, password = manager_line.split()[1:]
    login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    client.post(
        "/api/v1/auth/password",
        json={"current_password": password, "new_password": "a brand new passphrase"},
        headers={"Authorization": f"Bearer {login.json['access_token']}"},
    )

    second = runner.invoke(args=["seed", "demo"])

    assert second.exit_code == 0, second.output
    assert password not in second.output
    assert f"{email} (password changed since it was generated)" in second.output
    student_line = next(line for line in first.output.splitlines() if "student@demo" in line)
    assert student_line in second.output.splitlines()


def test_i18n_extract_and_update_leave_a_clean_checkout_unchanged(app):
    catalogues = sorted((PROJECT_ROOT / "translations").rglob("*.po*"))
    before = {path: path.read_bytes() for path in catalogues}
    runner = app.test_cli_runner()
    try:
        extracted = runner.invoke(args=["i18n", "extract"])
        updated = runner.invoke(args=["i18n", "update"])

        assert extracted.exit_code == updated.exit_code == 0
        changed = [str(path.relative_to(PROJECT_ROOT)) for path in catalogues
                   if path.read_bytes() != before[path]]  # fmt: skip
        assert changed == []
    finally:
        for path, content in before.items():
            Path(path).write_bytes(content)


@pytest.fixture
def development_server(tmp_path):
    """The app as `make run` serves it: a SQLite file, no REDIS_URL (jobs inline, an in-process
    Redis), werkzeug's threaded development server on a free port; its base URL."""
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/cmp.sqlite3",
                "REDIS_URL": None, "INSTANCE_PATH": str(tmp_path)}  # fmt: skip
    development = create_app(type("Development", (TestingConfig,), settings))
    with development.app_context():
        flask_migrate.upgrade()
    server = make_server("127.0.0.1", free_port(), development, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield development, f"http://127.0.0.1:{server.port}"
    server.shutdown()
    with development.app_context():
        db.engine.dispose()


def sign_in(base_url: str, email: str, password: str) -> tuple[int, float]:
    """The status of a sign-in over HTTP and the seconds it took."""
    body = json.dumps({"email": email, "password": password}).encode()
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def test_on_the_development_database_refused_sign_ins_answer_at_once_beside_good_ones(
    development_server,
):
    development, base_url = development_server
    with development.app_context(), unit_of_work():
        auth_services.create_user(role=Role.MANAGER, email="boss@example.test", first_name="B",
                                  last_name="S", password=DEFAULT_PASSWORD)  # fmt: skip
    attempts = [("boss@example.test", "not the password"), ("nobody@example.test", "whatever"),
                ("boss@example.test", DEFAULT_PASSWORD)] * 2  # fmt: skip

    with ThreadPoolExecutor(len(attempts)) as pool:
        answers = list(pool.map(lambda attempt: sign_in(base_url, *attempt), attempts))

    assert [status for status, _seconds in answers] == [401, 401, 200] * 2
    assert max(seconds for _status, seconds in answers) < 2
    with development.app_context():
        failed = db.session.scalars(select(AuditEvent).filter_by(action="sign_in_failed")).all()
        assert len(failed) == 4


def test_compiling_the_catalogues_reports_only_true_progress():
    """English is the language the texts are written in: not a translation 0% done."""
    compiled = subprocess.run(
        [str(Path(sys.executable).with_name("flask")), "i18n", "compile"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, env=os.environ | {"FLASK_APP": "wsgi"},
    )  # fmt: skip

    assert compiled.returncode == 0, compiled.stderr
    progress = [line for line in compiled.stderr.splitlines() if "translated" in line]
    assert len(progress) == 1 and "/fr/" in progress[0] and "(100%)" in progress[0], progress


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_development_server_logs_without_terminal_colours(tmp_path, log_format):
    """`flask run` as `make run` starts it: its banner and request lines are plain text."""
    port = free_port()
    environment = os.environ | {"FLASK_APP": "wsgi", "LOG_FORMAT": log_format,
                                "INSTANCE_PATH": str(tmp_path),
                                "APP_ENV": "development"}  # fmt: skip
    environment.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("flask")), "run", "--port", str(port)],
        cwd=PROJECT_ROOT, env=environment, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until(
            lambda: answers(f"http://127.0.0.1:{port}/api/v1/no-such-thing"), 30, "flask run"
        )
    finally:
        server.terminate()
        _out, logged = server.communicate(timeout=10)

    assert "no-such-thing" in logged and "development server" in logged
    assert "\x1b" not in logged and "\\u001b" not in logged  # as is, or escaped in JSON


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True
