"""Throughput under load, as a ratio to a bare endpoint served the same way.

    make bench                      # or: .venv/bin/python bench/run.py [--quick] [--scale 10]

Seeds the issue's data set (200 facilitators, 2,000 offerings, 20,000 students, 15 weeks of logs
in 2026 trimester 1) into a fresh MariaDB database (BENCH_DATABASE_URL), and with --scale 10 ten
times that into a second one. Serves it with gunicorn (production settings, 4 sync workers, on
loopback) next to a bare Flask JSON endpoint under the same settings, drives each scenario of
bench/scenarios.py with wrk (2 threads, 8 connections) after a warm-up, alternating with the bare
endpoint, and counts each scenario's SQL statements in-process. The floor scenarios run against
gunicorns of their own: bench/floor.py files logs with the app's statements for a filing and
nothing else; bench/hit_floor.py answers with a cache hit's token check and Redis round trip;
bench/read_floor.py adds to those a first read's statements through Flask-SQLAlchemy.
Prints Markdown tables and writes bench/results/<UTC time>.json and latest.json. Everything it
starts it stops; it sends traffic to 127.0.0.1 only.
"""

import argparse
import contextlib
import itertools
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from datasets import (
    MANAGER_EMAIL,
    Dataset,
    app_for,
    dataset,
    first_offering_id,
    fresh_log_bodies,
    offering_ids,
    offerings_in_trimester,
    read_identity,
    seed,
    statements_per_request,
    student_tokens,
)
from loadgen import CONNECTIONS, THREADS, Load, drive, ensure_wrk
from scenarios import EACH_OFFERING, FIRST_READ, FLOORS, SCENARIOS, Scenario
from servers import WORKERS, gunicorn, worker_rss_mb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "mysql+pymysql://root:@127.0.0.1:3306/cmp_bench?charset=utf8mb4"
)
# Students signed in for the first-read scenario of /auth/me: one per request.
TOKENS = 15000
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
# The app exactly as production runs it, except that the limits are lifted so that one user
# (and sign-in) can be measured at full speed; every limit is still counted.
SERVER_ENV = {
    "FLASK_APP": "wsgi",
    "APP_ENV": "production",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "SECRET_KEY": secrets.token_urlsafe(32),
    "JWT_SECRET_KEY": secrets.token_urlsafe(32),
    "LOGIN_RATE_LIMIT_PER_ACCOUNT": "1000000 per minute",
    "LOGIN_RATE_LIMIT_PER_IP": "1000000 per minute",
    "RATE_LIMIT_PER_USER": "1000000 per minute",
    "COMPLIANCE_RATE_LIMIT": "1000000 per minute",
    "RATE_LIMIT_PER_ADDRESS": "1000000 per minute",
    "ACCESS_LOG": "false",
    "BENCH_BIN": str(Path(sys.executable).parent),
}


@dataclass
class Context:
    """What the scenarios of one data set need: the servers, a manager's token, an id."""

    data: Dataset
    app: Any
    password: str
    token: str
    offering_id: int
    servers: dict[str, tuple[str, int]]  # name: (base URL, master's pid)
    email: str = MANAGER_EMAIL

    def fresh_log_bodies(self) -> list[dict]:
        return fresh_log_bodies(self.app)


@dataclass
class Settings:
    seconds: float
    warmup: float
    bare: Load
    bare_figures: list[float]
    # Only the scenarios whose name contains one of these (all when empty).
    only: tuple[str, ...] = ()


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: a tenth of the data, 2 s per run (about a minute)",
    )
    parser.add_argument(
        "--scale",
        type=int,
        choices=(1, 10),
        default=1,
        help="10: also run the scenarios marked for it on ten times the data",
    )
    parser.add_argument("--seconds", type=float, help="per measured run (default 8, quick 2)")
    parser.add_argument("--warmup", type=float, help="seconds before each (default 2, quick 1)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="only the scenarios whose name contains TEXT (repeatable)",
    )
    return parser.parse_args()


