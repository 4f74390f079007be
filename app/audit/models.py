"""The audit trail: one append-only table of who did what to which object, and when."""

from datetime import datetime

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from app.data.types import UTCDateTime
from app.extensions import db


class AuditEvent(db.Model):
    """One thing that happened. Rows are only ever inserted (see `refuse_rewrites`).

    `actor_id` and `entity_id` carry no foreign keys on purpose: the trail must outlive the
    people and objects it talks about, and a cascading delete or SET NULL would rewrite it.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        # Each index matches one list filter followed by the sort (newest first).
        Index("ix_audit_events_occurred", "occurred_at"),
        Index("ix_audit_events_actor_occurred", "actor_id", "occurred_at"),
        Index("ix_audit_events_entity_occurred", "entity_type", "entity_id", "occurred_at"),
        Index("ix_audit_events_action_occurred", "action", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[int | None] = mapped_column()
    # {field: [old, new]}; passwords appear as a marker, never a value or hash.
    changes: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_address: Mapped[str | None] = mapped_column(String(45))  # an IPv6 address fits


class AppendOnly(RuntimeError):
    """Code tried to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def refuse_rewrites(mapper, connection, target: AuditEvent) -> None:
    raise AppendOnly(f"audit event {target.id} is append-only")


@event.listens_for(Session, "do_orm_execute")
def refuse_bulk_rewrites(state: ORMExecuteState) -> None:
    """The same for UPDATE and DELETE statements, which bypass the per-object events."""
    rewrites = state.is_update or state.is_delete
    if rewrites and state.statement.table.name == AuditEvent.__tablename__:
        raise AppendOnly("audit events are append-only")
