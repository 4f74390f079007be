import os
import subprocess
import sys

from app.config import PROJECT_ROOT


def start_app(**environment) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "JWT_SECRET_KEY")
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_its_settings_and_names_them():
    result = start_app(APP_ENV="production", SECRET_KEY="set", DATABASE_URL="sqlite://")

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.endswith("needs these environment variables: JWT_SECRET_KEY, REDIS_URL")


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "JWT_SECRET_KEY": "j" * 40,
    "DATABASE_URL": "sqlite://",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}


def test_production_starts_with_its_settings():
    result = start_app(**PRODUCTION)

    assert result.returncode == 0, result.stderr


def test_production_refuses_a_guessable_metrics_token():
    result = start_app(**PRODUCTION, METRICS_TOKEN="secret")

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.endswith("METRICS_TOKEN must be at least 32 characters long")


def test_unknown_app_env_is_refused_with_the_choices():
    result = start_app(APP_ENV="staging")

    assert result.returncode != 0
    assert "development, testing, production" in result.stderr


def test_a_rate_limit_that_is_not_one_is_refused_at_start():
    result = start_app(EXPORT_RATE_LIMIT="thirty an hour")

    assert result.returncode != 0
    assert "such as '5 per minute'" in result.stderr.strip().splitlines()[-1]
