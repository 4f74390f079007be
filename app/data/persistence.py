"""What the database's refusals mean: unique keys decide duplicates, race-safe (no
check-then-insert), and this names who holds one; a lock conflict may simply be run again."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import UniqueConstraint, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.core.exceptions import Conflict
from app.core.i18n import _
from app.extensions import db

# MySQL/MariaDB errors after which the same unit of work can simply be run again: a row lock
# waited for longer than DATABASE_LOCK_WAIT_SECONDS (1205), and a transaction chosen as a
# deadlock's victim (1213). The transaction has been rolled back whole, so nothing was written.
LOCK_CONFLICTS = frozenset({1205, 1213})


def is_lock_conflict(error: OperationalError) -> bool:
    """Whether the database gave up on this transaction over a lock, rather than being down."""
    return error.orig is not None and bool(error.orig.args) and error.orig.args[0] in LOCK_CONFLICTS


@contextmanager
def unique_or_conflict(
    message: str, existing_as: str | None = None, savepoint: bool = True
) -> Iterator[None]:
    """Make the writes in the block in a savepoint; if a unique key refuses them, raise Conflict.

    `message` (translated) may name `{field}`, the key's first column, and `{id}`, the row that
    holds the key. `errors` carry that id as `existing_as` when given, else mark the field as
    taken. Any other integrity error is raised as it is. Only the block's writes are undone (a
    savepoint), so the rest of the unit of work may go on. A caller whose Conflict ends its unit
    of work anyway (a request that writes one thing) passes `savepoint=False`: two statements
    fewer per write, and a refusal rolls back the whole transaction.
    """
    # Earlier writes are flushed first either way, so their own errors are never this block's.
    db.session.flush()
    undo = db.session.begin_nested() if savepoint else db.session
    keys = []
    try:
        yield
        keys = unique_keys([*db.session.new, *db.session.dirty])  # read before a rollback
        db.session.flush()
    except IntegrityError as error:
        undo.rollback()
        for model, constraint, values in keys:
            if refused_by(error, constraint):
                raise duplicate(model, values, message, existing_as) from error
        raise
    except BaseException:
        undo.rollback()
        raise
    if savepoint:
        undo.commit()


def unique_keys(entities) -> list[tuple]:
    """(model, constraint, {column: value}) for every unique key of these entities."""
    return [
        (type(entity), constraint, {column.key: getattr(entity, column.key)
                                    for column in constraint.columns})
        for entity in entities
        for constraint in type(entity).__table__.constraints
        if isinstance(constraint, UniqueConstraint)
    ]  # fmt: skip


def refused_by(error: IntegrityError, constraint: UniqueConstraint) -> bool:
    """MySQL/MariaDB name the constraint; SQLite names `table.column` of its columns."""
    first = next(iter(constraint.columns))
    markers = (str(constraint.name), f"{constraint.table.name}.{first.name}")
    return any(marker in str(error.orig) for marker in markers)


def duplicate(model, values: dict, message: str, existing_as: str | None) -> Conflict:
    # The primary key, whatever it is called (profiles are keyed by user_id).
    existing = db.session.scalar(select(*db.inspect(model).primary_key).filter_by(**values))
    field = next(iter(values))
    errors = {existing_as: existing} if existing_as else {field: [_("Already taken.")]}
    return Conflict(message.format(field=field, id=existing), errors)


def chunked(items: list, size: int) -> Iterator[list]:
    """`items` in pieces of at most `size`: statements and jobs take lists only so long."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
