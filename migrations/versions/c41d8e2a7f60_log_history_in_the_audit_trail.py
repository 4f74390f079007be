"""log history in the audit trail: change rows the trail lacks are copied into it

A weekly log's history is now read from the audit trail, which has recorded every filing, edit
and deletion of a log since it was added. Rows of activity_log_changes it lacks (those written
before it) are copied into it as events of `activity_logs`; a row the trail already holds (same
log, action, actor and values, written in the same request) is not copied twice.

The table itself is only dropped by the next migration: during a rolling deploy the release
before this one still writes it (and, in the same transaction, the trail).

Revision ID: c41d8e2a7f60
Revises: 5c3e1f0a9b27
Create Date: 2026-12-07 06:26:15

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

import app.data.types


# revision identifiers, used by Alembic.
revision = 'c41d8e2a7f60'
down_revision = '5c3e1f0a9b27'
branch_labels = None
depends_on = None

BATCH = 1000
ENTITY = 'activity_logs'
# A change row and the audit event of the same change were written in one request: the event
# when the change was made, the row when it was flushed, moments later.
SAME_REQUEST = timedelta(minutes=5)

changes = sa.table(
    'activity_log_changes',
    sa.column('id', sa.Integer), sa.column('log_id', sa.Integer),
    sa.column('offering_id', sa.Integer), sa.column('week_number', sa.Integer),
    sa.column('action', sa.String), sa.column('changed_by_id', sa.Integer),
    sa.column('changed_at', app.data.types.UTCDateTime), sa.column('changes', sa.JSON),
)
events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer), sa.column('occurred_at', app.data.types.UTCDateTime),
    sa.column('actor_id', sa.Integer), sa.column('action', sa.String),
    sa.column('entity_type', sa.String), sa.column('entity_id', sa.Integer),
    sa.column('changes', sa.JSON), sa.column('request_id', sa.String),
    sa.column('client_address', sa.String),
)


def upgrade():
    connection = op.get_bind()
    paired = set()  # ids of the trail's events already found to hold a change row
    last_id = 0
    while rows := connection.execute(
        sa.select(changes).where(changes.c.id > last_id).order_by(changes.c.id).limit(BATCH)
    ).all():
        last_id = rows[-1].id
        recorded = events_of_logs(connection, {row.log_id for row in rows})
        missing = [as_event(row) for row in rows if not pair(row, recorded, paired)]
        if missing:
            connection.execute(sa.insert(events), missing)


def downgrade():
    """Nothing to undo: the copies stay (the trail is append-only), and every change is still
    in activity_log_changes, which this migration left as it was."""


def events_of_logs(connection, log_ids) -> dict:
    found = {}
    for event in connection.execute(
        sa.select(events)
        .where(events.c.entity_type == ENTITY, events.c.entity_id.in_(log_ids))
        .order_by(events.c.id)
    ):
        found.setdefault(event.entity_id, []).append(event)
    return found


def pair(row, recorded: dict, paired: set) -> bool:
    """Whether an event not yet paired with another row records this change (it is then
    paired with this one)."""
    for event in recorded.get(row.log_id, ()):
        if event.id not in paired and same_change(row, event):
            paired.add(event.id)
            return True
    return False


def same_change(row, event) -> bool:
    """The trail's event of a creation holds every column of the log, the row only the filed
    values: each of the row's values must be in the event."""
    return (
        event.action == row.action
        and event.actor_id == row.changed_by_id
        and abs(event.occurred_at - row.changed_at) <= SAME_REQUEST
        and all(event.changes.get(field) == values for field, values in row.changes.items())
    )


def as_event(row) -> dict:
    """The row as the trail records a log's change. A creation or deletion also names the log's
    offering and week, as the trail's own do: a deleted log's history is shown to whoever may
    see that offering."""
    written = dict(row.changes)
    if row.action in ('created', 'deleted'):
        for field, value in (('offering_id', row.offering_id), ('week_number', row.week_number)):
            written.setdefault(field, [None, value] if row.action == 'created' else [value, None])
    return {
        'occurred_at': row.changed_at, 'actor_id': row.changed_by_id, 'action': row.action,
        'entity_type': ENTITY, 'entity_id': row.log_id, 'changes': written,
        'request_id': None, 'client_address': None,
    }
