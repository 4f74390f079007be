"""End-of-module reflections: one per student and offering."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.clock import now
from app.courses.models import CourseOffering
from app.data.types import UTCDateTime
from app.extensions import db

# The three questions, in the order the page asks them.
QUESTIONS = ("went_well", "hardest", "would_help")
# Bounds on each answer, in characters; the page's form uses the same numbers.
ANSWER_MIN_LENGTH = 10
ANSWER_MAX_LENGTH = 2000
RATINGS = range(1, 6)


class Reflection(db.Model):
    """A student's answers about one offering they were enrolled in.

    Answers are stored exactly as typed (any HTML is just text); whoever displays them must
    escape them.
    """

    __tablename__ = "reflections"
    __table_args__ = (
        UniqueConstraint("offering_id", "student_id", name="uq_reflections_offering_student"),
        CheckConstraint(f"rating BETWEEN {RATINGS.start} AND {RATINGS.stop - 1}", name="rating"),
        CheckConstraint("language IN ('en', 'fr')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("course_offerings.id"), nullable=False)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    went_well: Mapped[str] = mapped_column(Text, nullable=False)
    hardest: Mapped[str] = mapped_column(Text, nullable=False)
    would_help: Mapped[str] = mapped_column(Text, nullable=False)
    rating: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, nullable=False)

    offering: Mapped[CourseOffering] = relationship(lazy="joined", innerjoin=True)
    student: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def answers(self) -> dict[str, str]:
        return {question: getattr(self, question) for question in QUESTIONS}
