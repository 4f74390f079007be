"""The benchmark databases: seeded with `flask seed bulk`, then read in-process (ids for the
scenarios, SQL statements per request) through the app configured as gunicorn serves it."""

import itertools
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pymysql

ROOT = Path(__file__).resolve().parent.parent
MANAGER_EMAIL = "bench@example.test"
YEAR, TRIMESTER = 2026, 1
# `seed bulk` has room for 7,200 offerings in one trimester (40 modules x 5 classes x 4 cohorts x
# 3 modes x 3 intakes), so a larger data set is spread over the year's three trimesters.
ONE_TRIMESTER = 7200


@dataclass(frozen=True)
class Dataset:
    scale: int
    url: str
    facilitators: int
    offerings: int
    students: int
    # Offerings with no logs yet, in another trimester, for the scenarios that file fresh logs.
    write_offerings: int = 0

    @property
    def label(self) -> str:
        return f"{self.scale}x"

    def bulk_arguments(self) -> list[str]:
        period = ["--year", str(YEAR)]
        if self.offerings <= ONE_TRIMESTER:
            period += ["--trimester", str(TRIMESTER)]
        return [
            "seed", "bulk", "--facilitators", str(self.facilitators),
            "--offerings", str(self.offerings), "--students", str(self.students),
            "--weeks", "15", *period,
        ]  # fmt: skip


def dataset(base_url: str, scale: int, fraction: int, write_offerings: int) -> Dataset:
    """The issue's data set (200 facilitators, 2,000 offerings, 20,000 students) x scale /
    fraction, in its own database: the base URL's name, suffixed `_10x` and so on past 1x."""
    url = base_url if scale == 1 else renamed(base_url, f"_{scale}x")
    size = scale / fraction
    return Dataset(scale, url, int(200 * size), int(2000 * size), int(20000 * size),
                   write_offerings if scale == 1 else 0)  # fmt: skip


def renamed(url: str, suffix: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path + suffix))


def recreate_database(url: str) -> None:
    parts = urlsplit(url.replace("mysql+pymysql", "mysql"))
    name = parts.path.lstrip("/")
    with pymysql.connect(host=parts.hostname, port=parts.port or 3306, user=parts.username,
                         password=parts.password or "") as connection:  # fmt: skip
        cursor = connection.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")


def flask(env: dict, *arguments: str) -> str:
    result = subprocess.run([f"{env['BENCH_BIN']}/flask", *arguments], cwd=ROOT, env=env,
                            check=True, capture_output=True, text=True)  # fmt: skip
    return result.stdout


def seed(data: Dataset, env: dict) -> dict:
    """A fresh database holding the data set and a manager; returns the manager's password."""
    env = {**env, "DATABASE_URL": data.url}
    recreate_database(data.url)
    flask(env, "db", "upgrade")
    started = time.perf_counter()
    summary = flask(env, *data.bulk_arguments()).strip().splitlines()[-1]
    seconds = time.perf_counter() - started
    if data.write_offerings:
        flask(env, "seed", "bulk", "--facilitators", "1", "--students", "0", "--weeks", "0",
              "--offerings", str(data.write_offerings), "--year", str(YEAR),
              "--trimester", str(TRIMESTER + 1))  # fmt: skip
    password = summary.rsplit(" ", 1)[-1]
    flask(env, "users", "create", "--role", "manager", "--email", MANAGER_EMAIL,
          "--password", password)  # fmt: skip
    return {"database": urlsplit(data.url).path.lstrip("/"), "seconds": round(seconds, 1),
            "summary": summary.split(" Every")[0].rstrip("."), "password": password}  # fmt: skip


def app_for(data: Dataset):
    """The app as gunicorn builds it (production settings from the environment) on this
    database."""
    from app import create_app
    from app.config import ProductionConfig

    return create_app(
        type("BenchConfig", (ProductionConfig,), {"SQLALCHEMY_DATABASE_URI": data.url})
    )


def read_identity(app, token: str) -> None:
    """Have the app read the token's user once, as their first request does, and keep no answer
    any scenario asks for: no offering has the largest id, so the request is a 404."""
    from app.api.fields import MAX_ID

    headers = {"Authorization": f"Bearer {token}"}
    app.test_client().get(f"/api/v1/course-offerings/{MAX_ID}", headers=headers)


def first_offering_id(app) -> int:
    from sqlalchemy import select

    from app.courses.models import CourseOffering
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(
            select(CourseOffering.id)
            .where(CourseOffering.year == YEAR, CourseOffering.trimester == TRIMESTER)
            .order_by(CourseOffering.id)
        )


def offering_ids(app) -> list[int]:
    """The offerings of the measured trimester, in id order."""
    from sqlalchemy import select

    from app.courses.models import CourseOffering
    from app.extensions import db

    with app.app_context():
        return list(db.session.scalars(
            select(CourseOffering.id)
            .where(CourseOffering.year == YEAR, CourseOffering.trimester == TRIMESTER)
            .order_by(CourseOffering.id)
        ))  # fmt: skip


def student_tokens(app, count: int) -> list[str]:
    """Access tokens of `count` students, each signed in once (no password hashing needed)."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.auth.services import issue_tokens
    from app.extensions import db

    with app.app_context():
        students = db.session.scalars(select(User).where(User.role == "student").limit(count))
        return [issue_tokens(student)["access_token"] for student in students]


def offerings_in_trimester(app) -> int:
    from sqlalchemy import func, select

    from app.courses.models import CourseOffering
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(CourseOffering)
            .where(CourseOffering.year == YEAR, CourseOffering.trimester == TRIMESTER)
        )


def fresh_log_bodies(app) -> list[dict]:
    """A complete weekly log for every week of every offering of the write trimester, week by
    week across offerings (as a Friday evening's filings would come)."""
    from sqlalchemy import select

    from app.activity.models import CHECKLIST
    from app.courses.models import CourseOffering
    from app.extensions import db

    with app.app_context():
        offerings = db.session.scalars(
            select(CourseOffering)
            .where(CourseOffering.year == YEAR, CourseOffering.trimester == TRIMESTER + 1)
            .order_by(CourseOffering.id)
        ).all()
        weeks = {offering.id: offering.weeks for offering in offerings}
    return [
        {"allocation_id": offering_id, "week_number": week, "notes": f"Week {week}: on track.",
         **dict.fromkeys(CHECKLIST, "Done")}
        for week, offering_id in itertools.product(range(1, 16), weeks)
        if week <= weeks[offering_id]
    ]  # fmt: skip


def statements_per_request(app, method: str, path: str, token: str | None, bodies) -> dict:
    """SQL statements one request runs, counted in-process with the test client: a first call
    (`sql_first`: nothing cached yet) and a second (`sql`: what a steady stream of the same
    request costs)."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    counted = []
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = app.test_client()

    def count(*_arguments):
        counted[-1] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        statuses = []
        for body in itertools.islice(bodies, 2):
            counted.append(0)
            response = client.open(path, method=method, headers=headers, json=body)
            statuses.append(response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return {"sql_first": counted[0], "sql": counted[1], "sql_statuses": statuses}
