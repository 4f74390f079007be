"""What a newcomer meets in their first minutes: the Makefile, the example settings, the demo
accounts and the translation workflow."""

import subprocess
from pathlib import Path

from dotenv import dotenv_values

from app.config import PROJECT_ROOT
from tests.app.test_config import start_app


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
