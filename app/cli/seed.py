"""`flask seed …`: demo data for trying the platform out, bulk data for benchmarks."""

import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, product
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import insert, select

from app.activity.deadlines import DeadlineRule
from app.activity.models import (
    ABSENT,
    CHECKLIST,
    EXCUSED,
    PRESENT,
    ActivityLog,
    AttendanceRecord,
)
from app.activity.services import INCOMPLETE, LATE, MISSING, ON_TIME
from app.auth import services as auth_services
from app.auth.models import FacilitatorProfile, Role, StudentProfile, UnavailablePeriod, User
from app.cli.units import command_unit
from app.core import clock
from app.courses.models import (
    INTAKES,
    NATURAL_KEY,
    STANDARD_MODES,
    Cohort,
    CourseClass,
    CourseOffering,
    DeliveryMode,
    Enrollment,
    Module,
    OfferingStatus,
)
from app.data.unit_of_work import after_commit
from app.extensions import db

seed_cli = AppGroup("seed", help="Fill the database with demo or benchmark data.")
BATCH = 1000

DEMO_ACCOUNTS = [
    (Role.MANAGER, "manager@demo.cmp.test", "Amina", "Uwase", "en"),
    (Role.FACILITATOR, "facilitator@demo.cmp.test", "Jean", "Habimana", "fr"),
    (Role.FACILITATOR, "facilitator2@demo.cmp.test", "Grace", "Mutesi", "en"),
    (Role.STUDENT, "student@demo.cmp.test", "Eric", "Nshuti", "en"),
    (Role.STUDENT, "etudiant@demo.cmp.test", "Claire", "Ingabire", "fr"),
]
DEMO_MODULES = [
    ("CS101", "Introduction to Programming", 15),
    ("CS205", "Databases", 15),
    ("SE310", "Software Engineering Project", 20),
]
DEMO_COHORTS = ["Cohort 2025", "Cohort 2026"]
DEMO_CLASSES = ["2025J", "2025M"]
# Classmates of the demo students (no sign-in: nobody knows their passwords), each with how
# they attend week after week: P present, A absent, E excused (repeated as weeks go by; the
# last two weeks that are due are taken from the end of `latest`).
DEMO_CLASSMATES = [
    ("Alice", "Mukamana", "PPPPPPPPPEPP", ""),
    ("Patrick", "Niyonzima", "PPPPPPPPPPPP", "AA"),  # absent twice in a row: at risk
    ("Diane", "Uwimana", "PAPAAPPAPAPA", ""),  # about half the weeks: at risk
    ("Olivier", "Gasana", "PPPAPPPPPPPP", ""),
    ("Sandrine", "Iradukunda", "PPPPPPPPPPPP", ""),
    ("Yves", "Mugabo", "PPEPPPPPAPPP", ""),
]
DEMO_PATTERN = ("PPPPPPPPPPPP", "")  # the demo students attend
STATUS_LETTERS = {"P": PRESENT, "A": ABSENT, "E": EXCUSED}
# In the current trimester: module, class, cohort, mode, intake, facilitator (index in
# DEMO_ACCOUNTS or None), whether the demo students (and their classmates) are enrolled, status.
DEMO_OFFERINGS = [
    ("CS101", "2025J", "Cohort 2025", "online", "HT1", 1, True, OfferingStatus.ACTIVE),
    ("CS205", "2025J", "Cohort 2025", "hybrid", "HT1", 1, True, OfferingStatus.ACTIVE),
    ("SE310", "2025M", "Cohort 2026", "in_person", "FT", 2, False, OfferingStatus.ACTIVE),
    ("CS101", "2025M", "Cohort 2026", "online", "HT2", None, False, OfferingStatus.ACTIVE),
    ("SE310", "2025J", "Cohort 2025", "online", "HT1", 1, False, OfferingStatus.PLANNED),
    ("CS205", "2025M", "Cohort 2026", "online", "HT2", 2, False, OfferingStatus.CANCELLED),
]
# The workload report's demo: Jean carries three offerings of the default four (one planned),
# Grace one of her own maximum of one (her cancelled one does not count), and Grace cannot
# teach in the trimester's last two weeks.
DEMO_MAXIMA = {"facilitator2@demo.cmp.test": 1}
DEMO_UNAVAILABLE = {"facilitator2@demo.cmp.test": "Conference abroad"}
# How each staffed demo offering's weekly logs were filed, the latest due week first; older
# weeks were filed on time. Counted back from the clock, the first dashboard shows the same
# realistic mix whatever the day the demo is seeded, and the demo facilitator's page every
# state a week can be in: incomplete, filed late, filed, overdue (a log still missing), locked
# (filed, and read-only since LOG_LOCK_DAYS), due soon or not yet due (the weeks to come).
DEMO_LOG_HABITS = {
    ("CS101", "2025J"): (INCOMPLETE, LATE, ON_TIME, ON_TIME),
    ("CS205", "2025J"): (MISSING, ON_TIME, MISSING, LATE),
    ("SE310", "2025M"): (ON_TIME, INCOMPLETE, ON_TIME, ON_TIME, MISSING),
}


