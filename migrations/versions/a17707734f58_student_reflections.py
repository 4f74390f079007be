"""student reflections: one per student and offering

Revision ID: a17707734f58
Revises: fee69c6c22dd
Create Date: 2026-11-25 09:40:20.725426

"""
from alembic import op
import sqlalchemy as sa

import app.data.types  # noqa: F401  (custom column types used by the models)


# revision identifiers, used by Alembic.
revision = 'a17707734f58'
down_revision = 'fee69c6c22dd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reflections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('went_well', sa.Text(), nullable=False),
    sa.Column('hardest', sa.Text(), nullable=False),
    sa.Column('would_help', sa.Text(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('submitted_at', app.data.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("language IN ('en', 'fr')", name=op.f('ck_reflections_language')),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_reflections_rating')),
    sa.ForeignKeyConstraint(['offering_id'], ['course_offerings.id'], name=op.f('fk_reflections_offering_id_course_offerings')),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_reflections_student_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflections')),
    sa.UniqueConstraint('offering_id', 'student_id', name='uq_reflections_offering_student')
    )
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflections_student_id'), ['student_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reflections_student_id'))

    op.drop_table('reflections')
