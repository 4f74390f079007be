"""The producer side of reminders: a sweep finds what is due, records it, queues its delivery.

A sweep takes `now` (the cron passes the clock, `flask reminders sweep --at` any instant). It
finds due work with set-based SQL: the weekly deadlines falling in a window are worked out once
per distinct offering calendar (start date) with the one deadline rule, then joined to the
offerings, their facilitators, their logs and the recipients' preferences in one statement. The
rows it finds are upserted on the unique dedupe key: a live row is left alone, so repeating a
sweep, or running two at once, adds nothing; a cancelled one is revived, so a message that
became true again (offering reassigned back, log deleted, account reactivated) goes out.
Delivery is queued after the commit, in batches, for every pending e-mail no live worker
holds — also rows an earlier sweep could not queue (Redis down).
"""

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    and_,
    case,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from app.activity.deadlines import DeadlineRule
from app.activity.models import ActivityLog
from app.auth.models import Role, User
from app.clock import now as clock_now
from app.config import retry_delays
from app.courses.models import CourseOffering, Enrollment
from app.courses.services import unstaffed
from app.extensions import db, redis_store
from app.notifications.models import (
    Channel,
    EmailPreference,
    Kind,
    Notification,
    NotificationPreference,
    Status,
)
from app.reflections.models import Reflection
from app.unit_of_work import after_commit

log = logging.getLogger(__name__)

QUEUE = "notifications"
# Every queue a worker listens to: deliveries, and the periodic sweeps (workers/cron.py).
QUEUES = (QUEUE, "default")
DELIVER = "workers.jobs.deliver"
LAST_SWEEP_KEY = "reminders:last-sweep"
# An offering lasts at most a year (see courses.services.check_calendar).
MAX_WEEKS = 53
# SQLite refuses compound SELECTs of more than 500 terms.
CELLS_PER_STATEMENT = 400
TABLE = Notification.__table__
LOG_COMPLETE = ActivityLog.is_complete
DEFAULT_EMAIL = {
    Kind.DUE_SOON: EmailPreference.IMMEDIATE,
    Kind.OVERDUE: EmailPreference.IMMEDIATE,
    Kind.UNSTAFFED: EmailPreference.DAILY_DIGEST,
    Kind.DIGEST: EmailPreference.DAILY_DIGEST,
    Kind.REFLECTION_DUE: EmailPreference.IMMEDIATE,
}
UNSTAFFED_PREFERENCE = aliased(NotificationPreference)
CHANNEL_FOR = {
    EmailPreference.IMMEDIATE: Channel.EMAIL,
    EmailPreference.DAILY_DIGEST: Channel.DIGEST,
    EmailPreference.OFF: Channel.IN_APP,
}


@dataclass(frozen=True)
class Windows:
    """When each kind of message is due, relative to a deadline or to a day."""

    due_soon: timedelta
    overdue: timedelta
    lookback: timedelta
    unstaffed: timedelta
    digest_hour: int

    @classmethod
    def from_config(cls) -> "Windows":
        config = current_app.config
        return cls(
            due_soon=timedelta(hours=config["REMINDER_DUE_SOON_HOURS"]),
            overdue=timedelta(hours=config["REMINDER_OVERDUE_HOURS"]),
            lookback=timedelta(hours=config["REMINDER_LOOKBACK_HOURS"]),
            unstaffed=timedelta(days=config["REMINDER_UNSTAFFED_DAYS"]),
            digest_hour=config["REMINDER_DIGEST_HOUR"],
        )


@dataclass
class SweepResult:
    found: dict[str, int] = field(default_factory=dict)  # kind → rows due
    inserted: int = 0
    batches: list[list[int]] = field(default_factory=list)
    # Filled after the commit: job ids queued, and whether the queue could be reached.
    queued_jobs: list[str] = field(default_factory=list)
    queue_error: str | None = None


# --- the sweep -------------------------------------------------------------------------------


