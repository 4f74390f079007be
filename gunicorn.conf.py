"""gunicorn settings for the web service: `gunicorn -c gunicorn.conf.py wsgi:app`.

Command-line options override these (bench/servers.py binds to loopback that way).
"""

import gc
import os
import shutil
import tempfile
from pathlib import Path

SHARED_MEMORY = "/dev/shm" if Path("/dev/shm").is_dir() else None

# Set before prometheus-client is imported (with the app): it reads the variable once, then.
# Each worker writes its metrics to files there, and /metrics sums them. A directory of our own
# (on tmpfs) unless one is given.
OWN_METRICS_DIR = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp("", "cmp-metrics-", SHARED_MEMORY)
METRICS_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])

from prometheus_client import multiprocess  # noqa: E402  (after PROMETHEUS_MULTIPROC_DIR)

from app.observability.logs import LOGGING  # noqa: E402

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sync workers: each serves one request at a time, so this is also the number of requests (and
# database connections in use) one container handles at once.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# A sync worker only reports alive between requests, so this bounds the longest request too:
# room for a whole-trimester export on a busy machine.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM (a deploy, `docker compose stop`) workers finish the requests they hold for up to
# this long; compose's stop_grace_period for web is longer, so Docker does not cut them short.
graceful_timeout = 30
# The heartbeat file is touched constantly: on tmpfs, not the container's overlay disk.
worker_tmp_dir = SHARED_MEMORY

# The app is imported once in the master and forked: workers share its memory pages, start at
# once after a crash, and a broken configuration stops the master at start-up instead of making
# workers fail one by one. Nothing opens a connection while the app is created (pools connect
# on first use, in each worker), so no socket is shared across the fork. Code changes need a
# restart rather than a HUP, which is how containers are deployed anyway.
preload_app = True
# Deploys restart containers and scale workers with WEB_CONCURRENCY: no runtime control socket
# (it would also be one path, $HOME/.gunicorn/gunicorn.ctl, for every gunicorn of a user).
control_socket_disable = True

# The app writes one access line per request itself (ACCESS_LOG), with the route and the user
# gunicorn does not know; gunicorn's own lines get the app's format (LOG_FORMAT).
accesslog = None
logconfig_dict = LOGGING


def on_starting(server):
    """Files left by an earlier master would be counted again: start from none."""
    for stale in METRICS_DIR.glob("*.db"):
        stale.unlink()


def pre_fork(server, worker):
    """What the preloaded app built lives as long as the worker: frozen, no garbage collection in
    the worker walks it again. A full collection over it took 58 ms, a stall every few thousand
    requests that showed as p99."""
    gc.freeze()


def child_exit(server, worker):
    """A dead worker's counts stay in the sums; its live gauges (if any) are dropped."""
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if OWN_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
