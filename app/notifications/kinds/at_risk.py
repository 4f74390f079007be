"""At risk: to an offering's facilitator, once each time a student there becomes at risk of
failing through absence (app/activity/at_risk.py says who is, and why). A spell at risk is one
message, keyed by the student and the recorded week it began: while the student stays at risk
the key stays the same, and after a recovery a relapse begins at a later week, so it is a new
message. Managers read every student at risk in their daily digest."""

from babel.numbers import format_percent
from flask_babel import force_locale, ngettext
from sqlalchemy import select

from app.activity.at_risk import (
    CONSECUTIVE_ABSENCES,
    LOW_ATTENDANCE,
    StudentAtRisk,
    episodes_began,
    students_at_risk,
)
from app.activity.deadlines import DeadlineRule
from app.auth.models import Role, User
from app.core.i18n import _
from app.courses.models import CourseOffering, OfferingStatus
from app.courses.queries import offerings_by_id
from app.extensions import db
from app.notifications.content import facilitator_page, offering_facts, person_name
from app.notifications.models import EmailPreference, Notification
from app.notifications.registry import Moment, NotificationKind, lookback, register
from app.notifications.store import addressed, addressed_row


@register
class AtRisk(NotificationKind):
    name = "at_risk"
    audience = Role.FACILITATOR
    default_email = EmailPreference.IMMEDIATE
    # What a digest lists of a reminder is its week and deadline, which say nothing here.
    can_wait_for_digest = False
    follows_facilitator = True

    def find(self, moment: Moment, found: list[dict]) -> list[dict]:
        """One message per student at risk in an active offering that has not ended before
        the look-back window, to its facilitator, for the spell the student is in now."""
        students = students_at_risk()
        if not students:
            return []
        began = episodes_began(students)
        columns = select(CourseOffering.id, CourseOffering.start_date).where(
            CourseOffering.id.in_({student.offering_id for student in students}),
            CourseOffering.end_date >= moment.local_day(moment.now - lookback()),
        )
        statement = addressed(columns, self, CourseOffering.facilitator_id)
        offerings = {offering.id: offering for offering in db.session.execute(statement)}
        return [
            self.row(offerings[student.offering_id], student, began, moment.rule)
            for student in students
            if student.offering_id in offerings
        ]

    def row(self, offering, student: StudentAtRisk, began: dict, rule: DeadlineRule) -> dict:
        week = began[(student.offering_id, student.student_id)]
        return addressed_row(
            self,
            offering,
            offering_id=offering.id,
            student_id=student.student_id,
            week_number=week,
            deadline=rule.due_at(offering.start_date, week),
        )

    def facts(self, notification: Notification, moment: Moment) -> dict | None:
        """Still this facilitator's active offering, and the student still at risk there in
        the same spell (not recovered, even if fallen back since)."""
        offering = notification.offering
        if (
            offering is None
            or offering.status != OfferingStatus.ACTIVE
            or offering.facilitator_id != notification.recipient_id
        ):
            return None
        now_at_risk = students_at_risk([offering.id], notification.student_id)
        if not now_at_risk:
            return None
        [student] = now_at_risk
        if episodes_began(now_at_risk)[(offering.id, student.student_id)] != (
            notification.week_number
        ):
            return None
        return offering_facts(offering) | {
            "student_name": person_name(notification.student),
            "since_week": notification.week_number,
            "reasons": reasons(student, notification.language),
        }

    def subject(self, values: dict) -> str:
        return _("{student} is at risk in {module}").format(
            student=values["student_name"], module=values["module_code"]
        )

    def link(self, notification: Notification) -> str:
        return facilitator_page(notification.offering_id, student=notification.student_id)

    def title(self, notification: Notification, rule: DeadlineRule, language: str) -> str:
        return self.subject(
            {
                "student_name": person_name(notification.student),
                "module_code": notification.offering.module.code,
            }
        )


def reasons(student: StudentAtRisk, language: str) -> list[str]:
    """Why the student is at risk, with the figures, in `language`."""
    with force_locale(language):
        said = []
        if LOW_ATTENDANCE in student.reasons:
            said.append(
                _("attended {present} of {recorded} recorded weeks ({rate})").format(
                    present=student.present,
                    recorded=student.recorded_weeks,
                    rate=format_percent(student.attendance_rate, locale=language),
                )
            )
        if CONSECUTIVE_ABSENCES in student.reasons:
            said.append(
                ngettext(
                    "absent the last recorded week",
                    "absent the last {count} recorded weeks",
                    student.consecutive_absences,
                ).format(count=student.consecutive_absences)
            )
        return said


def in_digest(language: str) -> list[dict]:
    """Every student at risk in an active offering, for a manager's digest: by offering
    (module code first), each with its students by name."""
    students = students_at_risk()
    offerings = offerings_by_id({student.offering_id for student in students})
    names = student_names({student.student_id for student in students})
    grouped: dict[int, dict] = {}
    for student in students:
        entry = grouped.setdefault(
            student.offering_id, offering_facts(offerings[student.offering_id]) | {"students": []}
        )
        entry["students"].append(
            {
                "name": names[student.student_id],
                "reasons": reasons(student, language),
                "url": facilitator_page(student.offering_id, student=student.student_id),
            }
        )
    for entry in grouped.values():
        entry["students"].sort(key=lambda listed: listed["name"])
    return sorted(grouped.values(), key=lambda entry: (entry["module_code"], entry["offering_id"]))


def anyone() -> bool:
    return bool(students_at_risk())


def student_names(ids: set[int]) -> dict[int, str]:
    people = db.session.scalars(select(User).where(User.id.in_(ids)))
    return {person.id: person_name(person) for person in people}