def sweep(now: datetime, dry_run: bool = False) -> SweepResult:
    """Record every reminder, alert and digest due at `now`; queue delivery after commit.

    With `dry_run` nothing is written or queued: `found` says what would be.
    """
    rule, windows = DeadlineRule.from_config(), Windows.from_config()
    rows = [
        *due_soon_rows(rule, windows, now),
        *overdue_rows(rule, windows, now),
        *unstaffed_rows(rule, windows, now),
        *reflection_rows(rule, windows, now),
    ]
    rows += digest_rows(rule, windows, now, pending_digest_recipients(rows))
    result = SweepResult(found=dict(Counter(row["kind"] for row in rows)))
    if dry_run:
        return result
    result.inserted = insert_new(rows)
    result.batches = queue_pending(result)
    after_commit(lambda: remember_sweep(now))
    return result


def due_soon_rows(rule: DeadlineRule, windows: Windows, now: datetime) -> list[dict]:
    """Weeks due within the window from now, with no log filed yet."""
    return facilitator_rows(
        Kind.DUE_SOON, rule, now, now + windows.due_soon, ActivityLog.id.is_(None)
    )


def overdue_rows(rule: DeadlineRule, windows: Windows, now: datetime) -> list[dict]:
    """Weeks past due by the overdue window, whose log is missing or incomplete."""
    latest = now - windows.overdue
    return facilitator_rows(
        Kind.OVERDUE,
        rule,
        latest - windows.lookback,
        latest,
        or_(ActivityLog.id.is_(None), ~LOG_COMPLETE),
    )


def facilitator_rows(kind, rule, start, end, log_condition) -> list[dict]:
    rows = []
    for cells in deadline_cells(rule, start, end):
        statement = (
            select(
                CourseOffering.id,
                CourseOffering.start_date,
                CourseOffering.facilitator_id,
                User.preferred_language,
                cells.c.week_number,
                NotificationPreference.email,
            )
            .select_from(CourseOffering)
            .join(cells, week_of_offering(cells))
            .join(User, User.id == CourseOffering.facilitator_id)
            .outerjoin(
                ActivityLog,
                and_(
                    ActivityLog.offering_id == CourseOffering.id,
                    ActivityLog.week_number == cells.c.week_number,
                ),
            )
            .outerjoin(*preference_join(kind, User.id))
            .where(CourseOffering.is_active.is_(True), User.is_active.is_(True), log_condition)
        )
        rows += [
            notification_row(
                kind,
                recipient_id=found.facilitator_id,
                language=found.preferred_language,
                offering_id=found.id,
                week_number=found.week_number,
                deadline=rule.due_at(found.start_date, found.week_number),
                preference=found.email,
            )
            for found in db.session.execute(statement)
        ]
    return rows


def unstaffed_rows(rule: DeadlineRule, windows: Windows, now: datetime) -> list[dict]:
    """One alert per manager who wants them immediately, per offering starting soon unstaffed
    (the others read about it in their digest)."""
    statement = (
        select(CourseOffering.id, CourseOffering.start_date, User.id.label("manager_id"),
               User.preferred_language, NotificationPreference.email)
        .select_from(CourseOffering)
        .join(User, and_(User.role == Role.MANAGER, User.is_active.is_(True)))
        .outerjoin(*preference_join(Kind.UNSTAFFED, User.id))
        .where(*unstaffed_conditions(rule, windows, now))
    )  # fmt: skip
    return [
        notification_row(
            Kind.UNSTAFFED,
            recipient_id=found.manager_id,
            language=found.preferred_language,
            offering_id=found.id,
            week_number=0,
            deadline=starts_at(rule, found.start_date),
            preference=found.email,
        )
        for found in db.session.execute(statement)
        if found.email == EmailPreference.IMMEDIATE
    ]


def unstaffed_conditions(rule: DeadlineRule, windows: Windows, now: datetime) -> list:
    today = now.astimezone(rule.zone).date()
    return [
        CourseOffering.is_active.is_(True),
        unstaffed(),
        CourseOffering.start_date >= today,
        CourseOffering.start_date <= (now + windows.unstaffed).astimezone(rule.zone).date(),
    ]


