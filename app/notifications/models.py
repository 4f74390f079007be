"""Notification records (the source of truth for reminders), preferences and calendar feeds."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.clock import now
from app.courses.models import CourseOffering
from app.data.types import UTCDateTime
from app.extensions import db
from app.notifications.kinds import NAMES as KIND_NAMES


class Status(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Channel(enum.StrEnum):
    EMAIL = "email"  # sent on its own
    DIGEST = "digest"  # listed in the recipient's next daily digest
    IN_APP = "in_app"  # inbox only


class EmailPreference(enum.StrEnum):
    IMMEDIATE = "immediate"
    DAILY_DIGEST = "daily_digest"
    OFF = "off"


def values(names) -> str:
    return ", ".join(f"'{name}'" for name in names)


class Notification(db.Model):
    """One message to one person, whatever its channel; its inbox entry too.

    `dedupe_key` is the unique key (recipient, kind, offering, week, deadline, and the student
    when the message is about one) written out as text: a UNIQUE index over the columns
    themselves would let rows whose offering is NULL (the digest) repeat, because SQL treats
    NULLs as distinct. Inserting a row whose key exists is a no-op, so two sweeps, or two cron
    processes, never create the same message twice.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"kind IN ({values(KIND_NAMES)})", name="kind"),
        CheckConstraint(f"status IN ({values(Status)})", name="status"),
        CheckConstraint(f"channel IN ({values(Channel)})", name="channel"),
        # The inbox: newest first per recipient.
        Index("ix_notifications_recipient_created", "recipient_id", "created_at"),
        # What workers pick up.
        Index("ix_notifications_status_channel", "status", "channel"),
        Index("ix_notifications_offering_week", "offering_id", "week_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    offering_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_offerings.id", ondelete="CASCADE")
    )
    # The student the message is about, for kinds about one student (at risk).
    student_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # 0 when the message is not about one week (digest, unstaffed offering).
    week_number: Mapped[int] = mapped_column(default=0, nullable=False)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(10), default=Status.PENDING, nullable=False)
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, nullable=False)
    # Which delivery attempt holds the row, and since when (see app/notifications/delivery.py).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    # When a failed attempt gave the row back: its retry job is due within the longest retry
    # delay, and sweeps leave the row to it until then.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    student: Mapped[User | None] = relationship(foreign_keys=[student_id])
    offering: Mapped[CourseOffering | None] = relationship()


class NotificationPreference(db.Model):
    """How one person wants one kind of message by e-mail (in-app is always on)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(f"kind IN ({values(KIND_NAMES)})", name="kind"),
        CheckConstraint(f"email IN ({values(EmailPreference)})", name="email"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    email: Mapped[str] = mapped_column(String(12), nullable=False)


class CalendarFeed(db.Model):
    """A personal secret URL for calendar clients, which cannot send a bearer token.

    Only a SHA-256 of the secret is stored; revoking deletes the row.
    """

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, nullable=False)
