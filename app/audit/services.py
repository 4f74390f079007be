"""Writing and reading the audit trail. Events are only ever added, never changed."""

from datetime import date, datetime
from enum import Enum

from flask import g, has_request_context, request
from flask_jwt_extended import current_user, get_current_user
from sqlalchemy import ColumnElement, exists, insert, inspect, or_, select

from app.audit.models import AuditEvent
from app.core import clock
from app.data.filters import exact_and_window
from app.data.pagination import newest_first, page_of
from app.data.unit_of_work import after_end
from app.extensions import db

# Never copied into the trail, whatever signal carries them: a hash is still a secret.
SECRET_FIELDS = frozenset({"password", "password_hash", "session_version"})
REDACTED = "(changed)"


def record(action: str, entity, actor=None, changes: dict | None = None) -> None:
    """Add an event for `entity` (a model instance) to the current unit of work: it commits
    or rolls back with the change it describes."""
    entity = unproxied(entity)
    fields = event_fields(action, entity_name(entity), entity.id, actor, changes)
    db.session.add(AuditEvent(**fields))


def record_many(action: str, entity_type: str, entity_ids, actor, changes: dict) -> None:
    """One event per entity in one batched INSERT (imports create thousands at once)."""
    rows = [
        event_fields(action, entity_type, entity_id, actor, changes) for entity_id in entity_ids
    ]
    if rows:
        db.session.execute(insert(AuditEvent), rows)


def record_whatever_happens(
    action: str, entity_type: str, entity_id: int | None, changes: dict
) -> None:
    """Add an event that stays on record even if the current unit of work rolls back (a
    refused sign-in does): written in a unit of its own once the current one has ended."""
    fields = event_fields(action, entity_type, entity_id, None, changes)  # as of now
    after_end(lambda: db.session.execute(insert(AuditEvent), [fields]))


def event_fields(action, entity_type, entity_id, actor, changes) -> dict:
    return {
        "occurred_at": clock.now(),
        "actor_id": getattr(actor, "id", None),
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "changes": as_json(changes or {}),
        **request_origin(),
    }


def request_origin() -> dict:
    """The request id and client address, when there is a request (not for CLI or jobs)."""
    if not has_request_context():
        return {"request_id": None, "client_address": None}
    return {"request_id": g.get("request_id"), "client_address": request.remote_addr}


def unproxied(entity):
    """Routes pass `current_user`, a proxy; the trail needs the model instance behind it."""
    return get_current_user() if entity is current_user else entity


def entity_name(entity) -> str:
    """The entity type is its table's name: `users`, `course_offerings`, `modules`, …"""
    return type(entity).__tablename__


def snapshot(entity, removed: bool = False) -> dict:
    """Every column of a new object as {field: [None, value]}, or of a removed one as
    {field: [value, None]} (secrets left out)."""
    return {
        attribute.key: [value, None] if removed else [None, value]
        for attribute in inspect(unproxied(entity)).mapper.column_attrs
        if attribute.key not in SECRET_FIELDS
        for value in (getattr(entity, attribute.key),)
    }


def as_json(changes: dict) -> dict:
    """{field: [old, new]} with dates as ISO text, enums as values, secrets redacted."""
    return {
        field: [REDACTED, REDACTED] if field in SECRET_FIELDS else [plain(v) for v in values]
        for field, values in changes.items()
    }


def plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(plain(item) for item in value)
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str | dict):
        return value
    return str(value)


# --- reading ---------------------------------------------------------------------------------


def matching(filters: dict) -> list[ColumnElement]:
    exact = ("actor_id", "action", "entity_type", "entity_id", "request_id")
    window = ("occurred_from", "occurred_to")
    return exact_and_window(AuditEvent, filters, exact, AuditEvent.occurred_at, window)


def events_about(entity_type: str, entity_id: int) -> list[AuditEvent]:
    """Everything that happened to one object, oldest first: its history."""
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()


def mentions(entity_type: str, field: str, value: int) -> bool:
    """Whether an event of `entity_type` gave `field` this value, before or after a change
    (whether a log, deleted since, was ever filed for an offering)."""
    named = AuditEvent.changes[field]
    return db.session.scalar(
        select(
            exists().where(
                AuditEvent.entity_type == entity_type,
                or_(named[0].as_integer() == value, named[1].as_integer() == value),
            )
        )
    )


def list_events(filters: dict, pagination) -> list[AuditEvent]:
    """Newest first."""
    statement = (
        select(AuditEvent).where(*matching(filters)).order_by(*newest_first(AuditEvent.occurred_at))
    )
    return page_of(statement, pagination)
