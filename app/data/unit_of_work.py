"""One transaction boundary per unit of work, and the work that waits for its commit.

A unit of work is one HTTP request, one CLI command or one job. Use cases only flush; the unit
commits once at its end (when it has anything to commit), or rolls back if anything in it
raised, so two use cases can share a transaction and a failure leaves nothing written. Work that
must only happen once the data is visible to others (enqueuing a job, sending mail) is registered
with `after_commit` and dropped on rollback. A record that must outlive a refusal (a failed
sign-in) is registered with `after_end`: it is written in a unit of its own once this one has
ended either way, never on a second connection while this one still holds the database (SQLite
would make it wait for the very request that waits for it).
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

log = logging.getLogger(__name__)
PENDING = "after_commit"
ENDED = "after_end"
REACHED_DATABASE = "reached_database"


def after_commit(callback: Callable[[], object]) -> None:
    """Run `callback` once the current unit of work has committed; never if it rolls back."""
    db.session.info.setdefault(PENDING, []).append(callback)


def after_end(callback: Callable[[], object]) -> None:
    """Run `callback` in a unit of work of its own once the current one has ended, whether it
    committed or rolled back."""
    db.session.info.setdefault(ENDED, []).append(callback)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block wrote, then run its after-commit work; roll back on any error.
    Either way, then run its after-end work."""
    try:
        yield
        commit_if_needed()
    except BaseException:
        db.session.rollback()
        db.session.info.pop(PENDING, None)
        run_after_end()
        raise
    finally:
        db.session.info.pop(REACHED_DATABASE, None)
    run_after_commit()
    run_after_end()


@event.listens_for(Session, "after_begin")
def note_database_reached(session: Session, _transaction, _connection) -> None:
    session.info[REACHED_DATABASE] = True


def commit_if_needed() -> None:
    """Commit if the session began a transaction on a connection during the unit, or holds
    changes a flush would send. A request answered without either (a cached answer, whose
    caller's identity came from Redis) skips the commit's bookkeeping; what it holds is expired
    all the same, as a commit would, so a session that outlives it reads what others wrote."""
    session = db.session
    if session.info.get(REACHED_DATABASE) or session.new or session.dirty or session.deleted:
        session.commit()
    else:
        session.expire_all()


def run_after_commit() -> None:
    # The data is committed whatever happens next: a failing callback is logged, not raised,
    # so one broken side effect neither hides the commit nor stops the callbacks after it.
    while callbacks := db.session.info.pop(PENDING, []):
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit work failed: %r", callback)


def run_after_end() -> None:
    # Like after-commit work, a failure here is logged: the unit it follows is over already.
    for callback in db.session.info.pop(ENDED, []):
        try:
            with unit_of_work():
                callback()
        except Exception:
            log.exception("after-end work failed: %r", callback)
