"""activity_log_changes dropped: a log's history is the audit trail's alone

The contract step after c41d8e2a7f60, which copied every row into the trail: ship it in a
release after that one, once no running container still writes the table.

Downgrading recreates the table and fills it again from the trail's events of logs, so the
release before reads the same histories (an event whose offering is gone is left out: the
table's foreign key would refuse it).

Revision ID: 9e0b3f6d2c18
Revises: c41d8e2a7f60
Create Date: 2026-12-07 06:45:00

"""
from alembic import op
import sqlalchemy as sa

import app.data.types


# revision identifiers, used by Alembic.
revision = '9e0b3f6d2c18'
down_revision = 'c41d8e2a7f60'
branch_labels = None
depends_on = None

BATCH = 1000
ENTITY = 'activity_logs'

events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer), sa.column('occurred_at', app.data.types.UTCDateTime),
    sa.column('actor_id', sa.Integer), sa.column('action', sa.String),
    sa.column('entity_type', sa.String), sa.column('entity_id', sa.Integer),
    sa.column('changes', sa.JSON),
)
logs = sa.table(
    'activity_logs',
    sa.column('id', sa.Integer), sa.column('offering_id', sa.Integer),
    sa.column('week_number', sa.Integer),
)
offerings = sa.table('course_offerings', sa.column('id', sa.Integer))


def upgrade():
    with op.batch_alter_table('activity_log_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_log_changes_log_id'))

    op.drop_table('activity_log_changes')


def downgrade():
    changes = op.create_table('activity_log_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log_id', sa.Integer(), nullable=False),
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('week_number', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', app.data.types.UTCDateTime(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_activity_log_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['offering_id'], ['course_offerings.id'], name=op.f('fk_activity_log_changes_offering_id_course_offerings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_log_changes'))
    )
    with op.batch_alter_table('activity_log_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_log_changes_log_id'), ['log_id'], unique=False)

    connection = op.get_bind()
    places = log_places(connection)
    for batch in log_events(connection):
        rows = [as_row(event, places[event.entity_id]) for event in batch
                if event.entity_id in places and event.actor_id is not None]
        if rows:
            connection.execute(sa.insert(changes), rows)


def log_events(connection):
    """The trail's events of logs, oldest first, BATCH at a time."""
    last_id = 0
    while batch := connection.execute(
        sa.select(events)
        .where(events.c.entity_type == ENTITY, events.c.id > last_id)
        .order_by(events.c.id)
        .limit(BATCH)
    ).all():
        last_id = batch[-1].id
        yield batch


def log_places(connection) -> dict:
    """{log id: (offering, week)} for logs that are there and for those whose creation or
    deletion the trail names, if their offering is still there."""
    places = {log.id: (log.offering_id, log.week_number) for log in connection.execute(sa.select(logs))}
    for batch in log_events(connection):
        for event in batch:
            offering, week = (named(event.changes, field) for field in ('offering_id', 'week_number'))
            if offering is not None and week is not None:
                places.setdefault(event.entity_id, (offering, week))
    existing = set(connection.scalars(sa.select(offerings.c.id)))
    return {log: place for log, place in places.items() if place[0] in existing}


def named(changes: dict, field: str):
    return next((value for value in changes.get(field, ()) if value is not None), None)


def as_row(event, place) -> dict:
    offering, week = place
    return {
        'log_id': event.entity_id, 'offering_id': offering, 'week_number': week,
        'action': event.action, 'changed_by_id': event.actor_id,
        'changed_at': event.occurred_at, 'changes': event.changes,
    }
