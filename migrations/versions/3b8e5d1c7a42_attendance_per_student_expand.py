"""attendance per student (expand): records, ended enrolments, legacy counts

Weekly logs' `attendance` lists of booleans become one row per student where a list's length
equals the roster of its week (read in roster order: last name, first name, id); any other
list is kept as counts (`legacy_present`, `legacy_recorded`). `activity_logs.attendance` stays,
nullable, for the release before this one; revision 8f2a6c4e9d13 drops it once that release is
gone (converting the lists it wrote meanwhile first).

Revision ID: 3b8e5d1c7a42
Revises: 9e0b3f6d2c18
Create Date: 2026-12-07 09:00:00

"""
from datetime import datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
from flask import current_app

import app.data.types  # noqa: F401  (custom column types used by the models)


# revision identifiers, used by Alembic.
revision = '3b8e5d1c7a42'
down_revision = '9e0b3f6d2c18'
branch_labels = None
depends_on = None

# The tables as this revision knows them (not the models, which move on).
logs = sa.table(
    'activity_logs', sa.column('id', sa.Integer), sa.column('offering_id', sa.Integer),
    sa.column('week_number', sa.Integer), sa.column('attendance', sa.JSON),
    sa.column('legacy_present', sa.Integer), sa.column('legacy_recorded', sa.Integer),
)
offerings = sa.table('course_offerings', sa.column('id', sa.Integer), sa.column('start_date', sa.Date))
enrollments = sa.table(
    'enrollments', sa.column('offering_id', sa.Integer), sa.column('student_id', sa.Integer),
    sa.column('enrolled_at', app.data.types.UTCDateTime),
)
ended = sa.table(
    'ended_enrollments', sa.column('offering_id', sa.Integer), sa.column('student_id', sa.Integer),
    sa.column('enrolled_at', app.data.types.UTCDateTime), sa.column('unenrolled_at', app.data.types.UTCDateTime),
)
users = sa.table(
    'users', sa.column('id', sa.Integer), sa.column('first_name', sa.String),
    sa.column('last_name', sa.String),
)
records = sa.table(
    'attendance_records', sa.column('log_id', sa.Integer), sa.column('student_id', sa.Integer),
    sa.column('status', sa.String),
)


