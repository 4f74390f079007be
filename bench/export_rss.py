"""Peak memory of a 100,000-row CSV export: streamed in batches, it must stay under +50 MB.

    .venv/bin/python bench/export_rss.py [--offerings 8500 --weeks 14]

Builds a fresh MariaDB database `cmp_bench_export` (BENCH_EXPORT_DATABASE_URL to change) with
`flask seed bulk` (past offerings, so every week's log is due: about 107,000 activity logs with
their attendance lists), then, in a fresh process each, downloads
`/api/v1/admin/exports/activity-logs.csv` through the app (WSGI, no network) two ways:

- `streamed`: the real route, reading the chunks as a client would;
- `in memory`: the same rows loaded at once and written to one string, for comparison.

Resident set size (RSS) is sampled from /proc at every chunk (for the in-memory variant: once
the rows are loaded, once the file is written); the figure is the highest sample minus the RSS
just before the download (after a warm-up export), next to the kernel's peak (ru_maxrss) growth.
"""

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import time

from datasets import MANAGER_EMAIL, ROOT, flask, recreate_database

DATABASE_URL = os.environ.get(
    "BENCH_EXPORT_DATABASE_URL",
    "mysql+pymysql://root:@127.0.0.1:3306/cmp_bench_export?charset=utf8mb4",
)
ENV = {
    **os.environ,
    "FLASK_APP": "wsgi",
    "APP_ENV": "production",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
    "SECRET_KEY": secrets.token_urlsafe(32),
    "JWT_SECRET_KEY": secrets.token_urlsafe(32),
    "BENCH_BIN": os.path.dirname(sys.executable),
}
EXPORT = "/api/v1/admin/exports/activity-logs.csv"
LIMIT_MB = 50
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(offerings: int, weeks: int) -> str:
    recreate_database(DATABASE_URL)
    flask(ENV, "db", "upgrade")
    output = flask(ENV, "seed", "bulk", "--facilitators", "200", "--offerings", str(offerings),
                   "--students", "0", "--weeks", str(weeks), "--year", "2025")  # fmt: skip
    password = output.strip().rsplit(" ", 1)[-1]
    flask(ENV, "users", "create", "--role", "manager", "--email", MANAGER_EMAIL,
          "--password", password)  # fmt: skip
    return output.strip().splitlines()[-1].split(" Every")[0]


def measure(variant: str) -> dict:
    """Runs inside its own process (see main)."""
    from app import create_app
    from app.admin.exports import LOG_COLUMNS, activity_logs_query
    from app.api.exports import csv_chunks
    from app.auth import services as auth_services
    from app.extensions import db

    app = create_app()
    with app.test_request_context():
        manager = auth_services.find_user_by_email(MANAGER_EMAIL)
        token = auth_services.issue_tokens(manager)["access_token"]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    warm = client.get(EXPORT, query_string={"week_number": 1, "year": 2025}, headers=headers)
    warm.get_data()
    start_rss, start_peak, samples, rows, size = rss_mb(), max_rss_mb(), [], 0, 0
    started = time.perf_counter()
    if variant == "streamed":
        response = client.get(EXPORT, headers=headers)
        for chunk in response.iter_encoded():
            size += len(chunk)
            rows += chunk.count(b"\n")
            samples.append(rss_mb())
    else:
        with app.app_context():
            statement, converters = activity_logs_query(db.session.merge(manager), {})
            table = [
                [
                    convert(value) if convert else value
                    for value, convert in zip(row, converters, strict=True)
                ]
                for row in db.session.execute(statement).all()
            ]
            samples.append(rss_mb())
            text = "".join(csv_chunks(list(LOG_COLUMNS), table))
            samples.append(rss_mb())
            rows, size = len(table) + 1, len(text.encode())
    return {
        "variant": variant,
        "rows": rows - 1,  # the header line
        "megabytes": round(size / 2**20, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "rss_before_mb": round(start_rss, 1),
        "rss_growth_mb": round(max(samples) - start_rss, 1),
        "peak_growth_mb": round(max_rss_mb() - start_peak, 1),
    }


def in_fresh_process(variant: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", variant],
        cwd=ROOT, env=ENV, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offerings", type=int, default=8500)
    parser.add_argument("--weeks", type=int, default=14)
    parser.add_argument("--measure", choices=["streamed", "in-memory"], help=argparse.SUPPRESS)
    parser.add_argument("--no-seed", action="store_true", help="Reuse the last seeded database.")
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(measure(arguments.measure)))
        return
    if not arguments.no_seed:
        print("seeded:", seed(arguments.offerings, arguments.weeks))
    results = [in_fresh_process(variant) for variant in ("streamed", "in-memory")]
    print("| variant | rows | MB | s | RSS before | RSS growth | peak growth |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['variant']} | {r['rows']:,} | {r['megabytes']} | {r['seconds']} | "
              f"{r['rss_before_mb']} MB | +{r['rss_growth_mb']} MB | "
              f"+{r['peak_growth_mb']} MB |")  # fmt: skip
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "export_rss.json").write_text(json.dumps(results, indent=2))
    streamed = results[0]
    if streamed["rows"] < 100_000 or streamed["rss_growth_mb"] >= LIMIT_MB:
        raise SystemExit(f"FAIL: {streamed['rows']} rows, +{streamed['rss_growth_mb']} MB")
    print(f"OK: {streamed['rows']:,} rows streamed with +{streamed['rss_growth_mb']} MB RSS")


if __name__ == "__main__":
    main()
