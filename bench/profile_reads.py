"""Where a read's CPU goes, first reads (nothing cached) against repeated ones.

    .venv/bin/python bench/profile_reads.py [--requests 400]

Seeds a tenth of the benchmark's data set into its own MariaDB database, builds the app with the
production settings the benchmark serves (limits raised, every one still counted), signs in as a
manager and sends each read below `--requests` times through the whole WSGI stack under cProfile:
first reads with a query string never seen before on every request (so no cache can answer),
then the same URL again and again (every answer from the cache). Prints, per read, the CPU
microseconds per request and their split by the part of the stack that spent them.
"""

import argparse
import cProfile
import itertools
import os
import pstats
import sys
import time
from pathlib import Path

from datasets import MANAGER_EMAIL, app_for, dataset, renamed, seed
from run import DATABASE_URL, SERVER_ENV

READS = {
    "one offering": "/api/v1/course-offerings/{offering_id}",
    "list offerings, page 50": "/api/v1/course-offerings?page_size=50&trimester=1&year=2026",
    "list pending logs, page 50": "/api/v1/activity-logs?page_size=50&status=Pending",
}

# The part of the stack a function belongs to, by where its code lives (first match wins).
PARTS = [
    ("admission: token, identity, limits", ("flask_jwt_extended", "/jwt/", "flask_limiter",
                                            "/limits/", "app/auth/guards", "app/rate_limits",
                                            "app/auth/services")),
    ("Redis client", ("/redis/",)),
    ("database driver", ("pymysql",)),
    ("SQL building and compiling", ("sqlalchemy/sql", "sqlalchemy/engine")),
    ("ORM: rows into objects", ("sqlalchemy/orm",)),
    ("serialisation", ("marshmallow", "flask_smorest/response", "/json/", "flask/json")),
    ("arguments and pagination", ("webargs", "flask_smorest")),
    ("Flask and Werkzeug", ("/flask/", "/werkzeug/")),
    ("the app's own code", ("/app/",)),
]  # fmt: skip


def part_of(filename: str) -> str:
    return next((part for part, places in PARTS if any(p in filename for p in places)), "other")


def split(profile: cProfile.Profile) -> dict[str, float]:
    """Seconds of own time per part of the stack."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_calls, _, own, _, _) in pstats.Stats(profile).stats.items():
        part = part_of(filename)
        totals[part] = totals.get(part, 0.0) + own
    return totals


def profiled(client, urls, headers) -> tuple[float, dict[str, float]]:
    profile = cProfile.Profile(time.process_time)  # CPU, not the waits for MariaDB or Redis
    count = 0
    profile.enable()
    for url in urls:
        response = client.get(url, headers=headers)
        count += 1
        assert response.status_code == 200, (url, response.status_code, response.get_data())
    profile.disable()
    totals = split(profile)
    return sum(totals.values()) / count, {part: seconds / count for part, seconds in totals.items()}


def first_reads(template: str, offering_ids: list[int], requests: int):
    """A URL no cache can answer on each request: another offering, or a never-seen query."""
    for number in range(requests):
        url = template.format(offering_id=offering_ids[number % len(offering_ids)])
        if "{offering_id}" not in template:
            url += ("&" if "?" in url else "?") + f"first_read={number}"
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    requests = parser.parse_args().requests
    os.environ.update(SERVER_ENV)
    data = dataset(renamed(DATABASE_URL, "_profile"), scale=1, fraction=10, write_offerings=0)
    password = seed(data, dict(os.environ))["password"]
    app = app_for(data)
    client = app.test_client()
    signed_in = client.post("/api/v1/auth/login", json={"email": MANAGER_EMAIL,
                                                        "password": password})  # fmt: skip
    headers = {"Authorization": f"Bearer {signed_in.json['access_token']}"}
    offerings = client.get("/api/v1/course-offerings?page_size=100", headers=headers).json
    offering_ids = [offering["id"] for offering in offerings]

    for name, template in READS.items():
        first = first_reads(template, offering_ids, requests)
        repeated = itertools.repeat(template.format(offering_id=offering_ids[0]), requests)
        for kind, urls in (("first read", first), ("repeated", repeated)):
            per_request, parts = profiled(client, urls, headers)
            print(f"\n{name}, {kind}: {per_request * 1e6:.0f} µs of CPU per request")
            for part, seconds in sorted(parts.items(), key=lambda item: -item[1]):
                print(f"  {part:38} {seconds * 1e6:7.0f} µs  {seconds / per_request:6.1%}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
