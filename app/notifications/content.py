"""What a notification says: is it still true, and the facts its e-mail and inbox entry show.

Everything is read again at send time, so a log filed meanwhile, an offering whose dates moved
or that went to someone else, or a deactivated recipient cancels the message instead.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlencode

from babel.dates import format_date, format_datetime, get_timezone_name
from flask import current_app
from sqlalchemy import select

from app.activity.deadlines import DeadlineRule
from app.activity.models import ActivityLog
from app.activity.schemas import ActivityLogQuerySchema
from app.auth.models import Role, User
from app.courses.models import CourseOffering, Enrollment
from app.courses.services import unstaffed
from app.extensions import db
from app.notifications import reminders
from app.notifications.models import Channel, EmailPreference, Kind, Notification, Status
from app.notifications.reminders import LOG_COMPLETE, Windows
from app.reflections.models import Reflection


@dataclass(frozen=True)
class Facts:
    """Everything a template may show, already in the recipient's language."""

    notification: Notification
    values: dict


def offering_facts(offering: CourseOffering) -> dict:
    return {
        "offering_id": offering.id,
        "module_code": offering.module.code,
        "module_name": offering.module.name,
        "cohort": offering.cohort.name,
        "class_name": offering.course_class.name,
    }


@lru_cache(maxsize=4096)  # a batch shares a handful of deadlines
def format_deadline(instant: datetime, language: str, rule: DeadlineRule) -> str:
    """ "Monday 12 January 2026 09:00 Central Africa Time (Africa/Kigali)", in `language`."""
    local = instant.astimezone(rule.zone)
    when = format_datetime(local, "EEEE d MMMM y, HH:mm", tzinfo=rule.zone, locale=language)
    zone_name = get_timezone_name(local, width="long", locale=language)
    return f"{when} {zone_name} ({rule.zone.key})"


def links(offering_id: int | None = None) -> dict:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    found = {"docs_url": f"{base}/docs"}
    if offering_id is not None:
        query = urlencode(ActivityLogQuerySchema().dump({"offering_id": offering_id}))
        found["logs_url"] = f"{base}/api/v1/activity-logs?{query}"
    return found


def log_states(notifications: list[Notification]) -> dict[tuple[int, int], bool]:
    """{(offering, week): complete?} for the logs filed for these notifications' weeks, read in
    one query for a whole batch."""
    offering_ids = {n.offering_id for n in notifications if n.offering_id is not None}
    if not offering_ids:
        return {}
    rows = db.session.execute(
        select(ActivityLog.offering_id, ActivityLog.week_number, LOG_COMPLETE).where(
            ActivityLog.offering_id.in_(offering_ids)
        )
    )
    return {(offering_id, week): bool(complete) for offering_id, week, complete in rows}


def facts_for(notification: Notification, now: datetime, logs: dict) -> Facts | None:
    """The facts to send, or None when the message is no longer true. `logs` is what
    `log_states` says about the batch's weeks."""
    if not notification.recipient.is_active:
        return None
    rule, windows = DeadlineRule.from_config(), Windows.from_config()
    build = {
        Kind.DUE_SOON: week_facts,
        Kind.OVERDUE: week_facts,
        Kind.UNSTAFFED: unstaffed_facts,
        Kind.DIGEST: digest_facts,
        Kind.REFLECTION_DUE: reflection_facts,
    }[Kind(notification.kind)]
    values = build(notification, rule, windows, now, logs)
    if values is None:
        return None
    recipient = notification.recipient
    values |= {
        "recipient_name": recipient.first_name,
        "kind": notification.kind,
        "lang": notification.language,
    }
    return Facts(notification, values | links(values.get("offering_id")))


def week_facts(notification, rule, windows, now, logs) -> dict | None:
    """Due soon / overdue: still this facilitator's offering, same deadline, log still not
    filed (due soon) or missing or incomplete (overdue)."""
    offering = notification.offering
    if (
        offering is None
        or not offering.is_active
        or offering.facilitator_id != notification.recipient_id
        or notification.week_number > offering.weeks
        or rule.due_at(offering.start_date, notification.week_number) != notification.deadline
    ):
        return None
    complete = logs.get((offering.id, notification.week_number))  # None: not filed
    if complete is not None and (notification.kind == Kind.DUE_SOON or complete):
        return None
    return offering_facts(offering) | {
        "week": notification.week_number,
        "deadline": format_deadline(notification.deadline, notification.language, rule),
        "log_filed": complete is not None,
    }


def unstaffed_facts(notification, rule, windows, now, _logs) -> dict | None:
    offering = notification.offering
    if offering is None or not offering.is_active or not still_unstaffed(offering.id):
        return None
    # Moved dates: the alert for the old start goes; the next sweep raises one for the new.
    if reminders.starts_at(rule, offering.start_date) != notification.deadline:
        return None
    if offering.start_date < now.astimezone(rule.zone).date():
        return None
    return offering_facts(offering) | {
        "starts": format_date(offering.start_date, "full", locale=notification.language)
    }


