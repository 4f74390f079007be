"""Catalogue, course offerings, facilitator assignment history and enrolments."""

import enum
import math
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship, validates

from app.auth.models import User
from app.core.clock import now
from app.data.types import Timestamped, UTCDateTime
from app.extensions import db

INTAKES = ("HT1", "HT2", "FT")
# Created by the migrations, so every installation has them.
STANDARD_MODES = ("online", "in_person", "hybrid")
# What makes an offering itself: one module, class, cohort and mode in one term and intake.
NATURAL_KEY = ("module_id", "class_id", "cohort_id", "mode_id", "trimester", "year", "intake")


class OfferingStatus(enum.StrEnum):
    PLANNED = "planned"  # being arranged: no reminders, not in compliance yet
    ACTIVE = "active"  # running: reminders, compliance, at-risk checks
    COMPLETED = "completed"  # final: its last week's log fell due before it was completed
    CANCELLED = "cancelled"  # final: it will not run (or run on); what was pending is withdrawn


def teaching_weeks(start_date: date, end_date: date) -> int:
    """The days from start to end inclusive, in started weeks."""
    return math.ceil(((end_date - start_date).days + 1) / 7)


class Module(Timestamped, db.Model):
    __tablename__ = "modules"
    __table_args__ = (CheckConstraint("credits BETWEEN 1 AND 60", name="credits"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    credits: Mapped[int] = mapped_column(nullable=False)
    description: Mapped[str | None] = mapped_column(Text)


class Cohort(Timestamped, db.Model):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)


class CourseClass(Timestamped, db.Model):
    """A class (intake group) such as `2025J`."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)


class DeliveryMode(Timestamped, db.Model):
    __tablename__ = "delivery_modes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)


class CourseOffering(Timestamped, db.Model):
    """A module taught to one class and cohort, in one mode, trimester, year and intake."""

    __tablename__ = "course_offerings"
    __table_args__ = (
        UniqueConstraint(*NATURAL_KEY, name="uq_course_offerings_natural_key"),
        CheckConstraint("trimester BETWEEN 1 AND 3", name="trimester"),
        CheckConstraint("max_students BETWEEN 1 AND 500", name="max_students"),
        CheckConstraint("end_date > start_date", name="dates_in_order"),
        CheckConstraint(
            "status IN ('planned', 'active', 'completed', 'cancelled')", name="status"
        ),
        # Each index matches a list filter followed by the default sort (start date).
        Index("ix_course_offerings_facilitator_start", "facilitator_id", "start_date"),
        Index("ix_course_offerings_period", "year", "trimester", "intake", "start_date"),
        Index("ix_course_offerings_active_start", "is_active", "start_date"),
        Index("ix_course_offerings_status_start", "status", "start_date"),
        Index("ix_course_offerings_load", "facilitator_id", "year", "trimester"),
        Index("ix_course_offerings_start", "start_date"),  # InnoDB appends id: (start, id)
        Index("ix_course_offerings_cohort_start", "cohort_id", "start_date"),
        Index("ix_course_offerings_class_start", "class_id", "start_date"),
        Index("ix_course_offerings_mode_start", "mode_id", "start_date"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), nullable=False)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), nullable=False)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), nullable=False)
    mode_id: Mapped[int] = mapped_column(ForeignKey("delivery_modes.id"), nullable=False)
    trimester: Mapped[int] = mapped_column(nullable=False)
    year: Mapped[int] = mapped_column(nullable=False)
    intake: Mapped[str] = mapped_column(String(10), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    max_students: Mapped[int] = mapped_column(nullable=False)
    status: Mapped[str] = mapped_column(
        String(10),
        default=OfferingStatus.ACTIVE,
        server_default=OfferingStatus.ACTIVE.value,
        nullable=False,
    )
    # When `status` last moved (a cancellation's notice is keyed by it).
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Not cancelled. Kept, and written only from `status` (below), for the release before the
    # life cycle, which reads and filters on it; the API shows it as before.
    is_active: Mapped[bool] = mapped_column(default=True, nullable=False)

    module: Mapped[Module] = relationship(lazy="joined")
    course_class: Mapped[CourseClass] = relationship(lazy="joined")
    cohort: Mapped[Cohort] = relationship(lazy="joined")
    mode: Mapped[DeliveryMode] = relationship(lazy="joined")
    facilitator: Mapped[User | None] = relationship(lazy="joined")

    @property
    def weeks(self) -> int:
        return teaching_weeks(self.start_date, self.end_date)

    @validates("status")
    def follow_status(self, _key: str, status: str) -> str:
        self.is_active = status != OfferingStatus.CANCELLED
        return status


class AssignmentChange(db.Model):
    """Who allocated an offering to whom, and when (including unassignment).

    Deleting an offering (possible only while it has no enrolments or logs, i.e. it never ran)
    takes its allocation record with it; an offering that ran is archived and keeps it.
    """

    __tablename__ = "offering_assignment_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(
        ForeignKey("course_offerings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    previous_facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, nullable=False)


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("offering_id", "student_id", name="uq_enrollments_offering_student"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("course_offerings.id"), nullable=False)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, nullable=False)

    offering: Mapped[CourseOffering] = relationship()
    student: Mapped[User] = relationship(foreign_keys=[student_id])


class EndedEnrollment(db.Model):
    """An enrolment that was removed: from when to when the student was in the offering, so
    the roster of a week they attended still names them."""

    __tablename__ = "ended_enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(
        ForeignKey("course_offerings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    unenrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, nullable=False)
    unenrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# Counted in the same SQL statement as the offering itself (no query per row).
CourseOffering.enrolled_count = column_property(
    select(func.count(Enrollment.id))
    .where(Enrollment.offering_id == CourseOffering.id)
    .correlate_except(Enrollment)
    .scalar_subquery()
)
