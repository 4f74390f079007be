"""Set-password links: "forgot password", and the first password of an account a manager
created. The secret is made by the job that e-mails it, so it exists only in that e-mail (never
in a queued job's arguments, which Redis keeps); the database holds its SHA-256.

The request endpoint does the same work whatever the address: it queues one job with the
address after the commit, and the job finds out whether an active account has it.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy import select, update

from app.auth.models import PasswordLink, User
from app.auth.services import find_user_by_email, hash_password, normalise_email
from app.config import retry_delays
from app.core import clock
from app.core.exceptions import Invalid
from app.core.i18n import _
from app.core.signals import user_changed
from app.data.unit_of_work import after_commit, unit_of_work
from app.extensions import db, redis_store
from app.notifications import mail
from app.notifications.queue import QUEUE

log = logging.getLogger(__name__)
SEND = "workers.jobs.send_password_link"
RESET, WELCOME = "reset", "welcome"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


# --- asking for a link -----------------------------------------------------------------------


def request_link(email: str, purpose: str = RESET) -> None:
    """Queue the e-mail once the unit of work commits; the same for any address."""
    address = normalise_email(email)
    after_commit(lambda: enqueue(address, purpose))


def enqueue(address: str, purpose: str) -> None:
    """Retried like reminders when the mail server refuses or cannot be reached; each attempt
    makes a fresh link (the undelivered one is retired). A job that failed for good can be
    requeued by a manager (`POST /api/v1/admin/queues/failed/requeue`)."""
    delays = retry_delays(current_app.config["REMINDER_RETRY_DELAYS"])
    try:
        redis_store.queue(QUEUE).enqueue(
            SEND,
            address,
            purpose,
            retry=Retry(max=len(delays), interval=delays) if delays else None,
            result_ttl=0,
            failure_ttl=current_app.config["REMINDER_FAILED_JOB_DAYS"] * 86400,
            description=f"password link ({purpose})",
        )
    except RedisError as error:  # the caller still hears 202: asking again is the remedy
        log.warning("could not queue a password link: %s", error)


# --- the job ---------------------------------------------------------------------------------


def send_link(address: str, purpose: str) -> bool:
    """Make a link for the active account with this address and e-mail it; False when there
    is no such account. A new link replaces the person's unused ones."""
    with unit_of_work():
        user = find_user_by_email(address)
        if user is None or not user.is_active:
            return False
        secret = issue(user, purpose)
        message = compose(user, purpose, secret)
    with mail.transport() as transport:
        transport.send(message)
    return True


def issue(user: User, purpose: str) -> str:
    moment = clock.now()
    retire_links(user.id, moment)
    secret = secrets.token_urlsafe(32)
    lifetime = timedelta(hours=current_app.config["PASSWORD_RESET_HOURS"])
    db.session.add(
        PasswordLink(
            user_id=user.id,
            token_hash=digest(secret),
            purpose=purpose,
            created_at=moment,
            expires_at=moment + lifetime,
        )
    )
    return secret


def retire_links(user_id: int, moment) -> None:
    db.session.execute(
        update(PasswordLink)
        .where(PasswordLink.user_id == user_id, PasswordLink.used_at.is_(None))
        .values(used_at=moment)
    )


def compose(user: User, purpose: str, secret: str):
    """A plain-text and HTML message in the person's language."""
    config = current_app.config
    values = {
        "recipient_name": user.first_name,
        "lang": user.preferred_language,
        "link": config["PASSWORD_LINK_URL"] + secret,
        "token": secret,
        "hours": config["PASSWORD_RESET_HOURS"],
        "email": user.email,
        "docs_url": config["PUBLIC_BASE_URL"].rstrip("/") + "/docs",
    }
    with force_locale(user.preferred_language):
        title = _("Choose your password") if purpose == WELCOME else _("Reset your password")
        text, html = mail.bodies(f"password_{purpose}", title, values)
    return mail.envelope(user, user.preferred_language, title, text, html,
                         f"password-{purpose}", f"password-{purpose}")  # fmt: skip


# --- using a link ----------------------------------------------------------------------------


def confirm(secret: str, new_password: str) -> User:
    """Set the password through a link: it works once and not after it expires. Every session
    of the account ends, like a password change."""
    moment = clock.now()
    link = db.session.scalar(
        select(PasswordLink).where(PasswordLink.token_hash == digest(secret)).with_for_update()
    )
    usable = link and link.used_at is None and link.expires_at > moment and link.user.is_active
    if not usable:
        raise Invalid({"token": [_("This link is wrong, used or expired: ask for a new one.")]})
    user = link.user
    user.password_hash = hash_password(new_password)
    db.session.execute(
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )
    retire_links(user.id, moment)
    db.session.refresh(user)
    user_changed.send(user, actor=user, changes={"password": (None, None)}, via=link.purpose)
    return user
