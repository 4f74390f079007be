"""The daily digest: one e-mail a day, from the configured local hour on, to managers who have
something to read about (logs overdue or incomplete, students at risk, and offerings about to
start unstaffed, unless they hear of those at once) and to anyone whose reminders wait for
it."""

from datetime import UTC, datetime, time

from babel.dates import format_date
from flask import current_app
from flask_babel import ngettext
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from app.activity.deadlines import DeadlineRule
from app.auth.models import Role, User
from app.core.i18n import _
from app.courses.queries import offerings_by_id
from app.extensions import db
from app.notifications.content import (
    facilitator_page,
    format_deadline,
    offering_facts,
    person_name,
)
from app.notifications.kinds import at_risk, overdue, unstaffed
from app.notifications.models import (
    Channel,
    EmailPreference,
    Notification,
    NotificationPreference,
    Status,
)
from app.notifications.registry import Moment, NotificationKind, kind_named, register
from app.notifications.store import notification_row, preference_join

UNSTAFFED_PREFERENCE = aliased(NotificationPreference)


@register
class Digest(NotificationKind):
    name = "digest"
    audience = Role.MANAGER
    default_email = EmailPreference.DAILY_DIGEST
    gathers = True

    def find(self, moment: Moment, found: list[dict]) -> list[dict]:
        """Today's digest for each recipient with something to read; `found` says whose
        reminders the other kinds just found for it."""
        digest_at = digest_time(moment)
        if digest_at is None:
            return []
        waiting = waiting_recipients(found)
        news = bool(overdue.weeks_overdue(moment)) or at_risk.anyone()
        unstaffed_news = bool(unstaffed.offering_ids(moment))
        rows = []
        for person in db.session.execute(recipients(self, waiting)):
            wants_unstaffed = (person.unstaffed_email or unstaffed.Unstaffed.default_email) == (
                EmailPreference.DAILY_DIGEST
            )
            manager_news = person.role == Role.MANAGER and (
                news or (unstaffed_news and wants_unstaffed)
            )
            if manager_news or person.id in waiting:
                rows.append(self.row(person, digest_at))
        return rows

    def row(self, person, digest_at: datetime) -> dict:
        # A digest is one e-mail whatever the preference says, unless that is off.
        off = person.email == EmailPreference.OFF
        return notification_row(
            self,
            recipient_id=person.id,
            language=person.preferred_language,
            offering_id=None,
            week_number=0,
            deadline=digest_at,
            preference=EmailPreference.OFF if off else EmailPreference.IMMEDIATE,
        )

    def facts(self, notification: Notification, moment: Moment) -> dict | None:
        """Overdue or incomplete logs by facilitator, offering and week; students at risk;
        offerings about to start without a facilitator; the recipient's own reminders that wait
        for it. None when there is nothing left to say."""
        recipient, language = notification.recipient, notification.language
        manager = recipient.role == Role.MANAGER
        weeks = overdue.weeks_overdue(moment) if manager else []
        students = at_risk.in_digest(language) if manager else []
        unstaffed_ids = (
            unstaffed.offering_ids(moment)
            if manager and unstaffed.wanted_in_digest(recipient.id)
            else []
        )
        waiting = still_true(waiting_for_digest(recipient.id), moment.now)
        if not (weeks or students or unstaffed_ids or waiting):
            return None
        offerings = offerings_by_id({week.offering_id for week in weeks} | set(unstaffed_ids))
        return {
            "facilitators": group_overdue(weeks, offerings, moment.rule, language),
            "overdue_count": len(weeks),
            "students_at_risk": students,
            "students_at_risk_count": sum(len(offering["students"]) for offering in students),
            "unstaffed": [
                starting(offerings[offering_id], language) for offering_id in unstaffed_ids
            ],
            "waiting": [waiting_entry(row, moment.rule, language) for row in waiting],
            "covers": [row.id for row in waiting],
        }

    def subject(self, values: dict) -> str:
        at_risk, overdue_count = values["students_at_risk_count"], values["overdue_count"]
        if not (overdue_count or at_risk or values["unstaffed"]):  # only the recipient's own
            return ngettext(
                "Your daily digest: {count} reminder", "Your daily digest: {count} reminders",
                len(values["waiting"]),
            ).format(count=len(values["waiting"]))  # fmt: skip
        if at_risk:
            return _(
                "Daily digest: {overdue} overdue or incomplete logs, {students} students at risk,"
                " {unstaffed} unstaffed"
            ).format(overdue=overdue_count, students=at_risk, unstaffed=len(values["unstaffed"]))
        return _(
            "Daily digest: {overdue} overdue or incomplete logs, {unstaffed} unstaffed"
        ).format(overdue=overdue_count, unstaffed=len(values["unstaffed"]))

    def title(self, notification: Notification, rule: DeadlineRule, language: str) -> str:
        return _("Daily digest of {date}").format(
            date=format_deadline(notification.deadline, language, rule)
        )


