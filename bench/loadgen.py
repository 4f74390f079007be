"""Drive a URL with wrk and read back what bench/lua/report.lua printed."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
THREADS, CONNECTIONS = 2, 8
MARKER = "BENCH-RESULT "


@dataclass(frozen=True)
class Load:
    """One wrk run: where, with which script, and what the script reads from its environment."""

    url: str
    script: str = "request.lua"
    method: str = "GET"
    token: str | None = None
    body: str | None = None
    bodies: Path | None = None
    first_body: int = 0
    ids: str | None = None  # first_read.lua: comma-separated ids for EACH_OFFERING in the path
    tokens: Path | None = None  # first_read.lua: one access token a line, one per request
    run: str = "0"  # first_read.lua: this run's part of every query it invents


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("installing wrk with apt-get …", flush=True)
    subprocess.run(["apt-get", "update", "-q"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)


def drive(load: Load, seconds: float) -> dict:
    """Run wrk for `seconds`; returns requests/s, p50/p99 ms, errors, and bodies taken."""
    env = {
        **os.environ,
        "LUA_PATH": f"{LUA}/?.lua;;",
        "BENCH_METHOD": load.method,
        "BENCH_THREADS": str(THREADS),
        "BENCH_FIRST": str(load.first_body),
    }
    for name, value in (("BENCH_TOKEN", load.token), ("BENCH_BODY", load.body),
                        ("BENCH_BODIES", load.bodies and str(load.bodies)),
                        ("BENCH_IDS", load.ids), ("BENCH_TOKENS", load.tokens and str(load.tokens)),
                        ("BENCH_RUN", load.run)):  # fmt: skip
        if value is not None:
            env[name] = value
    command = [
        "wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s",
        "-s", str(LUA / load.script), load.url,
    ]  # fmt: skip
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    lines = [line for line in output.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise SystemExit(f"wrk printed no result for {load.url}:\n{output}")
    raw = json.loads(lines[-1].removeprefix(MARKER))
    seconds_run = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / seconds_run, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": raw["status_errors"] + raw["socket_errors"] + raw["timeouts"],
        "bodies_taken": raw.get("bodies_taken", 0),
    }