def main() -> None:
    arguments = options()
    os.environ.update(SERVER_ENV)
    ensure_wrk()
    fraction = 10 if arguments.quick else 1
    write_offerings = 100 if arguments.quick else 1000
    datasets = [dataset(DATABASE_URL, scale, fraction, write_offerings)
                for scale in sorted({1, arguments.scale})]  # fmt: skip
    started, load_before, measured = datetime.now(UTC), os.getloadavg(), commit()
    print(f"seeding {', '.join(data.label for data in datasets)} …", flush=True)
    seeded = {data.label: seed(data, dict(os.environ)) for data in datasets}
    rows = []
    with gunicorn("bare:app", dict(os.environ), ROOT, RESULTS / "gunicorn-bare.log", "/",
                  "--pythonpath", "bench") as (bare_base, bare_server):  # fmt: skip
        settings = Settings(
            seconds=arguments.seconds or (2 if arguments.quick else 8),
            warmup=arguments.warmup or (1 if arguments.quick else 2),
            bare=Load(bare_base + "/"),
            bare_figures=[],
            only=tuple(arguments.only),
        )
        drive(settings.bare, settings.warmup)
        settings.bare_figures.append(drive(settings.bare, settings.seconds)["requests_per_s"])
        for data in datasets:
            rows += measure_dataset(data, seeded[data.label], settings)
        bare_rss = worker_rss_mb(bare_server.pid)
    results = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(load_before),
        "commit": measured,
        "settings": {
            "wrk": f"-t{THREADS} -c{CONNECTIONS} -d{settings.seconds}s",
            "warmup_s": settings.warmup,
            "gunicorn_workers": WORKERS,
            "quick": arguments.quick,
        },
        "datasets": seeded,
        "rows": rows,
        "bare_worker_rss_mb": bare_rss,
    }
    print(report(results))
    save(results, started)


def measure_dataset(data: Dataset, info: dict, settings: Settings) -> list[dict]:
    """Every scenario of this data set against its own gunicorn. Adds to `info` the offerings in
    the measured trimester and the app workers' memory after the last scenario."""
    password = info.pop("password")
    # Whatever the app keeps in Redis (limits, revocations, caches) belongs to one database.
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {**os.environ, "DATABASE_URL": data.url}
    scenarios = [
        scenario for scenario in SCENARIOS
        if data.scale in scenario.scales
        and (not settings.only or any(text in scenario.name for text in settings.only))
    ]  # fmt: skip
    with contextlib.ExitStack() as servers:
        base, server = servers.enter_context(
            gunicorn("wsgi:app", env, ROOT, RESULTS / f"gunicorn-app-{data.scale}x.log", "/health")
        )
        started = {"app": (base, server.pid)}
        for name in {scenario.server for scenario in scenarios} - {"app"}:
            floor_log = RESULTS / f"gunicorn-{FLOORS[name]}.log"
            floor_base, floor = servers.enter_context(
                gunicorn(f"{FLOORS[name]}:app", env, ROOT, floor_log, "/", "--pythonpath", "bench")
            )
            started[name] = (floor_base, floor.pid)
        app = app_for(data)
        context = Context(data, app, password, sign_in(base, MANAGER_EMAIL, password),
                          first_offering_id(app), started)  # fmt: skip
        info["offerings_in_trimester"] = offerings_in_trimester(app)
        # Under load the manager's identity is read once, by the first request: so in the counts
        # too, whichever scenario comes first.
        read_identity(app, context.token)
        rows = [measure(scenario, context, settings) for scenario in scenarios]
        info["worker_rss_mb"] = worker_rss_mb(server.pid)
    check_floor(rows)
    return rows


def check_floor(rows: list[dict]) -> None:
    """A floor copies the statements of the app's path it is the floor of: say so when the
    app's count for that path moves away from the floor's."""
    counted = {row["scenario"]: row["sql_first"] for row in rows}
    for floor in SCENARIOS:
        app_count = counted.get(floor.floor_of)
        if floor.name in counted and app_count not in (None, floor.floor_statements):
            print(f"  {floor.floor_of!r} now runs {app_count} statements, its floor "
                  f"{floor.floor_statements}: the floor no longer matches it")  # fmt: skip