def starts_at(rule: DeadlineRule, day: date) -> datetime:
    return datetime.combine(day, rule.local_time, tzinfo=rule.zone).astimezone(UTC)


def ends_at(rule: DeadlineRule, last_day: date) -> datetime:
    """An offering has ended at local midnight after its last day."""
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=rule.zone).astimezone(UTC)


def reflection_rows(rule: DeadlineRule, windows: Windows, now: datetime) -> list[dict]:
    """One reminder per active student enrolled in an active offering that ended within the
    look-back window, who has not reflected on it yet."""
    last_days = last_days_ended_between(rule, now - windows.lookback, now)
    statement = (
        select(CourseOffering.id, CourseOffering.end_date, User.id.label("student_id"),
               User.preferred_language, NotificationPreference.email)
        .select_from(Enrollment)
        .join(CourseOffering, CourseOffering.id == Enrollment.offering_id)
        .join(User, User.id == Enrollment.student_id)
        .outerjoin(Reflection, and_(Reflection.offering_id == Enrollment.offering_id,
                                    Reflection.student_id == Enrollment.student_id))
        .outerjoin(*preference_join(Kind.REFLECTION_DUE, User.id))
        .where(CourseOffering.is_active.is_(True), CourseOffering.end_date.in_(last_days),
               User.role == Role.STUDENT, User.is_active.is_(True), Reflection.id.is_(None))
    )  # fmt: skip
    return [
        notification_row(
            Kind.REFLECTION_DUE,
            recipient_id=found.student_id,
            language=found.preferred_language,
            offering_id=found.id,
            week_number=0,
            deadline=ends_at(rule, found.end_date),
            preference=found.email,
        )
        for found in db.session.execute(statement)
    ]


def last_days_ended_between(rule: DeadlineRule, start: datetime, end: datetime) -> list[date]:
    """The last days of offerings that ended in (start, end]."""
    day = start.astimezone(rule.zone).date() - timedelta(days=1)
    found = []
    while day <= end.astimezone(rule.zone).date():
        if start < ends_at(rule, day) <= end:
            found.append(day)
        day += timedelta(days=1)
    return found


def digest_rows(rule, windows, now: datetime, waiting: set[int]) -> list[dict]:
    """One digest per recipient per day, from the configured local hour on: managers who have
    something overdue (or unstaffed, unless they hear of it at once) to read about, and anyone
    with reminders waiting for their digest."""
    digest_at = digest_time(rule, windows, now)
    if digest_at is None:
        return []
    overdue = bool(overdue_weeks(rule, windows, now))
    unstaffed = bool(unstaffed_offering_ids(rule, windows, now))
    statement = (
        select(User.id, User.role, User.preferred_language,
               NotificationPreference.email.label("email"),
               UNSTAFFED_PREFERENCE.email.label("unstaffed_email"))
        .select_from(User)
        .outerjoin(*preference_join(Kind.DIGEST, User.id))
        .outerjoin(UNSTAFFED_PREFERENCE, and_(UNSTAFFED_PREFERENCE.user_id == User.id,
                                              UNSTAFFED_PREFERENCE.kind == Kind.UNSTAFFED))
        .where(User.is_active.is_(True), or_(User.role == Role.MANAGER, User.id.in_(waiting)))
    )  # fmt: skip
    rows = []
    for found in db.session.execute(statement):
        wants_unstaffed = (found.unstaffed_email or DEFAULT_EMAIL[Kind.UNSTAFFED]) == (
            EmailPreference.DAILY_DIGEST
        )
        manager_news = found.role == Role.MANAGER and (overdue or (unstaffed and wants_unstaffed))
        if not (manager_news or found.id in waiting):
            continue
        # A digest is one e-mail whatever the preference says, unless that is off.
        off = found.email == EmailPreference.OFF
        rows.append(
            notification_row(
                Kind.DIGEST,
                recipient_id=found.id,
                language=found.preferred_language,
                offering_id=None,
                week_number=0,
                deadline=digest_at,
                preference=EmailPreference.OFF if off else EmailPreference.IMMEDIATE,
            )
        )
    return rows


