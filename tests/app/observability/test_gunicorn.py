"""The app as production runs it: gunicorn with gunicorn.conf.py, two workers, JSON logs and
metrics. Lines are read from what gunicorn writes; metrics from what /metrics answers."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.config import PROJECT_ROOT
from tests.conftest import free_port

METRICS_TOKEN = "scrape-secret-for-tests"


class Server:
    def __init__(self, base: str, log: Path):
        self.base = base
        self.log = log

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        return self.send(urllib.request.Request(self.base + path, headers=headers or {}))

    def post(self, path: str, body: dict) -> tuple[int, dict, bytes]:
        data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
        return self.send(urllib.request.Request(self.base + path, data=data, headers=headers))

    @staticmethod
    def send(request: urllib.request.Request) -> tuple[int, dict, bytes]:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def lines(self, wanted, seconds: float = 10, at_least: int = 1) -> list[dict]:
        """The JSON lines `wanted(line)` accepts, once there are `at_least` of them or the time
        is up (lines are written as requests end, by another process)."""
        deadline = time.monotonic() + seconds
        while True:
            lines = map(json.loads, self.log.read_text().splitlines())
            found = [line for line in lines if wanted(line)]
            if len(found) >= at_least or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    """gunicorn -c gunicorn.conf.py, two workers, serving the app plus one route that crashes
    (tests/app/observability/crashing_wsgi.py); every line it writes goes to `log`."""
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    port = free_port()
    env = os.environ | {
        "APP_ENV": "testing",
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": METRICS_TOKEN,
        "WEB_CONCURRENCY": "2",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [
        str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}", "tests.app.observability.crashing_wsgi:app",
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", log)
    try:
        wait_until_serving(server, process)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=40)


def wait_until_serving(server: Server, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, server.log.read_text()
        try:
            server.get("/")
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start:\n" + server.log.read_text())


def test_every_line_gunicorn_writes_is_json(server):
    server.get("/")
    lines = server.log.read_text().splitlines()
    assert lines
    for line in lines:
        assert isinstance(json.loads(line), dict), line
    assert any("Booting worker" in json.loads(line)["message"] for line in lines)


def test_a_request_writes_one_access_line_with_who_what_and_how_long(server, create_user):
    user = create_user("facilitator")
    # Signed in by the server itself: its clock, not the one tests may move, dates the token.
    _, _, body = server.post("/api/v1/auth/login", {"email": user.email, "password": user.password})
    token = json.loads(body)["access_token"]
    status, _, _ = server.get(
        "/api/v1/auth/me", {"Authorization": f"Bearer {token}", "X-Request-ID": "trace-me-1"}
    )
    assert status == 200

    (line,) = server.lines(lambda line: line.get("request_id") == "trace-me-1")
    assert line["logger"] == "app.access"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/auth/me"
    assert line["status"] == 200
    assert line["user_id"] == user.id
    assert 0 < line["duration_ms"] < 10_000
    assert line["time"].endswith("+00:00")


def test_the_route_is_the_url_rule_so_secrets_in_paths_stay_out_of_the_log(server):
    server.get("/api/v1/course-offerings/987654", {"X-Request-ID": "trace-rule"})
    server.get("/no/such/page/s3cret", {"X-Request-ID": "trace-unmatched"})

    (rule,) = server.lines(lambda line: line.get("request_id") == "trace-rule")
    assert rule["route"] == "/api/v1/course-offerings/<id:offering_id>"
    assert rule["status"] == 401 and rule["user_id"] is None
    (unmatched,) = server.lines(lambda line: line.get("request_id") == "trace-unmatched")
    assert unmatched["route"] == "unmatched" and unmatched["status"] == 404
    assert "s3cret" not in server.log.read_text()


def test_a_crash_is_logged_as_json_with_its_traceback_and_never_shown_to_the_client(server):
    status, _, body = server.get("/crash", {"X-Request-ID": "trace-crash"})

    assert status == 500
    assert json.loads(body)["code"] == 500
    assert b"Traceback" not in body and b"planted" not in body
    (crash,) = server.lines(
        lambda line: line.get("request_id") == "trace-crash" and line["level"] == "ERROR"
    )
    assert crash["logger"] == "app.api.errors"
    assert crash["route"] == "/crash"
    assert "Traceback" in crash["exc_info"]
    assert "RuntimeError: planted for the test" in crash["exc_info"]


def scrape(server: Server) -> dict:
    """{(metric sample name, labels as a sorted tuple): value}"""
    status, headers, body = server.get("/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def requests_to_root(samples: dict) -> float:
    labels = (("method", "GET"), ("route", "/"), ("status", "200"))
    return samples.get(("cmp_http_request_duration_seconds_count", labels), 0)


def test_metrics_add_up_the_requests_every_worker_served(server):
    before = requests_to_root(scrape(server))
    sent = 0
    workers: set[int] = set()
    with ThreadPoolExecutor(8) as pool:
        for batch in range(50):  # parallel batches until both workers have answered some
            ids = [f"trace-sum-{batch}-{n}" for n in range(8)]
            list(pool.map(lambda rid: server.get("/", {"X-Request-ID": rid}), ids))
            sent += len(ids)
            lines = server.lines(lambda line, ids=ids: line.get("request_id") in ids)
            workers |= {line["process"] for line in lines}
            if len(workers) == 2:
                break
    assert len(workers) == 2, "one worker answered every request"

    assert requests_to_root(scrape(server)) - before == sent


def test_metrics_report_the_dependencies_and_queues(server):
    samples = scrape(server)

    assert samples[("cmp_dependency_up", (("name", "database"),))] == 1
    assert samples[("cmp_dependency_up", (("name", "redis"),))] == 1
    assert ("cmp_rq_jobs", (("queue", "notifications"), ("state", "queued"))) in samples
    assert ("cmp_notifications", (("status", "pending"),)) in samples


def test_metrics_refuse_a_scraper_without_the_token(server):
    assert server.get("/metrics")[0] == 401
    assert server.get("/metrics", {"Authorization": "Bearer wrong"})[0] == 401


def test_a_killed_workers_requests_stay_counted(server):
    ids = [f"trace-kill-{n}" for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda rid: server.get("/", {"X-Request-ID": rid}), ids))
    victim = server.lines(lambda line: line.get("request_id") in ids)[0]["process"]
    counted = requests_to_root(scrape(server))
    booted = len(server.lines(lambda line: "Booting worker" in line["message"]))

    os.kill(victim, signal.SIGKILL)
    booting = server.lines(
        lambda line: "Booting worker" in line["message"], seconds=30, at_least=booted + 1
    )
    assert len(booting) > booted, "gunicorn did not replace the killed worker"

    assert requests_to_root(scrape(server)) == counted
