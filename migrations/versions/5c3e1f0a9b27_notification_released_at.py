"""notifications.released_at: when a failed attempt gave the row back to its retry job

Revision ID: 5c3e1f0a9b27
Revises: d2b7c9e41a05
Create Date: 2026-11-25 14:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.data.types  # noqa: F401  (custom column types used by the models)


# revision identifiers, used by Alembic.
revision = '5c3e1f0a9b27'
down_revision = 'd2b7c9e41a05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('released_at', app.data.types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_column('released_at')