def upgrade():
    # First, while nothing refers to activity_logs yet (SQLite rebuilds the table).
    with op.batch_alter_table('activity_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legacy_present', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('legacy_recorded', sa.Integer(), nullable=True))
        batch_op.alter_column('attendance', existing_type=sa.JSON(), nullable=True)

    op.create_table('ended_enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_at', app.data.types.UTCDateTime(), nullable=False),
    sa.Column('unenrolled_at', app.data.types.UTCDateTime(), nullable=False),
    sa.Column('unenrolled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['offering_id'], ['course_offerings.id'], name=op.f('fk_ended_enrollments_offering_id_course_offerings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_ended_enrollments_student_id_users')),
    sa.ForeignKeyConstraint(['unenrolled_by_id'], ['users.id'], name=op.f('fk_ended_enrollments_unenrolled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ended_enrollments'))
    )
    with op.batch_alter_table('ended_enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ended_enrollments_offering_id'), ['offering_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ended_enrollments_student_id'), ['student_id'], unique=False)

    op.create_table('attendance_records',
    sa.Column('log_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.CheckConstraint("status IN ('present', 'absent', 'excused')", name=op.f('ck_attendance_records_status')),
    sa.ForeignKeyConstraint(['log_id'], ['activity_logs.id'], name=op.f('fk_attendance_records_log_id_activity_logs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_attendance_records_student_id_users')),
    sa.PrimaryKeyConstraint('log_id', 'student_id', name=op.f('pk_attendance_records'))
    )
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_records_student_id', ['student_id'], unique=False)

    convert_boolean_lists(op.get_bind())


def downgrade():
    rebuild_boolean_lists(op.get_bind())
    # Their indexes go with them (MariaDB refuses to drop one a foreign key needs first).
    op.drop_table('attendance_records')
    op.drop_table('ended_enrollments')
    with op.batch_alter_table('activity_logs', schema=None) as batch_op:
        batch_op.alter_column('attendance', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('legacy_recorded')
        batch_op.drop_column('legacy_present')


# --- the data --------------------------------------------------------------------------------


def convert_boolean_lists(bind) -> None:
    """Every non-empty list not converted yet (no rows, no counts) becomes rows when its length
    equals its week's roster, else counts. Offering by offering: one read of its enrolments."""
    zone = ZoneInfo(current_app.config["INSTITUTION_TIMEZONE"])
    converted = sa.select(records.c.log_id).distinct()
    pending = bind.execute(
        sa.select(logs.c.id, logs.c.offering_id, logs.c.week_number, logs.c.attendance,
                  offerings.c.start_date)
        .join(offerings, offerings.c.id == logs.c.offering_id)
        .where(logs.c.attendance.is_not(None), logs.c.legacy_recorded.is_(None),
               logs.c.id.not_in(converted))
        .order_by(logs.c.offering_id, logs.c.week_number)
    ).all()
    for offering_id, group in groupby(pending, key=lambda log: log.offering_id):
        periods = enrolment_periods(bind, offering_id)
        rows = []
        for log in group:
            if not log.attendance:
                continue
            students = week_roster(periods, *week_bounds(zone, log.start_date, log.week_number))
            if len(students) == len(log.attendance):
                rows += [{'log_id': log.id, 'student_id': student,
                          'status': 'present' if here else 'absent'}
                         for student, here in zip(students, log.attendance)]
            else:
                bind.execute(
                    logs.update().where(logs.c.id == log.id).values(
                        legacy_present=sum(1 for here in log.attendance if here is True),
                        legacy_recorded=len(log.attendance),
                    )
                )
        if rows:
            bind.execute(records.insert(), rows)


def enrolment_periods(bind, offering_id: int) -> list:
    """(student, name order, enrolled at, unenrolled at or None) for one offering."""
    current = sa.select(enrollments.c.student_id, enrollments.c.enrolled_at,
                        sa.null().label('unenrolled_at')).where(enrollments.c.offering_id == offering_id)
    past = sa.select(ended.c.student_id, ended.c.enrolled_at, ended.c.unenrolled_at).where(
        ended.c.offering_id == offering_id
    )
    periods = sa.union_all(current, past).subquery()
    return bind.execute(
        sa.select(periods.c.student_id, users.c.last_name, users.c.first_name,
                  periods.c.enrolled_at, periods.c.unenrolled_at)
        .join(users, users.c.id == periods.c.student_id)
    ).all()


def week_bounds(zone: ZoneInfo, start_date, week_number: int) -> tuple[datetime, datetime]:
    begins = start_date + timedelta(days=7 * (week_number - 1))
    return tuple(datetime.combine(day, time(), tzinfo=zone) for day in (begins, begins + timedelta(7)))


def week_roster(periods: list, begins: datetime, ends: datetime) -> list[int]:
    """Enrolled before the week ended, not unenrolled before it began; by name, then id."""
    during = {
        (period.last_name, period.first_name, period.student_id)
        for period in periods
        if aware(period.enrolled_at) < ends
        and (period.unenrolled_at is None or aware(period.unenrolled_at) >= begins)
    }
    return [student for *_name, student in sorted(during)]


def aware(moment) -> datetime:
    """A union's column may come back as the driver's naive UTC value (or text on SQLite)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo('UTC'))


def rebuild_boolean_lists(bind) -> None:
    """For the release before: lists again, from rows (present → true, by name) or counts."""
    converted = bind.execute(
        sa.select(records.c.log_id, records.c.status)
        .join(users, users.c.id == records.c.student_id)
        .order_by(records.c.log_id, users.c.last_name, users.c.first_name, users.c.id)
    ).all()
    for log_id, group in groupby(converted, key=lambda row: row.log_id):
        bind.execute(logs.update().where(logs.c.id == log_id).values(
            attendance=[row.status == 'present' for row in group]))
    counted = bind.execute(
        sa.select(logs.c.id, logs.c.legacy_present, logs.c.legacy_recorded)
        .where(logs.c.legacy_recorded.is_not(None))
    ).all()
    for log in counted:
        present = log.legacy_present or 0
        bind.execute(logs.update().where(logs.c.id == log.id).values(
            attendance=[True] * present + [False] * (log.legacy_recorded - present)))
    bind.execute(logs.update().where(logs.c.attendance.is_(None)).values(attendance=[]))
