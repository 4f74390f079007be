"""Accounts and their one-to-one role profiles."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import now
from app.data.types import Timestamped, UTCDateTime
from app.extensions import db


class Role(enum.StrEnum):
    MANAGER = "manager"
    FACILITATOR = "facilitator"
    STUDENT = "student"


class User(Timestamped, db.Model):
    __tablename__ = "users"
    # Signing in only moves this generation (see app/data/cache.py), so it does not invalidate every
    # cached answer that names a user; the column is deferred, so only answers that show it
    # read it (and are stamped with that generation).
    CACHE_GENERATIONS = {"last_login_at": "user_sign_ins"}
    __table_args__ = (
        CheckConstraint("role IN ('manager', 'facilitator', 'student')", name="role"),
        CheckConstraint("preferred_language IN ('en', 'fr')", name="preferred_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Binary collation: MariaDB's default would treat "josé" and "jose" as one address.
    email: Mapped[str] = mapped_column(
        String(254).with_variant(mysql.VARCHAR(254, collation="utf8mb4_bin"), "mysql", "mariadb"),
        unique=True,
        nullable=False,
    )
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    is_active: Mapped[bool] = mapped_column(default=True, nullable=False)
    preferred_language: Mapped[str] = mapped_column(String(2), default="en", nullable=False)
    # Bumped when the password changes: tokens carrying an older value stop working.
    session_version: Mapped[int] = mapped_column(default=1, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, deferred=True)

    facilitator_profile: Mapped["FacilitatorProfile | None"] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )
    manager_profile: Mapped["ManagerProfile | None"] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )
    student_profile: Mapped["StudentProfile | None"] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def profile(self):
        # Only the role's own profile is read: each of the three loads with a query of its own.
        return getattr(self, PROFILES[Role(self.role)])


PROFILES = {
    Role.MANAGER: "manager_profile",
    Role.FACILITATOR: "facilitator_profile",
    Role.STUDENT: "student_profile",
}


class FacilitatorProfile(db.Model):
    __tablename__ = "facilitator_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    employee_id: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    specialisation: Mapped[str | None] = mapped_column(String(200))
    # None: FACILITATOR_MAX_OFFERINGS. The row is also what allocations to them lock, so that
    # concurrent allocations count each other's offerings (app/courses/load.py).
    max_offerings_per_trimester: Mapped[int | None] = mapped_column()
    user: Mapped[User] = relationship(back_populates="facilitator_profile")


class UnavailablePeriod(db.Model):
    """Days, both included, when a facilitator cannot teach; the reason is for managers."""

    __tablename__ = "facilitator_unavailability"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="days_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("facilitator_profiles.user_id", ondelete="CASCADE"), nullable=False, index=True
    )
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, nullable=False)


class ManagerProfile(db.Model):
    __tablename__ = "manager_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    department: Mapped[str | None] = mapped_column(String(200))
    user: Mapped[User] = relationship(back_populates="manager_profile")


class StudentProfile(db.Model):
    __tablename__ = "student_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    student_number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    user: Mapped[User] = relationship(back_populates="student_profile")


class PasswordLink(db.Model):
    """A single-use, expiring link to choose a password: "forgot password", or the first
    password of an account a manager created. Only a SHA-256 of the secret is stored."""

    __tablename__ = "password_links"
    __table_args__ = (CheckConstraint("purpose IN ('reset', 'welcome')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    purpose: Mapped[str] = mapped_column(String(8), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()
