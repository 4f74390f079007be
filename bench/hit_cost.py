"""What one cache hit costs the web worker, in instructions: a figure that does not move with the
machine's load, so two commits can be compared on a busy two-core machine.

    .venv/bin/python bench/hit_cost.py [--path /api/v1/auth/me]

Seeds a small data set into its own MariaDB database (a hundredth of the benchmark's; a hit reads
no table), builds the app with the production settings the benchmark serves, freezes the
collector's view of the loaded app as gunicorn.conf.py does, and sends the same request with a
manager's token through the whole WSGI stack: the first answer is computed, every later one is a
hit. Each run happens twice under valgrind's callgrind (`apt-get install valgrind`), with 100
and then 600 hits after a warm-up: the difference over 500 is one hit's instructions, start-up
and warm-up cancelling out. Without valgrind on the path it prints the CPU time per hit only.
"""

import argparse
import gc
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis
from datasets import MANAGER_EMAIL, app_for, dataset, first_offering_id, renamed, seed
from run import DATABASE_URL, REDIS_URL, SERVER_ENV
from werkzeug.test import EnvironBuilder

FEW, MANY = 100, 600
CALLGRIND_TOTAL = re.compile(r"Collected : (\d+)")
DATA = dataset(renamed(DATABASE_URL, "_hit_cost"), scale=1, fraction=100, write_offerings=0)


def hit_server(path: str | None):
    """A function that sends the request once, as a manager, and checks it was answered."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.auth.services import issue_tokens
    from app.extensions import db

    app = app_for(DATA)
    with app.app_context():
        tokens = issue_tokens(db.session.scalar(select(User).where(User.email == MANAGER_EMAIL)))
    path = path or f"/api/v1/course-offerings/{first_offering_id(app)}"
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    environ = EnvironBuilder(path=path, headers=headers).get_environ()

    def answered(status: str, _headers, _exc_info=None) -> None:
        assert status.startswith("200"), status

    def serve() -> None:
        for _chunk in app({**environ, "wsgi.input": io.BytesIO()}, answered):
            pass

    for _ in range(50):  # the first answer is computed; connections open; statements compile
        serve()
    gc.freeze()  # as gunicorn.conf.py does once the app is loaded
    return serve


def cpu_per_hit(serve, count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        serve()
    return (time.process_time() - started) / count


def instructions(path: str | None, count: int) -> int:
    """Instructions of a whole run of this script serving `count` hits, under callgrind."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
               __file__, "--hits", str(count), *(["--path", path] if path else [])]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dictionaries in every run
    finished = subprocess.run(command, env=env, capture_output=True, text=True)
    total = CALLGRIND_TOTAL.search(finished.stderr)
    if finished.returncode or total is None:
        raise SystemExit(f"the run under callgrind failed:\n{finished.stderr[-3000:]}")
    return int(total.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", help="a cached GET (default: one offering)")
    parser.add_argument("--hits", type=int, help=argparse.SUPPRESS)  # one run under callgrind
    arguments = parser.parse_args()
    os.environ.update(SERVER_ENV)
    if arguments.hits:
        cpu_per_hit(hit_server(arguments.path), arguments.hits)
        return
    seed(DATA, dict(os.environ))
    redis.Redis.from_url(REDIS_URL).flushdb()
    serve = hit_server(arguments.path)
    best = min(cpu_per_hit(serve, 2000) for _ in range(3))
    print(f"CPU per hit, best of 3 x 2,000: {best * 1e6:.0f} µs")
    if shutil.which("valgrind"):
        few, many = instructions(arguments.path, FEW), instructions(arguments.path, MANY)
        print(f"instructions per hit: {(many - few) / (MANY - FEW) / 1e6:.2f} million")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
