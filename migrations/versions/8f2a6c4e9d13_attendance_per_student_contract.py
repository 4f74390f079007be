"""attendance per student (contract): drop activity_logs.attendance

Run once no container of the release before per-student attendance is left (see
docs/operations.md): lists that release filed meanwhile are converted first, like the others.

Revision ID: 8f2a6c4e9d13
Revises: 3b8e5d1c7a42
Create Date: 2026-12-07 09:05:00

"""
from alembic import context, op
from alembic.script import ScriptDirectory
import sqlalchemy as sa

import app.data.types  # noqa: F401  (custom column types used by the models)


# revision identifiers, used by Alembic.
revision = '8f2a6c4e9d13'
down_revision = '3b8e5d1c7a42'
branch_labels = None
depends_on = None


def expand():
    """The expand revision's module: its conversions are the one definition of both ways."""
    return ScriptDirectory.from_config(context.config).get_revision(down_revision).module


def upgrade():
    expand().convert_boolean_lists(op.get_bind())
    # In place (SQLite 3.35+ drops a column itself): rebuilding the table would drop the old
    # one, and with it, through their foreign key, every attendance record.
    with op.batch_alter_table('activity_logs', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('attendance')


def downgrade():
    with op.batch_alter_table('activity_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendance', sa.JSON(), nullable=True))
    expand().rebuild_boolean_lists(op.get_bind())
