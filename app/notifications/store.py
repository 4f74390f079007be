"""Recording what a sweep found: a row per message, its channel from the recipient's
preference, and an upsert on the unique dedupe key that leaves live rows alone and revives
cancelled ones, so repeating a sweep, or running two at once, adds nothing, while a message
that became true again (offering reassigned back, log deleted, account reactivated) goes out."""

from datetime import UTC

from sqlalchemy import ColumnElement, Select, and_, case, literal_column, null, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth.models import Role, User
from app.core.clock import now as clock_now
from app.data.persistence import chunked
from app.extensions import db
from app.notifications.models import (
    Channel,
    EmailPreference,
    Notification,
    NotificationPreference,
    Status,
)

TABLE = Notification.__table__
# SQLite takes at most 999 parameters a statement.
KEYS_PER_STATEMENT = 400
CHANNEL_FOR = {
    EmailPreference.IMMEDIATE: Channel.EMAIL,
    EmailPreference.DAILY_DIGEST: Channel.DIGEST,
    EmailPreference.OFF: Channel.IN_APP,
}


# --- recipients and their preferences ---------------------------------------------------------


def preference_join(kind, user_id) -> tuple:
    return (
        NotificationPreference,
        and_(NotificationPreference.user_id == user_id, NotificationPreference.kind == kind.name),
    )


def addressed(statement: Select, kind, recipient_id=None, role: Role | None = None) -> Select:
    """A finder's statement joined to its active recipients, with the columns a row needs:
    recipient_id, preferred_language and their saved e-mail preference for `kind` (None when
    they saved none). The recipients are the users `recipient_id` (a column of the statement)
    names, or every user with `role`, or those of the two that match both."""
    picked = [User.is_active.is_(True)]
    if recipient_id is not None:
        picked.append(User.id == recipient_id)
    if role is not None:
        picked.append(User.role == role)
    return (
        statement.add_columns(
            User.id.label("recipient_id"), User.preferred_language, NotificationPreference.email
        )
        .join(User, and_(*picked))
        .outerjoin(*preference_join(kind, User.id))
    )


def email_preference(user_id: int, kind) -> str:
    """How this person wants this kind by e-mail: what they saved, else the default."""
    saved = db.session.scalar(
        select(NotificationPreference.email).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind.name
        )
    )
    return saved or kind.default_email


# --- rows ---------------------------------------------------------------------------------------


def addressed_row(kind, found, **values) -> dict:
    """The row for a recipient a statement from `addressed` found."""
    return notification_row(
        kind,
        preference=found.email,
        recipient_id=found.recipient_id,
        language=found.preferred_language,
        **values,
    )


def notification_row(kind, *, preference: str | None, **values) -> dict:
    channel = CHANNEL_FOR[EmailPreference(preference or kind.default_email)]
    in_app_only = channel == Channel.IN_APP
    row = {
        "kind": kind.name,
        "channel": channel.value,
        "status": (Status.SENT if in_app_only else Status.PENDING).value,
        "sent_at": clock_now() if in_app_only else None,
        "student_id": None,
        **values,
    }
    row["dedupe_key"] = dedupe_key(row)
    return row


def dedupe_key(row: dict) -> str:
    """(recipient, kind, offering, week, deadline[, student]) as one string: see Notification."""
    deadline = row["deadline"].astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    offering = row["offering_id"] if row["offering_id"] is not None else "-"
    key = f"{row['kind']}:{row['recipient_id']}:{offering}:{row['week_number']}:{deadline}"
    return key if row["student_id"] is None else f"{key}:{row['student_id']}"


# --- the upsert ---------------------------------------------------------------------------------


def insert_new(rows: list[dict]) -> int:
    """Insert the rows whose dedupe key is new, and revive those whose earlier row was
    cancelled (the offering came back to this facilitator, the log was deleted, the account or
    offering reactivated); live rows are left alone. Returns how many were added or revived
    (counted beforehand: two sweeps at the same moment may both count a row; neither doubles
    it)."""
    if not rows:
        return 0
    # In key order, so two sweeps inserting the same rows lock them in the same order and
    # cannot deadlock each other.
    rows = sorted(rows, key=lambda row: row["dedupe_key"])
    added = len(rows) - len(live_keys([row["dedupe_key"] for row in rows]))
    db.session.execute(upsert_reviving_cancelled(db.session.get_bind().dialect.name), rows)
    return added


def live_keys(keys: list[str]) -> set[str]:
    found = set()
    for chunk in chunked(keys, KEYS_PER_STATEMENT):
        found.update(
            db.session.scalars(
                select(Notification.dedupe_key).where(
                    Notification.dedupe_key.in_(chunk), Notification.status != Status.CANCELLED
                )
            )
        )
    return found


def upsert_reviving_cancelled(dialect: str):
    """INSERT … that, on a dedupe key already taken by a cancelled row, makes that row the new
    message again: the sweep's channel, status and language, a fresh creation time, and no
    attempts, error, claim or read mark left from before. Any other existing row is kept."""
    if dialect == "sqlite":
        statement = sqlite_insert(TABLE)
        return statement.on_conflict_do_update(
            index_elements=[TABLE.c.dedupe_key],
            set_=revived_values(statement.excluded),
            where=TABLE.c.status == Status.CANCELLED,
        )
    statement = mysql_insert(TABLE)
    # Constants inline: PyMySQL's multi-row executemany cannot carry parameters in this clause.
    cancelled = TABLE.c.status == inline(Status.CANCELLED.value)
    # MariaDB assigns left to right and later terms see earlier results: status goes last, so
    # every other term still tests the row's old status.
    return statement.on_duplicate_key_update(
        [
            (column, case((cancelled, inline(value)), else_=TABLE.c[column]))
            for column, value in revived_values(statement.inserted).items()
        ]
    )


def inline(value):
    """A constant written into the SQL (only our own enum values and numbers come here)."""
    if value is None:
        return null()
    if isinstance(value, ColumnElement):
        return value
    return literal_column(repr(value))


def revived_values(new) -> dict:
    """Column → value for a revived row; `new` is the row the sweep tried to insert."""
    return {
        "channel": new.channel,
        "language": new.language,
        "created_at": new.created_at,
        "sent_at": new.sent_at,
        "attempts": 0,
        "last_error": None,
        "claimed_at": None,
        "claimed_by": None,
        "read_at": None,
        "status": new.status,  # last: see upsert_reviving_cancelled
    }
