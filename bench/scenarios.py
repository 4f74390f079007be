"""What `make bench` measures: one entry per scenario. Add a scenario by adding an entry.

`path` may name `{offering_id}` (an offering of the measured trimester). `body(context)` gives the
JSON bodies: `request.lua` sends the first one with every request, `bodies.lua` sends each one
once, in order (for writes that must not repeat). `first_read.lua` sends requests no cache can
answer: a query never seen before on each, `{offering_id}` taking every offering of the trimester
in turn, and with `auth="each student"` another student's token (a first read of their identity
too) on each. `scales` lists the data sets it runs on
(1: the issue's data set; 10: ten times that, with --scale 10).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from floor import STATEMENTS as FILING_STATEMENTS

TRIMESTER_QUERY = "trimester=1&year=2026"
FILING = "file a weekly log"
FIRST_READ = "first_read.lua"
ONE_FIRST_READ = "one offering, first read"
PAGE_FIRST_READ = "list offerings, page 50, first read"
# What first_read.lua puts where a path names an offering: each offering of the trimester in turn.
EACH_OFFERING = "_ID_"


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    auth: str | None = "manager"
    script: str = "request.lua"
    body: Callable[[Any], list[dict]] | None = None
    scales: tuple[int, ...] = (1,)
    # Reported in a table of its own: bound by design by something other than our code.
    separate: bool = False
    # Runs at least this long even with --quick: a few slow requests need time to complete.
    at_least_seconds: float = 0
    # "app", or a floor (FLOORS): the least any path of the app can cost here.
    server: str = "app"
    # A floor's SQL statements per request (a floor is not counted in-process), and the
    # scenario of the app it is the floor of, whose count should match.
    floor_statements: int = 0
    floor_of: str | None = None


# The floors' modules in bench/, by the name scenarios give them as their server.
FLOORS = {"floor": "floor", "hit floor": "hit_floor", "read floor": "read_floor"}


def sign_in_body(context) -> list[dict]:
    return [{"email": context.email, "password": context.password}]


def fresh_logs(context) -> list[dict]:
    return context.fresh_log_bodies()


SCENARIOS = [
    Scenario("list offerings, page 50", "GET",
             f"/api/v1/course-offerings?page_size=50&{TRIMESTER_QUERY}", scales=(1, 10)),
    Scenario("one offering", "GET", "/api/v1/course-offerings/{offering_id}", scales=(1, 10)),
    Scenario("who am I", "GET", "/api/v1/auth/me"),
    Scenario("list pending logs, page 50", "GET",
             f"/api/v1/activity-logs?page_size=50&{TRIMESTER_QUERY}&status=Pending"),
    Scenario("compliance, whole trimester", "GET",
             f"/api/v1/activity-logs/compliance?{TRIMESTER_QUERY}", scales=(1, 10)),
    Scenario(ONE_FIRST_READ, "GET", "/api/v1/course-offerings/{offering_id}", script=FIRST_READ),
    Scenario(PAGE_FIRST_READ, "GET", f"/api/v1/course-offerings?page_size=50&{TRIMESTER_QUERY}",
             script=FIRST_READ),
    Scenario("list pending logs, page 50, first read", "GET",
             f"/api/v1/activity-logs?page_size=50&{TRIMESTER_QUERY}&status=Pending",
             script=FIRST_READ),
    Scenario("who am I, each student's first read", "GET", "/api/v1/auth/me",
             auth="each student", script=FIRST_READ),
    Scenario("an offering's weeks, each offering", "GET",
             "/api/v1/course-offerings/{offering_id}/weeks", script=FIRST_READ),
    Scenario("workload, whole trimester", "GET",
             f"/api/v1/admin/workload?page_size=100&{TRIMESTER_QUERY}"),
    Scenario(FILING, "POST", "/api/v1/activity-logs", script="bodies.lua",
             body=fresh_logs),
    Scenario("sign in (Argon2id)", "POST", "/api/v1/auth/login", auth=None, body=sign_in_body,
             separate=True, at_least_seconds=8),
    Scenario("floor: a log's SQL alone", "POST", "/", auth=None, body=fresh_logs, separate=True,
             server="floor", floor_statements=len(FILING_STATEMENTS), floor_of=FILING),
    Scenario("floor: a cache hit's admission alone", "GET", "/answer", separate=True,
             server="hit floor"),
    Scenario("floor: one offering's first read, libraries alone", "GET",
             "/course-offerings/{offering_id}", script=FIRST_READ, separate=True,
             server="read floor", floor_statements=1, floor_of=ONE_FIRST_READ),
    Scenario("floor: offerings, page 50, first read, libraries alone", "GET",
             f"/course-offerings?page_size=50&{TRIMESTER_QUERY}", script=FIRST_READ,
             separate=True, server="read floor", floor_statements=2, floor_of=PAGE_FIRST_READ),
]  # fmt: skip