def digest_time(moment: Moment) -> datetime | None:
    """Today's digest instant, once the local digest hour has come; None before it."""
    hour, zone = current_app.config["REMINDER_DIGEST_HOUR"], moment.rule.zone
    local = moment.now.astimezone(zone)
    if local.hour < hour:
        return None
    return datetime.combine(local.date(), time(hour), tzinfo=zone).astimezone(UTC)


def recipients(kind: NotificationKind, waiting: set[int]):
    """Active managers and whoever has reminders waiting, with their digest preference and
    their unstaffed one."""
    return (
        select(User.id, User.role, User.preferred_language, NotificationPreference.email,
               UNSTAFFED_PREFERENCE.email.label("unstaffed_email"))
        .select_from(User)
        .outerjoin(*preference_join(kind, User.id))
        .outerjoin(UNSTAFFED_PREFERENCE,
                   and_(UNSTAFFED_PREFERENCE.user_id == User.id,
                        UNSTAFFED_PREFERENCE.kind == unstaffed.Unstaffed.name))
        .where(User.is_active.is_(True), or_(User.role == Role.MANAGER, User.id.in_(waiting)))
    )  # fmt: skip


def waiting_recipients(found: list[dict]) -> set[int]:
    """Who has reminders waiting for their digest: found now, or still pending from before."""
    waiting = {row["recipient_id"] for row in found if row["channel"] == Channel.DIGEST}
    waiting |= set(
        db.session.scalars(
            select(Notification.recipient_id)
            .distinct()
            .where(Notification.status == Status.PENDING, Notification.channel == Channel.DIGEST)
        )
    )
    return waiting


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


def still_true(waiting: list[Notification], now: datetime) -> list[Notification]:
    """The waiting reminders that still hold, by their own kind's re-check; the others are
    cancelled here."""
    moment, kept = Moment.for_batch(waiting, now), []
    for row in waiting:
        if kind_named(row.kind).facts(row, moment) is None:
            row.status = Status.CANCELLED
        else:
            kept.append(row)
    return kept


def starting(offering, language: str) -> dict:
    return offering_facts(offering) | {
        "starts": format_date(offering.start_date, "full", locale=language)
    }


def waiting_entry(row: Notification, rule: DeadlineRule, language: str) -> dict:
    return offering_facts(row.offering) | {
        "week": row.week_number,
        "kind": row.kind,
        "deadline": format_deadline(row.deadline, language, rule),
        "url": kind_named(row.kind).link(row),
    }


def group_overdue(weeks, offerings: dict, rule: DeadlineRule, language: str) -> list[dict]:
    """Facilitator → offering → weeks, each level sorted for reading."""
    groups: dict = {}
    for week in weeks:
        offering = offerings[week.offering_id]
        facilitator = groups.setdefault(
            week.facilitator_id, {"name": person_name(offering.facilitator), "offerings": {}}
        )
        entry = facilitator["offerings"].setdefault(
            week.offering_id, offering_facts(offering) | {"weeks": []}
        )
        due = rule.due_at(week.start_date, week.week_number)
        entry["weeks"].append(
            {
                "week": week.week_number,
                "deadline": format_deadline(due, language, rule),
                "missing": week.log_id is None,
                "url": facilitator_page(week.offering_id, week=week.week_number),
            }
        )
    return sorted_groups(groups)


def sorted_groups(groups: dict) -> list[dict]:
    result = []
    for facilitator in sorted(groups.values(), key=lambda group: group["name"] or "~"):
        offerings_list = sorted(facilitator["offerings"].values(), key=lambda o: o["module_code"])
        for entry in offerings_list:
            entry["weeks"].sort(key=lambda week: week["week"])
        result.append({"name": facilitator["name"], "offerings": offerings_list})
    return result