def sign_in(base: str, email: str, password: str) -> str:
    body = json.dumps({"email": email, "password": password}).encode()
    post = urllib.request.Request(base + "/api/v1/auth/login", data=body,
                                  headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(post) as reply:
        return json.load(reply)["access_token"]


def measure(scenario: Scenario, context: Context, settings: Settings) -> dict:
    """Count the SQL statements, warm up, run, then run the bare endpoint: the ratio is to the
    mean of the bare runs just before and just after, so load from elsewhere shifts both sides
    alike."""
    print(f"{context.data.label} {scenario.name} …", flush=True)
    path = scenario.path.format(offering_id=context.offering_id)
    bodies = scenario.body(context) if scenario.body else [None]
    tokens = student_tokens(context.app, TOKENS) if scenario.auth == "each student" else []
    token = context.token if scenario.auth == "manager" else next(iter(tokens), None)
    fresh, first_read = scenario.script == "bodies.lua", scenario.script == FIRST_READ
    # Before any load, so the first call finds nothing cached for this request.
    calls = iter(bodies) if fresh else itertools.repeat(bodies[0])
    if scenario.server == "app":
        counted = f"{path}{'&' if '?' in path else '?'}first_read=0" if first_read else path
        sql = statements_per_request(context.app, scenario.method, counted, token, calls)
    else:
        floor_sql = scenario.floor_statements
        sql = {"sql_first": floor_sql, "sql": floor_sql, "sql_statuses": []}
    if any(status >= 400 for status in sql["sql_statuses"]):
        print(f"  the in-process calls answered {sql['sql_statuses']}: SQL counts are of errors")
    base, server_pid = context.servers[scenario.server]
    load = Load(base + path, scenario.script, scenario.method, None if tokens else token)
    seconds = max(settings.seconds, scenario.at_least_seconds)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as file:
        if first_read:
            file.write("".join(line + "\n" for line in tokens))
            file.flush()
            load = replace(load, url=base + scenario.path.format(offering_id=EACH_OFFERING),
                           ids=",".join(map(str, offering_ids(context.app))),
                           tokens=Path(file.name) if tokens else None, run=secrets.token_hex(4),
                           first_body=len(sql["sql_statuses"]))  # fmt: skip
        elif fresh:
            file.write("".join(json.dumps(body) + "\n" for body in bodies))
            file.flush()
            load = replace(load, bodies=Path(file.name), first_body=len(sql["sql_statuses"]))
        elif bodies[0] is not None:
            load = replace(load, body=json.dumps(bodies[0]))
        warmup = drive(load, settings.warmup)
        figures = drive(replace(load, first_body=load.first_body + warmup["bodies_taken"]), seconds)
    supply = len(tokens) if tokens else len(bodies) if scenario.script == "bodies.lua" else None
    if (
        supply is not None
        and load.first_body + warmup["bodies_taken"] + figures["bodies_taken"] > supply
    ):
        print(f"  ran out of bodies or tokens ({supply}): the requests past them count as errors")
    rss = max(worker_rss_mb(server_pid))
    bare = drive(settings.bare, settings.seconds)["requests_per_s"]
    bare_mean = (settings.bare_figures[-1] + bare) / 2
    settings.bare_figures.append(bare)
    return {
        "scenario": scenario.name,
        "data": context.data.label,
        "request": f"{scenario.method} {scenario.path}",
        "separate": scenario.separate,
        **figures,
        **sql,
        "worker_rss_mb": rss,
        "bare_requests_per_s": round(bare_mean, 1),
        "ratio": round(figures["requests_per_s"] / bare_mean, 4),
    }


def machine(load_before: tuple) -> dict:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())  # fmt: skip
    return {"nproc": os.cpu_count(), "cpu": model,
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip


def commit() -> str:
    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()  # fmt: skip

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + (" (with uncommitted changes)" if dirty else "")


COLUMNS = ("scenario", "data", "req/s", "p50 ms", "p99 ms", "errors", "SQL first/repeat",
           "bare req/s", "ratio to bare", "worker RSS MB")  # fmt: skip


def table(rows) -> str:
    lines = [
        f"| {row['scenario']} | {row['data']} | {row['requests_per_s']:.0f} | "
        f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['errors']} | "
        f"{row['sql_first']}/{row['sql']} | "
        f"{row['bare_requests_per_s']:.0f} | {row['ratio']:.3f} | {row['worker_rss_mb']:.0f} |"
        for row in rows
    ]
    return "\n".join(["| " + " | ".join(COLUMNS) + " |", "|---" * len(COLUMNS) + "|", *lines])


def report(results: dict) -> str:
    machine = results["machine"]
    rss = {label: info["worker_rss_mb"] for label, info in results["datasets"].items()}
    rss["bare"] = results["bare_worker_rss_mb"]
    return "\n\n".join([
        table(row for row in results["rows"] if not row["separate"]),
        "Apart: sign-in, bound by design by password hashing; and floors behind bare endpoints: "
        "under filing a log, its statements and commit alone (bench/floor.py); under a cache "
        "hit, the token check and one Redis round trip alone (bench/hit_floor.py); under a "
        "first read, the same with the read's statements through Flask-SQLAlchemy "
        "(bench/read_floor.py):\n\n"
        + table(row for row in results["rows"] if row["separate"]),
        "\n".join(
            f"Data {label} (database {info['database']}, seeded in {info['seconds']} s): "
            f"{info['summary']}; {info['offerings_in_trimester']} offerings in the measured "
            "trimester."
            for label, info in results["datasets"].items()
        ),
        "Web worker RSS after the run (MB): "
        + "; ".join(f"{label}: {', '.join(map(str, sizes))}" for label, sizes in rss.items()),
        f"{results['started_at']} · commit {results['commit']} · {machine['nproc']} x "
        f"{machine['cpu']} · load average before {machine['load_before']}, after "
        f"{machine['load_after']} · wrk {results['settings']['wrk']}, "
        f"{results['settings']['warmup_s']} s warm-up",
    ])  # fmt: skip


def save(results: dict, started: datetime) -> None:
    RESULTS.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2)
    (RESULTS / f"{started:%Y%m%dT%H%M%SZ}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}/latest.json")


if __name__ == "__main__":
    main()