def reflection_facts(notification, rule, windows, now, _logs) -> dict | None:
    """Still an active offering that ended then, the student still enrolled and still
    without a reflection on it."""
    offering, student_id = notification.offering, notification.recipient_id
    if offering is None or not offering.is_active:
        return None
    if reminders.ends_at(rule, offering.end_date) != notification.deadline:
        return None
    enrolled = select(Enrollment.id).where(
        Enrollment.offering_id == offering.id, Enrollment.student_id == student_id
    )
    reflected = select(Reflection.id).where(
        Reflection.offering_id == offering.id, Reflection.student_id == student_id
    )
    if db.session.scalar(enrolled) is None or db.session.scalar(reflected) is not None:
        return None
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return offering_facts(offering) | {
        "ended": format_date(offering.end_date, "full", locale=notification.language),
        "reflection_url": f"{base}/reflection/",
    }


def still_unstaffed(offering_id: int) -> bool:
    """No facilitator, or a deactivated one (the same condition the sweep used)."""
    found = db.session.scalar(
        select(CourseOffering.id).where(CourseOffering.id == offering_id, unstaffed())
    )
    return found is not None


def digest_facts(notification, rule, windows, now, _logs) -> dict | None:
    """The day's digest: overdue or incomplete logs by facilitator, offering and week; offerings
    about to start without a facilitator; the recipient's own reminders that wait for it.
    None when there is nothing left to say."""
    recipient, language = notification.recipient, notification.language
    manager = recipient.role == Role.MANAGER
    overdue = reminders.overdue_weeks(rule, windows, now) if manager else []
    unstaffed = (
        reminders.unstaffed_offering_ids(rule, windows, now)
        if manager and wants_unstaffed_in_digest(recipient.id)
        else []
    )
    waiting = still_true(waiting_for_digest(recipient.id), rule, windows, now)
    if not (overdue or unstaffed or waiting):
        return None
    offerings = load_offerings({row.offering_id for row in overdue} | set(unstaffed))
    return {
        "facilitators": group_overdue(overdue, offerings, rule, language),
        "overdue_count": len(overdue),
        "unstaffed": [
            offering_facts(offerings[offering_id])
            | {"starts": format_date(offerings[offering_id].start_date, "full", locale=language)}
            for offering_id in unstaffed
        ],
        "waiting": [
            offering_facts(row.offering)
            | {
                "week": row.week_number,
                "kind": row.kind,
                "deadline": format_deadline(row.deadline, language, rule),
            }
            for row in waiting
        ],
        "waiting_ids": [row.id for row in waiting],
    }


def wants_unstaffed_in_digest(user_id: int) -> bool:
    return reminders.email_preference(user_id, Kind.UNSTAFFED) == EmailPreference.DAILY_DIGEST


def still_true(waiting: list[Notification], rule, windows, now) -> list[Notification]:
    """The waiting reminders that still hold; the others are cancelled here."""
    logs, kept = log_states(waiting), []
    for row in waiting:
        if week_facts(row, rule, windows, now, logs) is None:
            row.status = Status.CANCELLED
        else:
            kept.append(row)
    return kept


def waiting_for_digest(user_id: int) -> list[Notification]:
    return db.session.scalars(
        select(Notification)
        .where(
            Notification.recipient_id == user_id,
            Notification.status == Status.PENDING,
            Notification.channel == Channel.DIGEST,
        )
        .order_by(Notification.deadline, Notification.id)
    ).all()


def load_offerings(ids: set[int]) -> dict[int, CourseOffering]:
    if not ids:
        return {}
    found = db.session.scalars(select(CourseOffering).where(CourseOffering.id.in_(ids)))
    return {offering.id: offering for offering in found.unique()}


def group_overdue(rows, offerings: dict, rule: DeadlineRule, language: str) -> list[dict]:
    """Facilitator → offering → weeks, each level sorted for reading."""
    groups: dict = {}
    for row in rows:
        offering = offerings[row.offering_id]
        facilitator = groups.setdefault(
            row.facilitator_id, {"name": person_name(offering.facilitator), "offerings": {}}
        )
        entry = facilitator["offerings"].setdefault(
            row.offering_id, offering_facts(offering) | {"weeks": []}
        )
        entry["weeks"].append(
            {
                "week": row.week_number,
                "deadline": format_deadline(
                    rule.due_at(row.start_date, row.week_number), language, rule
                ),
                "missing": row.log_id is None,
            }
        )
    result = []
    for facilitator in sorted(groups.values(), key=lambda group: group["name"] or "~"):
        offerings_list = sorted(facilitator["offerings"].values(), key=lambda o: o["module_code"])
        for entry in offerings_list:
            entry["weeks"].sort(key=lambda week: week["week"])
        result.append({"name": facilitator["name"], "offerings": offerings_list})
    return result


def person_name(user: User | None) -> str | None:
    return f"{user.first_name} {user.last_name}" if user else None