@seed_cli.command("demo")
@command_unit
def seed_demo():
    """Create demo accounts, catalogue, offerings, enrolments and the weekly logs due so far
    (idempotent); print passwords."""
    created = [line for line in (seed_account(*account) for account in DEMO_ACCOUNTS) if line]
    seed_demo_courses()
    credentials = Path(current_app.instance_path) / "demo-accounts.txt"
    # Only once the accounts exist for sure is a password worth writing down or printing.
    after_commit(lambda: remember_credentials(credentials, created))
    after_commit(lambda: print_credentials(credentials, new=len(created)))


def seed_account(role, email, first_name, last_name, language) -> tuple[str, str] | None:
    if auth_services.find_user_by_email(email):
        return None
    password = secrets.token_urlsafe(9)
    auth_services.create_user(
        role=role,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        preferred_language=language,
    )
    return email, f"{role.value:<12} {email:<30} {password}"


def remember_credentials(path: Path, created: list[tuple[str, str]]) -> None:
    """Passwords are generated, never built in; this file (git-ignored) keeps them for you.

    One line per email: an account created again (say, after the database was reset) replaces
    its old line.
    """
    if not created:
        return
    known = path.read_text().splitlines() if path.exists() else []
    lines = {line.split()[1]: line for line in known if len(line.split()) == 3}
    lines.update(created)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines.values()) + "\n")
    path.chmod(0o600)


def print_credentials(path: Path, new: int) -> None:
    """The recorded demo passwords that still open their account (one changed since is left
    out, with a word saying so)."""
    click.echo(f"Demo accounts (created now: {new}; kept in {path}):")
    lines = path.read_text().splitlines() if path.exists() else []
    for line in lines:
        _role, email, password = line.split()
        user = auth_services.find_user_by_email(email)
        if user and auth_services.password_matches(user.password_hash, password):
            click.echo(line)
        else:
            click.echo(f"{line.rsplit(maxsplit=1)[0]} (password changed since it was generated)")
    if not lines:
        click.echo("(none recorded)")


def get_or_create(model, defaults: dict | None = None, **key):
    """The row with this key, created with `defaults` if missing: seeding stays idempotent."""
    entry = db.session.scalar(select(model).filter_by(**key))
    if entry is None:
        entry = model(**key, **(defaults or {}))
        db.session.add(entry)
        db.session.flush()
    return entry


def seed_demo_courses() -> None:
    modules = {
        code: get_or_create(Module, code=code, defaults={"name": name, "credits": credits})
        for code, name, credits in DEMO_MODULES
    }
    cohorts = {name: get_or_create(Cohort, name=name) for name in DEMO_COHORTS}
    classes = {name: get_or_create(CourseClass, name=name) for name in DEMO_CLASSES}
    modes = {
        code: get_or_create(DeliveryMode, code=code, defaults={"name": code.replace("_", " ")})
        for code in STANDARD_MODES
    }
    people = [auth_services.find_user_by_email(email) for _, email, *_ in DEMO_ACCOUNTS]
    classmates = seed_demo_classmates()
    year, trimester = current_trimester()
    for module, klass, cohort, mode, intake, facilitator, with_students, status in DEMO_OFFERINGS:
        offering = get_or_create(
            CourseOffering,
            module_id=modules[module].id,
            class_id=classes[klass].id,
            cohort_id=cohorts[cohort].id,
            mode_id=modes[mode].id,
            trimester=trimester,
            year=year,
            intake=intake,
            defaults={
                **trimester_dates(year, trimester),
                "facilitator_id": people[facilitator].id if facilitator is not None else None,
                "max_students": 40,
                "status": status,
            },
        )
        students = people[3:] + classmates if with_students else []
        enrol_demo_class(offering, students)
        if status == OfferingStatus.ACTIVE:
            seed_demo_logs(offering, DEMO_LOG_HABITS.get((module, klass), ()), students)
    seed_demo_availability(trimester_dates(year, trimester)["end_date"])


