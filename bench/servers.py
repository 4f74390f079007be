"""gunicorn processes for the app and the bare endpoint, started and stopped by the harness."""

import contextlib
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

# The production settings (gunicorn.conf.py), identical for the app and the bare endpoint, with
# 4 sync workers on loopback. No access log, no metrics: their cost is measured on its own.
WORKERS = 4
QUIET = {"ACCESS_LOG": "false", "METRICS_TOKEN": ""}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(target: str, env: dict, cwd: Path, log: Path, ready_path: str, *extra: str):
    """Serve `target` (module:app) until the block ends; yields (base URL, master process)."""
    port = free_port()
    command = [
        str(Path(env["BENCH_BIN"]) / "gunicorn"), "-c", "gunicorn.conf.py",
        "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", *extra, target,
    ]  # fmt: skip
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=cwd, env=env | QUIET, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base + ready_path, server, log)
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_serving(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url} within a minute; see {log}")


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory (VmRSS) of each worker, the master's children, in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
            if int(fields["PPid"]) == master_pid and "VmRSS" in fields:
                sizes.append(round(int(fields["VmRSS"].split()[0]) / 1024, 1))
    return sorted(sizes)