def digest_time(rule: DeadlineRule, windows: Windows, now: datetime) -> datetime | None:
    """Today's digest instant, once the local digest hour has come; None before it."""
    local = now.astimezone(rule.zone)
    if local.hour < windows.digest_hour:
        return None
    return datetime.combine(local.date(), time(windows.digest_hour), tzinfo=rule.zone).astimezone(
        UTC
    )


def pending_digest_recipients(new_rows: list[dict]) -> set[int]:
    """Who has reminders waiting for their digest: found now, or still pending from before."""
    waiting = {row["recipient_id"] for row in new_rows if row["channel"] == Channel.DIGEST}
    waiting |= set(
        db.session.scalars(
            select(Notification.recipient_id)
            .distinct()
            .where(Notification.status == Status.PENDING, Notification.channel == Channel.DIGEST)
        )
    )
    return waiting


def overdue_weeks(rule: DeadlineRule, windows: Windows, now: datetime) -> list:
    """Every week past due by the overdue window, and not yet locked, whose log is missing or
    incomplete: (offering_id, start_date, facilitator_id, week_number, log_id)."""
    latest = now - windows.overdue
    found = []
    for cells in deadline_cells(rule, now - rule.lock_after, latest):
        statement = (
            select(CourseOffering.id.label("offering_id"), CourseOffering.start_date,
                   CourseOffering.facilitator_id, cells.c.week_number,
                   ActivityLog.id.label("log_id"))
            .select_from(CourseOffering)
            .join(cells, week_of_offering(cells))
            .outerjoin(ActivityLog, and_(ActivityLog.offering_id == CourseOffering.id,
                                         ActivityLog.week_number == cells.c.week_number))
            .where(CourseOffering.is_active.is_(True),
                   or_(ActivityLog.id.is_(None), ~LOG_COMPLETE))
        )  # fmt: skip
        found += db.session.execute(statement).all()
    return found


def unstaffed_offering_ids(rule: DeadlineRule, windows: Windows, now: datetime) -> list[int]:
    return db.session.scalars(
        select(CourseOffering.id)
        .where(*unstaffed_conditions(rule, windows, now))
        .order_by(CourseOffering.start_date, CourseOffering.id)
    ).all()


# --- deadlines in a window, as a derived table -----------------------------------------------


def deadline_cells(rule: DeadlineRule, start: datetime, end: datetime):
    """(start_date, week_number, first_day) for every week, of every calendar active offerings
    use, whose deadline falls in [start, end) — or [start, end] — as derived tables to join on
    (one per CELLS_PER_STATEMENT weeks; usually one)."""
    earliest = start.astimezone(rule.zone).date() - timedelta(weeks=MAX_WEEKS, days=1)
    calendars = db.session.scalars(
        select(CourseOffering.start_date)
        .distinct()
        .where(
            CourseOffering.is_active.is_(True),
            CourseOffering.start_date.between(earliest, end.astimezone(rule.zone).date()),
        )
    ).all()
    cells = [
        (first, week) for first in calendars for week in weeks_due_between(rule, first, start, end)
    ]
    for chunk in chunked(cells, CELLS_PER_STATEMENT):
        yield union_all(
            *(
                select(
                    literal(first, Date).label("start_date"),
                    literal(week, Integer).label("week_number"),
                    literal(first + timedelta(weeks=week - 1), Date).label("first_day"),
                )
                for first, week in chunk
            )
        ).subquery("cells")


def weeks_due_between(rule, first: date, start, end) -> Iterable[int]:
    for week in range(1, MAX_WEEKS + 1):
        due = rule.due_at(first, week)
        if due > end:
            return
        if due > start:
            yield week


def week_of_offering(cells):
    """The cell is one of the offering's teaching weeks: same calendar, and the week starts
    before the offering ends."""
    return and_(
        cells.c.start_date == CourseOffering.start_date,
        cells.c.first_day <= CourseOffering.end_date,
    )