def seed_demo_availability(last_day: date) -> None:
    """The facilitators' maxima and unavailable periods the workload report shows."""
    for email, maximum in DEMO_MAXIMA.items():
        auth_services.find_user_by_email(
            email
        ).facilitator_profile.max_offerings_per_trimester = maximum
    for email, reason in DEMO_UNAVAILABLE.items():
        get_or_create(
            UnavailablePeriod, user_id=auth_services.find_user_by_email(email).id,
            starts_on=last_day - timedelta(days=13), ends_on=last_day,
            defaults={"reason": reason},
        )  # fmt: skip


def seed_demo_classmates() -> list[User]:
    classmates = []
    for n, (first_name, last_name, *_pattern) in enumerate(DEMO_CLASSMATES, start=1):
        email = f"classmate{n}@demo.cmp.test"
        classmates.append(
            auth_services.find_user_by_email(email)
            or auth_services.create_user(
                role=Role.STUDENT, email=email, first_name=first_name, last_name=last_name
            )
        )
    return classmates


def enrol_demo_class(offering: CourseOffering, students: list[User]) -> None:
    """Enrol the students from a week before the offering began."""
    begins = datetime.combine(offering.start_date, time(), tzinfo=UTC) - timedelta(days=7)
    for student in students:
        get_or_create(
            Enrollment, offering_id=offering.id, student_id=student.id,
            defaults={"enrolled_at": begins},
        )  # fmt: skip


def seed_demo_logs(offering: CourseOffering, habit: tuple[str, ...], students: list) -> None:
    """The offering's weekly logs due by now, filed as `habit` says (see DEMO_LOG_HABITS), with
    the class's attendance (DEMO_CLASSMATES: the lists of students at risk have someone in
    them)."""
    if offering.facilitator_id is None:
        return
    rule = DeadlineRule.from_config()
    patterns = [DEMO_PATTERN] * (len(students) - len(DEMO_CLASSMATES)) + [
        (pattern, latest) for *_name, pattern, latest in DEMO_CLASSMATES
    ]
    due_weeks = rule.weeks_due(offering.start_date, offering.weeks, clock.now())
    for week in range(1, due_weeks + 1):
        weeks_ago = due_weeks - week
        outcome = habit[weeks_ago] if weeks_ago < len(habit) else ON_TIME
        if outcome == MISSING:
            continue
        due = rule.due_at(offering.start_date, week)
        # The habits put a late log a week or more back: a day late is already in the past.
        submitted = due + timedelta(days=1) if outcome == LATE else due - timedelta(hours=20)
        unfinished = {"summative_grading": "Pending", "grade_book_status": "Not Started"}
        statuses = dict.fromkeys(CHECKLIST, "Done") | (unfinished if outcome == INCOMPLETE else {})
        attendance = [
            AttendanceRecord(student_id=student.id, status=demo_status(*pattern, week, due_weeks))
            for student, pattern in zip(students, patterns, strict=bool(students))
        ]
        get_or_create(
            ActivityLog,
            offering_id=offering.id,
            week_number=week,
            defaults={"due_at": due, "submitted_at": submitted, "updated_at": submitted,
                      "submitted_by_id": offering.facilitator_id, "attendance": attendance,
                      **statuses},
        )  # fmt: skip


def demo_status(letters: str, latest: str, week: int, due_weeks: int) -> str:
    """The status a pattern gives a week: its `latest` letters for the last weeks due."""
    from_end = due_weeks - week
    if from_end < len(latest):
        return STATUS_LETTERS[latest[len(latest) - 1 - from_end]]
    return STATUS_LETTERS[letters[(week - 1) % len(letters)]]


def trimester_dates(year: int, trimester: int, weeks: int = 13) -> dict:
    """Trimesters start on the first Monday of January, May and September; teaching ends on
    the Friday of the last week."""
    first = date(year, 1 + 4 * (trimester - 1), 1)
    start = first + timedelta(days=(7 - first.weekday()) % 7)
    return {"start_date": start, "end_date": start + timedelta(weeks=weeks, days=-3)}


def current_trimester() -> tuple[int, int]:
    today = clock.now().date()
    return today.year, (today.month - 1) // 4 + 1


# --- bulk ------------------------------------------------------------------------------------


