"""offering life cycle and facilitator load (expand): offering status, maximum offerings per
trimester, unavailable periods, the cancellation notification kind

Offerings that were active become `active`, or `completed` when they ended before today;
inactive (archived) ones become `cancelled`. `course_offerings.is_active` stays, written from
the status, for the release before, which reads it; a later revision drops it.

Revision ID: b7e4c2a9d351
Revises: a7d3f19c6e52
Create Date: 2026-12-10 09:00:00

"""
from datetime import datetime
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
from flask import current_app

import app.data.types  # noqa: F401  (custom column types used by the models)


# revision identifiers, used by Alembic.
revision = 'b7e4c2a9d351'
down_revision = 'a7d3f19c6e52'
branch_labels = None
depends_on = None

KIND_TABLES = ('notifications', 'notification_preferences')
OLD_KINDS = "kind IN ('at_risk', 'digest', 'due_soon', 'overdue', 'reflection_due', 'unstaffed')"
NEW_KINDS = ("kind IN ('at_risk', 'cancellation', 'digest', 'due_soon', 'overdue', "
             "'reflection_due', 'unstaffed')")
STATUSES = "status IN ('planned', 'active', 'completed', 'cancelled')"

offerings = sa.table(
    'course_offerings', sa.column('status', sa.String), sa.column('is_active', sa.Boolean),
    sa.column('end_date', sa.Date),
)


def upgrade():
    with op.batch_alter_table('facilitator_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_offerings_per_trimester', sa.Integer(), nullable=True))

    op.create_table('facilitator_unavailability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', app.data.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_facilitator_unavailability_days_in_order')),
    sa.ForeignKeyConstraint(['user_id'], ['facilitator_profiles.user_id'], name=op.f('fk_facilitator_unavailability_user_id_facilitator_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facilitator_unavailability'))
    )
    with op.batch_alter_table('facilitator_unavailability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facilitator_unavailability_user_id'), ['user_id'], unique=False)

    # In place: rebuilding course_offerings on SQLite would drop the table every enrolment,
    # log and notification refers to. So the status is added NOT NULL with its default, and its
    # CHECK only where ALTER TABLE can add one (SQLite keeps to the API's own validation).
    with op.batch_alter_table('course_offerings', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='active', nullable=False))
        batch_op.add_column(sa.Column('status_changed_at', app.data.types.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_course_offerings_status_start', ['status', 'start_date'], unique=False)
        batch_op.create_index('ix_course_offerings_load', ['facilitator_id', 'year', 'trimester'], unique=False)
    if op.get_bind().dialect.name != 'sqlite':
        op.create_check_constraint(op.f('ck_course_offerings_status'), 'course_offerings', STATUSES)
    today = datetime.now(ZoneInfo(current_app.config['INSTITUTION_TIMEZONE'])).date()
    op.execute(offerings.update().where(offerings.c.is_active.is_(False)).values(status='cancelled'))
    op.execute(offerings.update().where(offerings.c.is_active.is_(True), offerings.c.end_date < today)
               .values(status='completed'))

    for table in KIND_TABLES:
        change_kinds(table, NEW_KINDS)


def downgrade():
    for table in KIND_TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE kind = 'cancellation'"))
        change_kinds(table, OLD_KINDS)
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_course_offerings_status'), 'course_offerings', type_='check')
    with op.batch_alter_table('course_offerings', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_course_offerings_load')
        batch_op.drop_index('ix_course_offerings_status_start')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('status')
    # Its index goes with it (MariaDB refuses to drop one a foreign key needs first).
    op.drop_table('facilitator_unavailability')
    with op.batch_alter_table('facilitator_profiles', schema=None) as batch_op:
        batch_op.drop_column('max_offerings_per_trimester')


def change_kinds(table, condition):
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_kind'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_kind'), condition)