# --- rows and preferences --------------------------------------------------------------------


def preference_join(kind: Kind, user_id) -> tuple:
    return (
        NotificationPreference,
        and_(NotificationPreference.user_id == user_id, NotificationPreference.kind == kind),
    )


def email_preference(user_id: int, kind: Kind) -> str:
    """How this person wants this kind by e-mail: what they saved, else the default."""
    saved = db.session.scalar(
        select(NotificationPreference.email).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    return saved or DEFAULT_EMAIL[kind]


def notification_row(kind: Kind, *, preference: str | None, **values) -> dict:
    channel = CHANNEL_FOR[EmailPreference(preference or DEFAULT_EMAIL[kind])]
    in_app_only = channel == Channel.IN_APP
    row = {
        "kind": kind.value,
        "channel": channel.value,
        "status": (Status.SENT if in_app_only else Status.PENDING).value,
        "sent_at": clock_now() if in_app_only else None,
        **values,
    }
    row["dedupe_key"] = dedupe_key(row)
    return row


def dedupe_key(row: dict) -> str:
    """(recipient, kind, offering, week, deadline) as one string: see Notification."""
    deadline = row["deadline"].astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    offering = row["offering_id"] if row["offering_id"] is not None else "-"
    return f"{row['kind']}:{row['recipient_id']}:{offering}:{row['week_number']}:{deadline}"


def insert_new(rows: list[dict]) -> int:
    """Insert the rows whose dedupe key is new, and revive those whose earlier row was
    cancelled (the offering came back to this facilitator, the log was deleted, the account or
    offering reactivated); live rows are left alone. Returns how many were added or revived
    (counted beforehand: two sweeps at the same moment may both count a row; neither doubles
    it)."""
    if not rows:
        return 0
    # In key order, so two sweeps inserting the same rows lock them in the same order and
    # cannot deadlock each other.
    rows = sorted(rows, key=lambda row: row["dedupe_key"])
    added = len(rows) - len(live_keys([row["dedupe_key"] for row in rows]))
    db.session.execute(upsert_reviving_cancelled(db.session.get_bind().dialect.name), rows)
    return added


def live_keys(keys: list[str]) -> set[str]:
    found = set()
    for chunk in chunked(keys, CELLS_PER_STATEMENT):
        found.update(
            db.session.scalars(
                select(Notification.dedupe_key).where(
                    Notification.dedupe_key.in_(chunk), Notification.status != Status.CANCELLED
                )
            )
        )
    return found


def upsert_reviving_cancelled(dialect: str):
    """INSERT … that, on a dedupe key already taken by a cancelled row, makes that row the new
    message again: the sweep's channel, status and language, a fresh creation time, and no
    attempts, error, claim or read mark left from before. Any other existing row is kept."""
    if dialect == "sqlite":
        statement = sqlite_insert(TABLE)
        return statement.on_conflict_do_update(
            index_elements=[TABLE.c.dedupe_key],
            set_=revived_values(statement.excluded),
            where=TABLE.c.status == Status.CANCELLED,
        )
    statement = mysql_insert(TABLE)
    # Constants inline: PyMySQL's multi-row executemany cannot carry parameters in this clause.
    cancelled = TABLE.c.status == inline(Status.CANCELLED.value)
    # MariaDB assigns left to right and later terms see earlier results: status goes last, so
    # every other term still tests the row's old status.
    return statement.on_duplicate_key_update(
        [
            (column, case((cancelled, inline(value)), else_=TABLE.c[column]))
            for column, value in revived_values(statement.inserted).items()
        ]
    )


def inline(value):
    """A constant written into the SQL (only our own enum values and numbers come here)."""
    if value is None:
        return null()
    if isinstance(value, ColumnElement):
        return value
    return literal_column(repr(value))


def revived_values(new) -> dict:
    """Column → value for a revived row; `new` is the row the sweep tried to insert."""
    return {
        "channel": new.channel,
        "language": new.language,
        "created_at": new.created_at,
        "sent_at": new.sent_at,
        "attempts": 0,
        "last_error": None,
        "claimed_at": None,
        "claimed_by": None,
        "read_at": None,
        "status": new.status,  # last: see upsert_reviving_cancelled
    }


# --- queueing delivery -----------------------------------------------------------------------


def queue_pending(result: SweepResult) -> list[list[int]]:
    """Batch every pending e-mail that no worker holds (never claimed, or claimed so long ago
    that its worker must have died) and no retry job is due to take (released by a failed
    attempt within the longest retry delay), and queue the batches once the sweep commits.
    Otherwise a failed row joining a new batch would be tried again before its delay."""
    moment, config = clock_now(), current_app.config
    stale = moment - timedelta(seconds=config["REMINDER_CLAIM_TIMEOUT_SECONDS"])
    retried_by = moment - timedelta(
        seconds=max(retry_delays(config["REMINDER_RETRY_DELAYS"]) or [0])
    )
    ids = db.session.scalars(
        select(Notification.id)
        .where(
            Notification.status == Status.PENDING,
            Notification.channel == Channel.EMAIL,
            or_(Notification.claimed_at.is_(None), Notification.claimed_at < stale),
            or_(Notification.released_at.is_(None), Notification.released_at < retried_by),
        )
        .order_by(Notification.id)
    ).all()
    batches = list(chunked(ids, current_app.config["REMINDER_BATCH_SIZE"]))
    if batches:
        after_commit(lambda: enqueue_batches(batches, result))
    return batches


def enqueue_batches(batches: list[list[int]], result: SweepResult) -> None:
    """Queue one delivery job per batch. If Redis is unreachable the rows simply stay pending:
    the next sweep queues them."""
    try:
        for ids in batches:
            job_id = enqueue_delivery(ids)
            if job_id:
                result.queued_jobs.append(job_id)
    except RedisError as error:
        result.queue_error = str(error) or error.__class__.__name__
        log.warning("queue unreachable; %d batches stay pending: %s", len(batches), error)


def enqueue_delivery(ids: list[int]) -> str | None:
    """Queue delivery of these notifications under a job id derived from them, unless that
    very job is still waiting to run. Returns the job id, or None when it was waiting."""
    queue = redis_store.queue(QUEUE)
    job_id = "deliver-" + hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    config = current_app.config
    delays = retry_delays(config["REMINDER_RETRY_DELAYS"])
    options = {
        "job_id": job_id,
        # Inline (embedded) queues run the job at once: nothing can be waiting to run.
        "unique": queue.is_async,
        "retry": Retry(max=len(delays), interval=delays) if delays else None,
        "job_timeout": delivery_timeout(len(ids)),
        "result_ttl": 3600,
        "failure_ttl": config["REMINDER_FAILED_JOB_DAYS"] * 86400,
        "description": f"deliver {len(ids)} notifications ({ids[0]}…{ids[-1]})",
    }
    try:
        queue.enqueue(DELIVER, ids, **options)
    except DuplicateJobError:
        existing = Job.fetch(job_id, connection=queue.connection)
        waiting = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)
        if existing.get_status(refresh=True) in waiting:
            return None
        # Finished, failed, or started by a worker that died: its rows are free again.
        existing.delete()
        queue.enqueue(DELIVER, ids, **options)
    return job_id


def delivery_timeout(count: int) -> int:
    """Generous for a batch, and shorter than the claim timeout, so a job that hangs is killed
    before its rows are handed to another worker."""
    claim_timeout = current_app.config["REMINDER_CLAIM_TIMEOUT_SECONDS"]
    return max(min(30 + count, claim_timeout - 10), 10)


def remember_sweep(now: datetime) -> None:
    try:
        redis_store.client().set(LAST_SWEEP_KEY, clock_now().isoformat() + " at=" + now.isoformat())
    except RedisError:
        log.warning("could not record the sweep time in Redis")


def chunked(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
