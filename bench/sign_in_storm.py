"""Cached reads while people sign in: what password hashing leaves for everyone else.

    .venv/bin/python bench/sign_in_storm.py [--sign-ins 300] [--seconds 60]
                                            [--argon2 TIME,MEMORY_KIB,LANES ...]

Seeds a tenth of the issue's offerings and students, and one facilitator per sign-in, into its
own MariaDB database (BENCH_DATABASE_URL with `_sign_in` appended), serves it with gunicorn as
bench/run.py does (production settings, 4 sync workers, limits lifted so that every sign-in is
hashed), and for each Argon2id setting asked (default: the configured one, then the former 3
passes, 64 MiB, 4 lanes) drives a cached read (one offering, as a manager) with wrk: first
alone, then while --sign-ins different accounts sign in at an even pace over --seconds. Prints
the reads per second in both runs, their ratio (the goal: above 0.5), and the sign-ins'
latencies. Sends traffic to 127.0.0.1 only.
"""

import argparse
import json
import os
import statistics
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import redis
from datasets import MANAGER_EMAIL, Dataset, app_for, first_offering_id, renamed, seed
from loadgen import Load, drive, ensure_wrk
from run import DATABASE_URL, REDIS_URL, ROOT, SERVER_ENV, sign_in
from servers import gunicorn

RESULTS = ROOT / "bench" / "results"
FORMER = (3, 65536, 4)  # the defaults before OWASP's recommended (1 pass, 46 MiB, 1 lane)


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sign-ins", type=int, default=300, help="accounts signing in")
    parser.add_argument("--seconds", type=float, default=60, help="the storm's length")
    parser.add_argument(
        "--argon2",
        nargs="*",
        metavar="TIME,MEMORY_KIB,LANES",
        help="settings to measure (default: the configured ones, then 3,65536,4)",
    )
    return parser.parse_args()


def settings_asked(arguments) -> list[tuple[int, int, int]]:
    if arguments.argon2:
        return [tuple(int(part) for part in text.split(",")) for text in arguments.argon2]
    from app.config import BaseConfig

    configured = (BaseConfig.ARGON2_TIME_COST, BaseConfig.ARGON2_MEMORY_COST_KIB,
                  BaseConfig.ARGON2_PARALLELISM)  # fmt: skip
    return [configured, FORMER]


def facilitator_emails(app, count: int) -> list[str]:
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db

    with app.app_context():
        emails = db.session.scalars(
            select(User.email).where(User.role == "facilitator").order_by(User.id).limit(count)
        ).all()
    if len(emails) < count:
        raise SystemExit(f"only {len(emails)} facilitators to sign in, {count} asked")
    return list(emails)


def sign_in_once(base: str, email: str, password: str) -> tuple[int, float]:
    body = json.dumps({"email": email, "password": password}).encode()
    post = urllib.request.Request(base + "/api/v1/auth/login", data=body,
                                  headers={"Content-Type": "application/json"})  # fmt: skip
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(post, timeout=60) as reply:
            status = reply.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def storm(base: str, emails: list[str], password: str, seconds: float) -> list[tuple]:
    """Each account signs in once, at an even pace over `seconds`."""
    gap = seconds / len(emails)
    start = time.perf_counter()

    def at_its_time(numbered):
        number, email = numbered
        time.sleep(max(0.0, start + number * gap - time.perf_counter()))
        return sign_in_once(base, email, password)

    with ThreadPoolExecutor(32) as pool:
        return list(pool.map(at_its_time, enumerate(emails)))


def measure(argon2: tuple, base_env: dict, context: dict, arguments) -> dict:
    time_cost, memory, lanes = argon2
    env = base_env | {"ARGON2_TIME_COST": str(time_cost), "ARGON2_MEMORY_COST_KIB": str(memory),
                      "ARGON2_PARALLELISM": str(lanes)}  # fmt: skip
    label = f"t={time_cost}, m={memory} KiB, p={lanes}"
    print(f"{label} …", flush=True)
    redis.Redis.from_url(REDIS_URL).flushdb()
    log = RESULTS / "gunicorn-sign-in-storm.log"
    with gunicorn("wsgi:app", env, ROOT, log, "/health") as (base, _server):
        token = sign_in(base, MANAGER_EMAIL, context["password"])
        read = Load(f"{base}/api/v1/course-offerings/{context['offering_id']}", token=token)
        drive(read, 2)  # warm-up: the entry is cached from here on
        alone = drive(read, min(arguments.seconds, 15))
        answers = []
        storming = threading.Thread(target=lambda: answers.extend(
            storm(base, context["emails"], context["password"], arguments.seconds)))  # fmt: skip
        storming.start()
        during = drive(read, arguments.seconds)
        storming.join()
    latencies = sorted(seconds * 1000 for _status, seconds in answers)
    return {
        "argon2": label,
        "reads_alone": alone["requests_per_s"],
        "reads_during": during["requests_per_s"],
        "ratio": round(during["requests_per_s"] / alone["requests_per_s"], 3),
        "read_p99_ms_during": during["p99_ms"],
        "sign_ins": len(answers),
        "sign_ins_ok": sum(status == 200 for status, _ in answers),
        "sign_in_p50_ms": round(statistics.median(latencies), 1),
        "sign_in_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
    }


def report(rows: list[dict], arguments) -> str:
    header = ("| Argon2id | cached reads/s alone | during the sign-ins | ratio | read p99 ms | "
              "sign-ins OK | sign-in p50 / p99 ms |\n|---|---|---|---|---|---|---|")  # fmt: skip
    lines = [
        f"| {row['argon2']} | {row['reads_alone']:.0f} | {row['reads_during']:.0f} | "
        f"{row['ratio']:.2f} | {row['read_p99_ms_during']:.1f} | "
        f"{row['sign_ins_ok']}/{row['sign_ins']} | "
        f"{row['sign_in_p50_ms']:.0f} / {row['sign_in_p99_ms']:.0f} |"
        for row in rows
    ]
    return (f"{arguments.sign_ins} sign-ins over {arguments.seconds:.0f} s, 4 gunicorn workers, "
            f"{os.cpu_count()} CPUs\n\n" + "\n".join([header, *lines]))  # fmt: skip


def main() -> None:
    arguments = options()
    os.environ.update(SERVER_ENV)
    ensure_wrk()
    # A tenth of the offerings and students; a facilitator for each sign-in.
    data = Dataset(1, renamed(DATABASE_URL, "_sign_in"), facilitators=arguments.sign_ins,
                   offerings=200, students=2000)  # fmt: skip
    print(f"seeding {data.url.rsplit('/', 1)[1].split('?')[0]} …", flush=True)
    seeded = seed(data, dict(os.environ))
    app = app_for(data)
    context = {"password": seeded["password"], "offering_id": first_offering_id(app),
               "emails": facilitator_emails(app, arguments.sign_ins)}  # fmt: skip
    env = {**os.environ, "DATABASE_URL": data.url}
    rows = [measure(argon2, env, context, arguments) for argon2 in settings_asked(arguments)]
    print(report(rows, arguments))


if __name__ == "__main__":
    main()