@seed_cli.command("bulk")
@command_unit
@click.option("--facilitators", default=200, show_default=True, type=click.IntRange(1))
@click.option("--offerings", default=2000, show_default=True, type=click.IntRange(0, 40000))
@click.option("--students", default=20000, show_default=True, type=click.IntRange(0))
@click.option("--enrolments-per-student", default=3, show_default=True, type=click.IntRange(0))
@click.option(
    "--weeks",
    default=0,
    show_default=True,
    type=click.IntRange(0, 15),
    help="Also file activity logs for up to this many (due) weeks of each offering.",
)
@click.option("--year", type=click.IntRange(2000, 2100), help="Put every offering in this year.")
@click.option("--trimester", type=click.IntRange(1, 3), help="…and in this trimester.")
@click.option("--seed", "random_seed", default=7, show_default=True, help="Random seed.")
def seed_bulk(
    facilitators, offerings, students, enrolments_per_student, weeks, year, trimester, random_seed
):
    """Add a large data set for benchmarks: people, 15-week offerings (spread over 2025-2026
    unless --year/--trimester pin them), enrolments and activity logs, in batches.

    Every run adds new people (their emails carry a run tag) sharing one printed password.
    """
    rng = random.Random(random_seed)
    run = secrets.token_hex(3)
    password = secrets.token_urlsafe(9)
    password_hash = auth_services.hash_password(password)
    facilitator_ids = insert_people(Role.FACILITATOR, facilitators, run, password_hash)
    student_ids = insert_people(Role.STUDENT, students, run, password_hash)
    years = [year] if year else [2025, 2026]
    periods = list(product(years, [trimester] if trimester else [1, 2, 3]))
    offering_rows = insert_offerings(offerings, facilitator_ids, periods, rng)
    enrolments = insert_enrolments(offering_rows, student_ids, enrolments_per_student, rng)
    logs = insert_logs(offering_rows, weeks, rng)
    insert_attendance(offering_rows, enrolments, weeks, rng)
    click.echo(
        f"Added {len(facilitator_ids)} facilitators, {len(student_ids)} students, "
        f"{len(offering_rows)} offerings, {len(enrolments)} enrolments, {logs} activity logs "
        f"(run {run}). Every new account's password: {password}"
    )


def batches(rows, size: int = BATCH):
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(model, rows: list[dict], label: str) -> None:
    with click.progressbar(list(batches(rows)), label=label) as progress:
        for batch in progress:
            db.session.execute(insert(model), batch)


def insert_people(role: Role, count: int, run: str, password_hash: str) -> list[int]:
    domain = f"{run}.bulk.cmp.test"
    now = clock.now()
    people = (
        {"email": f"{role.value}{n}@{domain}", "password_hash": password_hash,
         "first_name": f"{role.value.capitalize()}{n}", "last_name": f"Bulk {run}",
         "role": role.value, "is_active": True, "preferred_language": "fr" if n % 3 == 0 else "en",
         "session_version": 1, "created_at": now, "updated_at": now}
        for n in range(1, count + 1)
    )  # fmt: skip
    insert_rows(User, list(people), f"{role.value}s")
    ids = db.session.scalars(
        select(User.id).where(User.email.like(f"%@{domain}"), User.role == role.value)
    ).all()
    prefix = "F" if role == Role.FACILITATOR else "S"
    if role == Role.FACILITATOR:
        profiles = [{"user_id": i, "employee_id": f"{prefix}-{run}-{i}"} for i in ids]
        insert_rows(FacilitatorProfile, profiles, "facilitator profiles")
    else:
        profiles = [{"user_id": i, "student_number": f"{prefix}-{run}-{i}"} for i in ids]
        insert_rows(StudentProfile, profiles, "student profiles")
    return ids


def bulk_catalogue() -> tuple[list[int], list[int], list[int], list[int]]:
    """Forty modules, five classes and four cohorts: room for 43,200 distinct offerings."""
    modules = [
        get_or_create(
            Module, code=f"BK{n:03d}", defaults={"name": f"Benchmark module {n}", "credits": 10}
        )
        for n in range(1, 41)
    ]
    classes = [get_or_create(CourseClass, name=f"BK{2020 + n}J") for n in range(5)]
    cohorts = [get_or_create(Cohort, name=f"Benchmark cohort {n}") for n in range(1, 5)]
    modes = db.session.scalars(select(DeliveryMode.id).order_by(DeliveryMode.id)).all()[:3]
    return [m.id for m in modules], [c.id for c in classes], [c.id for c in cohorts], modes


