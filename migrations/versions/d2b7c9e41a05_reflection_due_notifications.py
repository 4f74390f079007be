"""reflection_due notifications: a kind for students (kind columns widened to 16 characters)

Revision ID: d2b7c9e41a05
Revises: 978ec22618f6
Create Date: 2026-11-25 10:56:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2b7c9e41a05'
down_revision = '978ec22618f6'
branch_labels = None
depends_on = None

TABLES = ('notifications', 'notification_preferences')
OLD_KINDS = "kind IN ('due_soon', 'overdue', 'unstaffed', 'digest')"
NEW_KINDS = "kind IN ('due_soon', 'overdue', 'unstaffed', 'digest', 'reflection_due')"


def upgrade():
    for table in TABLES:
        change_kinds(table, NEW_KINDS, old_length=12, new_length=16)


def downgrade():
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE kind = 'reflection_due'"))
        change_kinds(table, OLD_KINDS, old_length=16, new_length=12)


def change_kinds(table, condition, old_length, new_length):
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=old_length),
                              type_=sa.String(length=new_length), existing_nullable=False)
        batch_op.create_check_constraint(op.f(f'ck_{table}_kind'), condition)
