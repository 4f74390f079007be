"""Benchmarks on this machine: bulk seeding, the compliance report, and list latency.

    make bench        # or: .venv/bin/python bench/run.py [--requests 20]

Builds a fresh MariaDB database `cmp_bench` (BENCH_DATABASE_URL to change), seeds it with
`flask seed bulk` (200 facilitators, 2,000 fifteen-week offerings in one trimester, 20,000
students, every due week's activity log), serves it with gunicorn (4 workers) on loopback and
times requests one after another. Prints a Markdown table and writes bench/results/latest.json.
Everything it starts it stops; it sends traffic to 127.0.0.1 only.
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pymysql

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "mysql+pymysql://root:@127.0.0.1:3306/cmp_bench?charset=utf8mb4"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
PORT = 8099
BULK = ("seed", "bulk", "--facilitators", "200", "--offerings", "2000", "--students", "20000",
        "--weeks", "15", "--year", "2026", "--trimester", "1")  # fmt: skip
BASE = f"http://127.0.0.1:{PORT}"
COMPLIANCE = "/api/v1/activity-logs/compliance?trimester=1&year=2026"
ENV = {
    **os.environ,
    "FLASK_APP": "wsgi",
    "APP_ENV": "production",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "SECRET_KEY": secrets.token_urlsafe(32),
    "JWT_SECRET_KEY": secrets.token_urlsafe(32),
    "LOGIN_RATE_LIMIT_PER_ACCOUNT": "1000 per minute",
}


def recreate_database() -> None:
    url = urlsplit(DATABASE_URL.replace("mysql+pymysql", "mysql"))
    name = url.path.lstrip("/")
    with pymysql.connect(host=url.hostname, port=url.port or 3306, user=url.username,
                         password=url.password or "") as connection:  # fmt: skip
        cursor = connection.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def flask(*arguments: str) -> str:
    result = subprocess.run([BIN / "flask", *arguments], cwd=ROOT, env=ENV, check=True,
                            capture_output=True, text=True)  # fmt: skip
    return result.stdout


def seed() -> dict:
    flask("db", "upgrade")
    started = time.perf_counter()
    output = flask(*BULK)
    seconds = time.perf_counter() - started
    password = output.strip().rsplit(" ", 1)[-1]
    flask("users", "create", "--role", "manager", "--email", "bench@example.test",
          "--password", password)  # fmt: skip
    return {"seconds": round(seconds, 2), "summary": output.strip().splitlines()[-1]}


def request(path: str, token: str | None = None) -> tuple[float, int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(BASE + path, headers=headers)) as reply:
        body = reply.read()
    return (time.perf_counter() - started) * 1000, reply.status, body


def sign_in(email: str, password: str) -> str:
    body = json.dumps({"email": email, "password": password}).encode()
    post = urllib.request.Request(BASE + "/api/v1/auth/login", data=body,
                                  headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(post) as reply:
        return json.load(reply)["access_token"]


def timings(path: str, token: str | None, count: int) -> dict:
    request(path, token)  # warm-up: connections, caches
    samples = [request(path, token) for _ in range(count)]
    millis = sorted(sample[0] for sample in samples)
    return {
        "path": path,
        "p50_ms": round(statistics.median(millis), 1),
        "p95_ms": round(millis[int(0.95 * (len(millis) - 1))], 1),
        "max_ms": round(millis[-1], 1),
        "bytes": len(samples[-1][2]),
    }


def serve():
    server = subprocess.Popen(
        [BIN / "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{PORT}", "wsgi:app"],
        cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            request("/health")
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    count = parser.parse_args().requests
    recreate_database()
    seeded = seed()
    password = seeded["summary"].rsplit(" ", 1)[-1]
    server = serve()
    try:
        token = sign_in("bench@example.test", password)
        facilitator = json.loads(request("/api/v1/course-offerings?page_size=1", token)[2])[0]
        scoped = f"{COMPLIANCE}&facilitator_id={facilitator['facilitator_id']}"
        paths = [
            ("/health", None),
            (COMPLIANCE, token),
            (f"{COMPLIANCE}&format=csv", token),
            (scoped, token),
            ("/api/v1/course-offerings?page_size=20", token),
            ("/api/v1/course-offerings?page_size=100", token),
            ("/api/v1/activity-logs?page_size=100&is_late=true", token),
        ]
        results = {
            "seed_bulk": seeded,
            "requests": [timings(path, auth, count) for path, auth in paths],
        }
    finally:
        server.terminate()
        server.wait()
    print(f"seed bulk: {seeded['seconds']} s — {seeded['summary'].split(' Every')[0]}")
    print("| request | p50 ms | p95 ms | max ms | bytes |\n|---|---|---|---|---|")
    for row in results["requests"]:
        print(f"| `{row['path']}` | {row['p50_ms']} | {row['p95_ms']} | {row['max_ms']} | "
              f"{row['bytes']} |")  # fmt: skip
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
