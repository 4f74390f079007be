"""What every kind's messages are made of: the facts a template may show, an offering's and a
deadline's wording in the recipient's language, and the links a message carries."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlencode

from babel.dates import format_datetime, get_timezone_name
from flask import current_app

from app.activity.deadlines import DeadlineRule
from app.auth.models import User
from app.courses.models import CourseOffering
from app.notifications.models import Notification


@dataclass(frozen=True)
class Facts:
    """Everything a template may show, already in the recipient's language; `covers` lists
    the other notifications this message delivers too (the reminders a digest lists)."""

    notification: Notification
    values: dict
    covers: list[int] = field(default_factory=list)


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


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def docs_url() -> str:
    return f"{base_url()}/docs"


def facilitator_page(offering_id: int, **place: int) -> str:
    """The facilitator's page opened at an offering and, given, a week or a student: where a
    message about one sends its reader (the page keeps the place through a sign-in)."""
    return f"{base_url()}/facilitator/#" + urlencode({"offering": offering_id, **place})


def person_name(user: User | None) -> str | None:
    return f"{user.first_name} {user.last_name}" if user else None