def insert_offerings(count: int, facilitator_ids: list[int], periods, rng) -> list[dict]:
    """Offerings on natural keys not used yet, ~5% unassigned; returned with their ids."""
    modules, classes, cohorts, modes = bulk_catalogue()
    key_columns = [getattr(CourseOffering, field) for field in NATURAL_KEY]
    taken = {tuple(row) for row in db.session.execute(select(*key_columns))}
    keys = [
        (module, klass, cohort, mode, trimester, year, intake)
        for module, klass, cohort, mode, (year, trimester), intake in product(
            modules, classes, cohorts, modes, periods, INTAKES
        )
        if (module, klass, cohort, mode, trimester, year, intake) not in taken
    ]
    rng.shuffle(keys)
    now = clock.now()
    rows = [
        {**dict(zip(NATURAL_KEY, key, strict=True)), **trimester_dates(key[5], key[4], weeks=15),
         "facilitator_id": rng.choice(facilitator_ids) if rng.random() > 0.05 else None,
         "max_students": rng.randint(30, 60), "is_active": True,
         "created_at": now, "updated_at": now}
        for key in keys[:count]
    ]  # fmt: skip
    insert_rows(CourseOffering, rows, "offerings")
    ids = {
        tuple(key): id_ for id_, *key in db.session.execute(select(CourseOffering.id, *key_columns))
    }
    return [{**row, "id": ids[tuple(row[field] for field in NATURAL_KEY)]} for row in rows]


def insert_enrolments(
    offerings: list[dict], student_ids: list[int], per_student: int, rng
) -> list[dict]:
    """Each student into up to `per_student` offerings that still have room, a week or two
    before it starts (so every week's roster has them)."""
    room = {offering["id"]: offering["max_students"] for offering in offerings}
    starts = {offering["id"]: offering["start_date"] for offering in offerings}
    open_ids = list(room)
    rows = []
    for student_id in student_ids:
        for offering_id in rng.sample(open_ids, min(per_student, len(open_ids))):
            since = datetime.combine(starts[offering_id], time(), tzinfo=UTC)
            rows.append({"offering_id": offering_id, "student_id": student_id,
                         "enrolled_at": since - timedelta(days=rng.randint(7, 14))})  # fmt: skip
            room[offering_id] -= 1
            if room[offering_id] == 0:
                open_ids.remove(offering_id)
    insert_rows(Enrollment, rows, "enrolments")
    return rows


def insert_logs(offerings: list[dict], weeks: int, rng) -> int:
    """Logs for the first `weeks` due weeks of each allocated offering: about 75% complete and
    on time, 10% complete but late, 10% incomplete, 5% never filed."""
    rule, now = DeadlineRule.from_config(), clock.now()
    rows = []
    for offering in offerings:
        if offering["facilitator_id"] is None:
            continue
        for week in range(1, weeks + 1):
            due = rule.due_at(offering["start_date"], week)
            roll = rng.random()
            if due > now or roll < 0.05:
                continue
            late = 0.15 <= roll < 0.25
            hours = rng.uniform(1, 96) * (1 if late else -1)
            submitted = min(due + timedelta(hours=hours), now)
            statuses = [
                "Done" if roll >= 0.15 else rng.choice(["Done", "Pending", "Not Started"])
                for _ in CHECKLIST
            ]
            if roll < 0.15 and all(status == "Done" for status in statuses):
                statuses[-1] = "Pending"
            rows.append(
                {"offering_id": offering["id"], "week_number": week, "due_at": due,
                 "submitted_at": submitted, "updated_at": submitted,
                 "submitted_by_id": offering["facilitator_id"], "filed_on_behalf": False,
                 **dict(zip(CHECKLIST, statuses, strict=True))}
            )  # fmt: skip
    insert_rows(ActivityLog, rows, "activity logs")
    return len(rows)


def insert_attendance(offerings: list[dict], enrolments: list[dict], weeks: int, rng) -> None:
    """Every enrolled student's attendance in each filed log. Most attend about nine weeks in
    ten; one in ten attends about half the time and one in twenty rarely (at risk); a few
    absences are excused."""
    if not weeks:
        return
    ids = {offering["id"] for offering in offerings}
    logs = db.session.execute(
        select(ActivityLog.id, ActivityLog.offering_id).where(ActivityLog.offering_id.in_(ids))
    ).all()
    students: dict[int, list[int]] = {}
    for enrolment in enrolments:
        students.setdefault(enrolment["offering_id"], []).append(enrolment["student_id"])
    likelihood = {
        student: rng.choice([0.92] * 17 + [0.55] * 2 + [0.2])
        for student in {enrolment["student_id"] for enrolment in enrolments}
    }
    rows = (
        {"log_id": log_id, "student_id": student, "status": bulk_status(likelihood[student], rng)}
        for log_id, offering_id in logs
        for student in students.get(offering_id, [])
    )
    insert_rows(AttendanceRecord, list(rows), "attendance")


def bulk_status(likelihood: float, rng) -> str:
    if rng.random() < likelihood:
        return PRESENT
    return EXCUSED if rng.random() < 0.15 else ABSENT
