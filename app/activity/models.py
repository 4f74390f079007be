"""Weekly facilitator activity logs. Their history is the audit trail's (app/audit)."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.clock import now
from app.courses.models import CourseOffering
from app.data.types import UTCDateTime
from app.extensions import db

DONE = "Done"
STATUSES = (DONE, "Pending", "Not Started")
CHECKLIST = (
    "formative_one_grading",
    "formative_two_grading",
    "summative_grading",
    "course_moderation",
    "intranet_sync",
    "grade_book_status",
)
STATUS_LIST = ", ".join(f"'{status}'" for status in STATUSES)
PRESENT, ABSENT, EXCUSED = ATTENDANCE_STATUSES = ("present", "absent", "excused")


def every_item_done(log, every):
    """What makes a log complete: every checklist item Done. `every` combines the comparisons:
    `all` for a loaded log, `and_` for SQL."""
    return every(getattr(log, item) == DONE for item in CHECKLIST)


def checklist_column() -> Mapped[str]:
    return mapped_column(String(12), default="Not Started", nullable=False)


def attendance_rate(present: int, recorded: int) -> float | None:
    """The share of recorded students present (None when no attendance was taken)."""
    return round(present / recorded, 4) if recorded else None


class AttendanceRecord(db.Model):
    """One student's attendance in one logged week. A roster student without a record was
    not taken, which is not the same as absent."""

    __tablename__ = "attendance_records"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in ATTENDANCE_STATUSES)),
            name="status",
        ),
        Index("ix_attendance_records_student_id", "student_id"),
    )

    log_id: Mapped[int] = mapped_column(
        ForeignKey("activity_logs.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(8), nullable=False)


class ActivityLog(db.Model):
    """One facilitator's report on one teaching week of one course offering."""

    __tablename__ = "activity_logs"
    __table_args__ = (
        UniqueConstraint("offering_id", "week_number", name="uq_activity_logs_offering_week"),
        CheckConstraint("week_number >= 1", name="week_number"),
        *(CheckConstraint(f"{item} IN ({STATUS_LIST})", name=item) for item in CHECKLIST),
        Index("ix_activity_logs_submitted_at", "submitted_at"),
        Index("ix_activity_logs_due_at", "due_at"),
        # What a list filters on and sorts by, so its count and its page's keys are read from
        # the index alone (app/activity/services.py, list_logs).
        Index("ix_activity_logs_offering_checklist", "offering_id", "week_number", *CHECKLIST),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("course_offerings.id"), nullable=False)
    week_number: Mapped[int] = mapped_column(nullable=False)
    # Lists of booleans filed before attendance was per student, whose length did not match
    # their week's roster: kept as counts (`flask attendance unmatched` lists them).
    legacy_present: Mapped[int | None] = mapped_column()
    legacy_recorded: Mapped[int | None] = mapped_column()
    formative_one_grading: Mapped[str] = checklist_column()
    formative_two_grading: Mapped[str] = checklist_column()
    summative_grading: Mapped[str] = checklist_column()
    course_moderation: Mapped[str] = checklist_column()
    intranet_sync: Mapped[str] = checklist_column()
    grade_book_status: Mapped[str] = checklist_column()
    notes: Mapped[str | None] = mapped_column(Text)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    # True when a manager filed it for the offering's facilitator.
    filed_on_behalf: Mapped[bool] = mapped_column(default=False, nullable=False)
    # The deadline in force when the log was filed (see deadlines.py), kept so lateness can
    # be filtered and counted in SQL.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=now, onupdate=now, nullable=False
    )

    offering: Mapped[CourseOffering] = relationship(lazy="joined", innerjoin=True)
    submitted_by: Mapped[User] = relationship()
    attendance: Mapped[list[AttendanceRecord]] = relationship(
        order_by=AttendanceRecord.student_id, cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_late(self) -> bool:
        return self.submitted_at > self.due_at

    @hybrid_property
    def is_complete(self) -> bool:
        return every_item_done(self, all)

    @is_complete.inplace.expression
    @classmethod
    def complete_expression(cls) -> ColumnElement[bool]:
        return every_item_done(cls, lambda terms: and_(*terms))

    @property
    def legacy_attendance(self) -> dict | None:
        if self.legacy_recorded is None:
            return None
        return {"present": self.legacy_present, "recorded": self.legacy_recorded}

    @property
    def attendance_rate(self) -> float | None:
        if self.attendance:
            present = sum(record.status == PRESENT for record in self.attendance)
            return attendance_rate(present, len(self.attendance))
        return attendance_rate(self.legacy_present or 0, self.legacy_recorded or 0)

    @property
    def facilitator_id(self) -> int | None:
        return self.offering.facilitator_id
