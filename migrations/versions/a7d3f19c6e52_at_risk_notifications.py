"""at_risk notifications: a kind for facilitators, and the student a notification is about

Revision ID: a7d3f19c6e52
Revises: 8f2a6c4e9d13
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3f19c6e52'
down_revision = '8f2a6c4e9d13'
branch_labels = None
depends_on = None

TABLES = ('notifications', 'notification_preferences')
OLD_KINDS = "kind IN ('digest', 'due_soon', 'overdue', 'reflection_due', 'unstaffed')"
NEW_KINDS = "kind IN ('at_risk', 'digest', 'due_soon', 'overdue', 'reflection_due', 'unstaffed')"


def upgrade():
    for table in TABLES:
        change_kinds(table, NEW_KINDS)
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('student_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_notifications_student_id_users'), 'users',
                                    ['student_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_constraint(op.f('fk_notifications_student_id_users'), type_='foreignkey')
        batch_op.drop_column('student_id')
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE kind = 'at_risk'"))
        change_kinds(table, OLD_KINDS)


def change_kinds(table, condition):
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_kind'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_kind'), condition)
