"""activity_logs: an index holding what a log list filters and sorts on

A page of logs filtered by a checklist status (any item Pending, say) was found by reading every
log row of the trimester, then sorting whole rows. With the offering, the week and the six
checklist items in one index, the count and the page's keys are read from the index alone.

Revision ID: b4e81c2d9f37
Revises: b7e4c2a9d351
Create Date: 2026-12-07 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b4e81c2d9f37'
down_revision = 'b7e4c2a9d351'
branch_labels = None
depends_on = None

COLUMNS = ['offering_id', 'week_number', 'formative_one_grading', 'formative_two_grading',
           'summative_grading', 'course_moderation', 'intranet_sync', 'grade_book_status']


def upgrade():
    op.create_index('ix_activity_logs_offering_checklist', 'activity_logs', COLUMNS)


def downgrade():
    op.drop_index('ix_activity_logs_offering_checklist', table_name='activity_logs')
