"""A facilitator's load: the offerings they run in a trimester against their maximum, and the
periods they cannot teach. Allocating past either is refused unless a manager overrides it.

The check holds under concurrency the way enrolment capacity does: the facilitator's profile
row is locked (`FOR UPDATE`) before their offerings are counted, so simultaneous allocations to
one person take turns and each counts the ones committed before it (READ COMMITTED).
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import ColumnElement, func, select

from app.auth.models import FacilitatorProfile, UnavailablePeriod
from app.core.exceptions import Conflict
from app.core.i18n import _
from app.courses.models import CourseOffering, OfferingStatus
from app.extensions import db

# What counts towards a load: every offering of the trimester that is not cancelled.
CARRIED = CourseOffering.status != OfferingStatus.CANCELLED


@dataclass(frozen=True)
class Placement:
    """Where an offering would put its facilitator: whom, which trimester, which days."""

    facilitator_id: int
    trimester: int
    year: int
    start_date: date
    end_date: date
    offering_id: int | None = None  # the offering itself, not counted twice


def maximum(profile_maximum: int | None) -> int:
    """A facilitator's maximum: their profile's, else FACILITATOR_MAX_OFFERINGS."""
    if profile_maximum is not None:
        return profile_maximum
    return current_app.config["FACILITATOR_MAX_OFFERINGS"]


def maximum_column() -> ColumnElement:
    """`maximum` as SQL, for reports over many facilitators."""
    return func.coalesce(
        FacilitatorProfile.max_offerings_per_trimester,
        current_app.config["FACILITATOR_MAX_OFFERINGS"],
    )


def carried(placement: Placement) -> int:
    """The offerings the facilitator already runs in that trimester (this one apart)."""
    return db.session.scalar(
        select(func.count(CourseOffering.id)).where(
            CourseOffering.facilitator_id == placement.facilitator_id,
            CourseOffering.trimester == placement.trimester,
            CourseOffering.year == placement.year,
            CourseOffering.id != (placement.offering_id or 0),
            CARRIED,
        )
    )


def clashes(placement: Placement) -> list[UnavailablePeriod]:
    """The facilitator's unavailable periods that overlap the offering's days."""
    return db.session.scalars(
        select(UnavailablePeriod)
        .where(
            UnavailablePeriod.user_id == placement.facilitator_id,
            UnavailablePeriod.starts_on <= placement.end_date,
            UnavailablePeriod.ends_on >= placement.start_date,
        )
        .order_by(UnavailablePeriod.starts_on, UnavailablePeriod.id)
    ).all()


def check(placement: Placement, override: bool) -> dict | None:
    """Refuse (409) a placement past the facilitator's maximum or into a period they cannot
    teach, naming the load or the periods; with `override`, allow it and return what was
    overridden (None when nothing was), for the audit trail."""
    profile_maximum = db.session.scalar(
        select(FacilitatorProfile.max_offerings_per_trimester)
        .where(FacilitatorProfile.user_id == placement.facilitator_id)
        .with_for_update()
    )
    most, already = maximum(profile_maximum), carried(placement)
    periods = clashes(placement)
    problems = {}
    reasons = []
    if already >= most:
        problems["load"] = {"offerings": already, "maximum": most,
                            "trimester": placement.trimester, "year": placement.year}  # fmt: skip
        reasons.append(
            _("Already {count} of {maximum} offerings in trimester {trimester} of {year}.").format(
                count=already, maximum=most, trimester=placement.trimester, year=placement.year
            )
        )
    if periods:
        problems["unavailable"] = [
            {"starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat()}
            for period in periods
        ]
        reasons += [
            _("Unavailable from {start} to {end}.").format(
                start=period.starts_on.isoformat(), end=period.ends_on.isoformat()
            )
            for period in periods
        ]
    if problems and not override:
        reasons.append(_('A manager may allocate anyway with "override_load": true.'))
        raise Conflict(" ".join(reasons), problems)
    return problems or None
