"""Where a read's CPU goes, first reads (nothing cached) against repeated ones.

    .venv/bin/python bench/profile_reads.py [--requests 400] [--fraction 1]

Seeds a tenth of the benchmark's data set (`--fraction 1`: all of it) into its own MariaDB
database, builds the app with the production settings the benchmark serves (limits raised, every
one still counted), freezes the collector's view of the loaded app as gunicorn does, signs in
as a manager and sends each read below `--requests` times through the whole WSGI stack: first
reads with a query string never seen before on every request (so no cache can answer; who am I
from another student each time, whose identity is read too), then the same URL again and again
(every answer from the cache). Prints, per read, the CPU microseconds per request measured
without a profiler, then their split by the part of the stack that spent them, measured again
under cProfile (whose own cost inflates many small calls more than a few long ones: read the
shares as approximate). The time of built-in and standard-library functions
(socket reads, JSON encoding, datetime formatting) goes to the part that called them.
"""

import argparse
import cProfile
import gc
import itertools
import os
import pstats
import sys
import time
from pathlib import Path

import redis
from datasets import MANAGER_EMAIL, app_for, dataset, renamed, seed, student_tokens
from run import DATABASE_URL, REDIS_URL, SERVER_ENV

READS = {
    "one offering": "/api/v1/course-offerings/{offering_id}",
    "list offerings, page 50": "/api/v1/course-offerings?page_size=50&trimester=1&year=2026",
    "list pending logs, page 50": "/api/v1/activity-logs?page_size=50&status=Pending",
    "who am I": "/api/v1/auth/me",
}
WHO_AM_I = "who am I"

# The part of the stack a function belongs to, by where its code lives (first match wins).
PARTS = [
    ("admission: token, identity, limits", ("flask_jwt_extended", "/jwt/",
                                            "/limits/", "app/api/admission", "app/api/rate_limits",
                                            "app/auth/services")),
    ("Redis client", ("/redis/",)),
    ("cache: keys, lookups, entries", ("app/data/cache",)),
    ("database driver", ("pymysql",)),
    ("SQL building and compiling", ("sqlalchemy/sql", "sqlalchemy/engine", "sqlalchemy/dialects",
                                    "sqlalchemy/event", "sqlalchemy/util", "sqlalchemy/pool",
                                    "flask_sqlalchemy")),
    ("ORM: rows into objects, session", ("sqlalchemy/orm",)),
    ("serialisation: marshmallow", ("marshmallow",)),
    ("serialisation: JSON", ("/json/", "flask/json")),
    ("arguments and pagination", ("webargs", "flask_smorest")),
    ("Flask and Werkzeug", ("/flask/", "/werkzeug/")),
    ("the app's own code", ("/app/",)),
]  # fmt: skip


def part_of(filename: str) -> str | None:
    return next((part for part, places in PARTS if any(p in filename for p in places)), None)


def split(profile: cProfile.Profile) -> dict[str, float]:
    """Seconds of own time per part of the stack; a function of no part (a built-in, the
    standard library) counts for its callers' parts, in proportion to the time each spent in it."""
    stats = pstats.Stats(profile).stats
    totals: dict[str, float] = {}
    for function, (_calls, _, own, _, callers) in stats.items():
        shares = {function: own} if part_of(function[0]) or not callers else {
            caller: own * spent / (sum(times[2] for times in callers.values()) or 1)
            for caller, (_, _, spent, _) in callers.items()
        }  # fmt: skip
        for caller, seconds in shares.items():
            part = owning_part(caller, stats)
            totals[part] = totals.get(part, 0.0) + seconds
    return totals


def owning_part(function, stats, depth: int = 0) -> str:
    """The part of `function`, or else of the caller that spent most in it, and so on up."""
    part = part_of(function[0])
    callers = stats.get(function, (0, 0, 0, 0, {}))[4]
    if part or not callers or depth > 20:
        return part or "other"
    heaviest = max(callers.items(), key=lambda item: item[1][2])[0]
    return owning_part(heaviest, stats, depth + 1)


def cpu_per_request(client, urls) -> float:
    """Seconds of this process's CPU per request, no profiler running."""
    started, count = time.process_time(), 0
    for url, headers in urls:
        response = client.get(url, headers=headers)
        count += 1
        assert response.status_code == 200, (url, response.status_code, response.get_data())
    return (time.process_time() - started) / count


def profiled(client, urls) -> dict[str, float]:
    """Each part's share of the requests' CPU under cProfile."""
    profile = cProfile.Profile(time.process_time)  # CPU, not the waits for MariaDB or Redis
    profile.enable()
    cpu_per_request(client, urls)
    profile.disable()
    totals = split(profile)
    return {part: seconds / sum(totals.values()) for part, seconds in totals.items()}


def first_reads(template: str, offering_ids: list[int], requests: int, start: int):
    """A URL no cache can answer on each request: a query never seen before (and another
    offering, where the path names one), as bench/lua/first_read.lua sends them."""
    for number in range(start, start + requests):
        url = template.format(offering_id=offering_ids[number % len(offering_ids)])
        yield url + ("&" if "?" in url else "?") + f"first_read={number}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--fraction", type=int, default=10, help="1: the whole data set")
    arguments = parser.parse_args()
    requests = arguments.requests
    os.environ.update(SERVER_ENV)
    url = renamed(DATABASE_URL, "_profile")
    data = dataset(url, scale=1, fraction=arguments.fraction, write_offerings=0)
    password = seed(data, dict(os.environ))["password"]
    redis.Redis.from_url(REDIS_URL).flushdb()  # nothing cached from another run
    app = app_for(data)
    # As gunicorn.conf.py does once the app is loaded, so full collections no longer walk the
    # loaded app's objects: without it, loading a page of logs took twice as long here.
    gc.freeze()
    client = app.test_client()
    signed_in = client.post("/api/v1/auth/login", json={"email": MANAGER_EMAIL,
                                                        "password": password})  # fmt: skip
    headers = {"Authorization": f"Bearer {signed_in.json['access_token']}"}
    offerings = client.get("/api/v1/course-offerings?page_size=100", headers=headers).json
    offering_ids = [offering["id"] for offering in offerings]
    students = [{"Authorization": f"Bearer {token}"}
                for token in student_tokens(app, 4 * requests)]  # fmt: skip

    for name, template in READS.items():
        for kind in ("first read", "repeated"):

            def urls(start: int, name=name, template=template, kind=kind):
                return requests_for(name, template, kind, start, requests, offering_ids,
                                    headers, students)  # fmt: skip

            cpu_per_request(client, urls(0))  # warm: connections, compiled statements
            per_request = cpu_per_request(client, urls(requests))
            shares = profiled(client, urls(2 * requests))
            print(f"\n{name}, {kind}: {per_request * 1e6:.0f} µs of CPU per request")
            for part, share in sorted(shares.items(), key=lambda item: -item[1]):
                print(f"  {part:38} {share * per_request * 1e6:7.0f} µs  {share:6.1%}")


def requests_for(name, template, kind, start, requests, offering_ids, headers, students):
    """(URL, headers) of each request: the same one repeated, or first reads, who am I each
    from a student whose identity nothing cached yet."""
    if kind == "repeated":
        return itertools.repeat((template.format(offering_id=offering_ids[0]), headers), requests)
    urls = first_reads(template, offering_ids, requests, start)
    if name == WHO_AM_I:
        return zip(urls, students[start : start + requests], strict=True)
    return ((url, headers) for url in urls)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
