"""Redis stopped, hung, or refusing writes (out of memory, a read-only replica after a
failover), on a redis-server of the test's own: requests answer 503 rather than trust a token
that might be revoked or go uncounted by the rate limits, nothing is half written, and
reminders recorded meanwhile go out once Redis is back.

Sign-in's rate limits while Redis is down are decided elsewhere; here sign-in only must not
fail with a 500."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from app.config import PROJECT_ROOT
from app.data.unit_of_work import unit_of_work
from app.notifications import sweep as reminders_sweep
from tests.faults.test_database import DUE_SOON_AT, LOGS, log_body, written_for_logs

ME = "/api/v1/auth/me"
OFFERINGS = "/api/v1/course-offerings"
UNAVAILABLE = {
    "code": 503,
    "status": "Service Unavailable",
    "message": "A service this request depends on is unavailable. Try again shortly.",
}


def sign_in(client, user):
    return client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})


def bearer(response) -> dict:
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def assert_unavailable(response) -> None:
    assert (response.status_code, response.json) == (503, UNAVAILABLE)
    assert response.headers["Retry-After"] == "5"


@pytest.mark.mariadb  # reads what the app wrote through a MariaDB session of its own
def test_with_redis_stopped_signed_in_requests_answer_503_until_it_is_back(
    app_with, private_redis, database, facilitator, offering_of
):
    offering = offering_of(facilitator)
    client = app_with(REDIS_URL=private_redis.url).test_client()
    headers = bearer(sign_in(client, facilitator))
    assert client.get(OFFERINGS, headers=headers).status_code == 200  # now in the cache

    private_redis.stop()

    assert sign_in(client, facilitator).status_code != 500
    assert_unavailable(client.get(ME, headers=headers))
    assert_unavailable(client.get(OFFERINGS, headers=headers))  # cached or not: no token check
    assert_unavailable(client.post(LOGS, json=log_body(offering, 1), headers=headers))
    assert written_for_logs(database) == (0, 0)
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json["status"] == "degraded"
    assert health.json["checks"]["redis"] == "unavailable"

    private_redis.start()  # an empty one, as after a restart without persistence

    assert client.get(ME, headers=headers).status_code == 200  # the same token, no new sign-in
    assert client.post(LOGS, json=log_body(offering, 1), headers=headers).status_code == 201
    assert written_for_logs(database) == (1, 1)
    assert client.get("/health").json["status"] == "ok"


def test_a_hung_redis_costs_its_timeout_then_a_503_not_a_stuck_worker(
    app_with, private_redis, facilitator
):
    client = app_with(REDIS_URL=private_redis.url).test_client()
    headers = bearer(sign_in(client, facilitator))
    assert [client.get(ME, headers=headers).status_code for _ in range(2)] == [200, 200]

    private_redis.process.send_signal(signal.SIGSTOP)  # accepts connections, never answers
    try:
        started = time.monotonic()
        answer = client.get(ME, headers=headers)
        waited = time.monotonic() - started
    finally:
        private_redis.process.send_signal(signal.SIGCONT)

    assert_unavailable(answer)
    # One 2-second socket timeout (the token check's round trip), not one per Redis client the
    # request would use, nor gunicorn's worker timeout.
    assert waited < 3
    assert client.get(ME, headers=headers).status_code == 200


def out_of_memory(server: redis.Redis) -> None:
    server.config_set("maxmemory", 1)  # with the default noeviction: every write is refused


def read_only(server: redis.Redis) -> None:
    server.replicaof("127.0.0.1", 1)  # a replica of nothing: it refuses writes


@pytest.mark.mariadb  # reads what the app wrote through a MariaDB session of its own
@pytest.mark.parametrize("refuse_writes", [out_of_memory, read_only])
def test_a_redis_refusing_writes_is_a_redis_down_until_it_accepts_them_again(
    refuse_writes, app_with, private_redis, database, facilitator, offering_of
):
    offering = offering_of(facilitator)
    client = app_with(REDIS_URL=private_redis.url).test_client()
    headers = bearer(sign_in(client, facilitator))
    server = redis.Redis(port=private_redis.port)
    assert [client.get(ME, headers=headers).status_code for _ in range(2)] == [200, 200]

    refuse_writes(server)

    # Every request counts towards a rate limit, and a count is a write: the limits fail
    # closed, so nothing is served (cached or not) and nothing is written.
    assert_unavailable(client.get(ME, headers=headers))
    assert_unavailable(client.get(OFFERINGS, headers=headers))
    assert_unavailable(client.post(LOGS, json=log_body(offering, 1), headers=headers))
    assert written_for_logs(database) == (0, 0)
    health = client.get("/health").json
    assert (health["status"], health["checks"]["redis"]) == ("degraded", "unavailable")

    server.config_set("maxmemory", 0)
    server.replicaof("NO", "ONE")
    assert client.get(ME, headers=headers).status_code == 200
    assert client.post(LOGS, json=log_body(offering, 1), headers=headers).status_code == 201
    assert written_for_logs(database) == (1, 1)


def burst_worker(redis_url: str, smtp_port: int) -> subprocess.Popen:
    """`flask worker --burst` in its own process, on the given Redis: RQ as in production."""
    environment = os.environ | {
        "APP_ENV": "testing",
        "FLASK_APP": "wsgi",
        "TEST_REDIS_URL": redis_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
    }
    flask = Path(sys.executable).with_name("flask")
    return subprocess.Popen([str(flask), "worker", "--burst"], cwd=PROJECT_ROOT, env=environment)


def test_reminders_recorded_while_redis_is_stopped_go_out_once_it_is_back(
    app_with, private_redis, create_user, offering_of, smtp, notifications
):
    for _ in range(3):
        offering_of(create_user("facilitator"))
    app = app_with(REDIS_URL=private_redis.url)

    def sweep(at):
        with app.app_context(), unit_of_work():
            return reminders_sweep.sweep(at)

    private_redis.stop()
    during = sweep(DUE_SOON_AT)
    assert (during.inserted, during.queued_jobs) == (3, [])
    assert "Connection refused" in during.queue_error
    assert {row["status"] for row in notifications()} == {"pending"}

    private_redis.start()
    after = sweep(DUE_SOON_AT + timedelta(minutes=15))  # the next scheduled sweep
    assert (after.inserted, len(after.queued_jobs), after.queue_error) == (0, 1, None)
    assert burst_worker(private_redis.url, smtp.port).wait(120) == 0

    assert {row["status"] for row in notifications()} == {"sent"}
    assert smtp.ids() == [row["id"] for row in notifications()]  # each once
