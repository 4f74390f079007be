"""Account and token use cases. They flush; the unit of work commits."""

import json
import secrets
import unicodedata
from datetime import timedelta
from uuid import uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError
from sqlalchemy import select, update
from sqlalchemy.orm import make_transient_to_detached

from app.api import rate_limits
from app.auth.models import FacilitatorProfile, ManagerProfile, Role, StudentProfile, User
from app.core import clock
from app.core.exceptions import Invalid, NotAuthenticated
from app.core.i18n import _
from app.core.signals import sign_in_failed, user_changed, user_created, user_signed_in
from app.data import cache
from app.data.persistence import unique_or_conflict
from app.extensions import db, jwt, redis_store

# --- passwords -------------------------------------------------------------------------------


def password_hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("password_hasher")
    if hasher is None:
        config = current_app.config
        hasher = PasswordHasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_COST_KIB"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
        # Verified against when the email is unknown, so both paths cost the same.
        current_app.extensions["password_hasher"] = hasher
        current_app.extensions["decoy_hash"] = hasher.hash("decoy password for unknown emails")
    return hasher


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return password_hasher().verify(stored_hash, password)
    except VerificationError:
        return False
    except InvalidHashError:
        # An unusable password (an imported account before its first set-password link) costs
        # a full check as well, so sign-in timing does not tell such accounts apart.
        password_matches(decoy_hash(), password)
        return False


# --- accounts --------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """One spelling per address: composed Unicode (NFC), trimmed, lower-case."""
    return unicodedata.normalize("NFC", email).strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    *,
    role: Role,
    email: str,
    first_name: str,
    last_name: str,
    password: str | None = None,
    preferred_language: str = "en",
    employee_id: str | None = None,
    specialisation: str | None = None,
    student_number: str | None = None,
    department: str | None = None,
    actor: User | None = None,
) -> User:
    """Create an account with its role profile; a taken email or number is a 409.

    `actor` is the manager creating it (None for self-registration and the CLI). Without a
    password the account gets a random one nobody knows: it cannot sign in until its owner
    sets one through an e-mailed link (app/auth/password_links.py)."""
    user = User(
        role=role.value,
        email=normalise_email(email),
        password_hash=hash_password(password or secrets.token_urlsafe(32)),
        first_name=first_name,
        last_name=last_name,
        preferred_language=preferred_language,
    )
    taken = _("An account with this {field} already exists.")
    with unique_or_conflict(taken):
        db.session.add(user)
    # Flushed apart: a generated staff or student number is made of the user's id.
    with unique_or_conflict(taken):
        db.session.add(build_profile(user, employee_id, specialisation, student_number, department))
    user_created.send(user, actor=actor)
    return user


def build_profile(user, employee_id, specialisation, student_number, department):
    if user.role == Role.FACILITATOR:
        return FacilitatorProfile(
            user=user,
            employee_id=employee_id or f"F{user.id:07d}",
            specialisation=specialisation,
        )
    if user.role == Role.STUDENT:
        return StudentProfile(user=user, student_number=student_number or f"S{user.id:07d}")
    return ManagerProfile(user=user, department=department)


def register_student(data: dict) -> User:
    data.pop("role", None)
    return create_user(role=Role.STUDENT, **data)


def update_profile(user: User, changes: dict) -> User:
    """The signed-in user changes their own names or language."""
    changed = {
        field: (getattr(user, field), value)
        for field, value in changes.items()
        if getattr(user, field) != value
    }
    for field, (_old, new) in changed.items():
        setattr(user, field, new)
    if changed:
        user_changed.send(user, actor=user, changes=changed)
        db.session.flush()  # the response shows the new updated_at
    return user


def authenticate(email: str, password: str) -> User:
    """The user behind these credentials, or a 401; unknown emails cost a full hash check too."""
    user = find_user_by_email(email)
    stored_hash = user.password_hash if user else decoy_hash()
    if not password_matches(stored_hash, password) or user is None:
        reason = "wrong_password" if user else "unknown_email"
        sign_in_failed.send(normalise_email(email), user=user, reason=reason)
        raise NotAuthenticated(_("Email or password is incorrect."))
    if not user.is_active:
        sign_in_failed.send(user.email, user=user, reason="deactivated")
        raise NotAuthenticated(_("This account is deactivated."))
    if password_hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = clock.now()
    user_signed_in.send(user)
    return user


def decoy_hash() -> str:
    password_hasher()
    return current_app.extensions["decoy_hash"]


def change_password(user: User, current_password: str, new_password: str) -> dict:
    """Set a new password, end every other session, and hand back a fresh token pair."""
    if not password_matches(user.password_hash, current_password):
        raise Invalid({"current_password": [_("The current password is incorrect.")]})
    if current_password == new_password:
        raise Invalid({"new_password": [_("Choose a password you are not using now.")]})
    user.password_hash = hash_password(new_password)
    # Incremented in SQL, so two concurrent changes cannot both land on the same version.
    db.session.execute(
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )
    db.session.refresh(user)
    user_changed.send(user, actor=user, changes={"password": (None, None)})
    return issue_tokens(user)


# --- tokens ----------------------------------------------------------------------------------
#
# Every sign-in opens a session (`sid`) shared by its access and refresh tokens; rotation keeps
# the session. Revoking a token stores its id, revoking a session stores the session id, each in
# Redis with a time-to-live equal to what is left of the longest token it covers.

REVOKED_TOKEN = "cmp:auth:revoked:token:{}"
REVOKED_SESSION = "cmp:auth:revoked:session:{}"


def issue_tokens(user: User, session_id: str | None = None) -> dict:
    claims = {"role": user.role, "sv": user.session_version, "sid": session_id or uuid4().hex}
    identity = str(user.id)
    lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": create_access_token(identity=identity, additional_claims=claims),
        "refresh_token": create_refresh_token(identity=identity, additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": int(lifetime.total_seconds()),
        "user": user,
    }


def seconds_left(payload: dict, fallback: timedelta) -> int:
    current = clock.now().timestamp()
    expires = payload.get("exp") or current + fallback.total_seconds()
    return max(int(expires - current) + 1, 1)


def revoke_token(payload: dict) -> bool:
    """Revoke one token; False if it was revoked already.

    SET NX makes this the arbiter when two requests race to rotate one refresh token.
    """
    ttl = seconds_left(payload, current_app.config["JWT_REFRESH_TOKEN_EXPIRES"])
    return bool(redis_store.client().set(REVOKED_TOKEN.format(payload["jti"]), 1, nx=True, ex=ttl))


def revoke_session(payload: dict) -> None:
    """End the session a token belongs to: its access and refresh tokens alike."""
    ttl = int(current_app.config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds())
    redis_store.client().set(REVOKED_SESSION.format(payload["sid"]), 1, ex=ttl)


def rotate_refresh_token(payload: dict, user: User) -> dict:
    if not revoke_token(payload):  # lost a race with another use of the same token
        refresh_token_reused(payload)
        raise NotAuthenticated(_("The token has been revoked."))
    return issue_tokens(user, session_id=payload["sid"])


def refresh_token_reused(payload: dict) -> None:
    """A refresh token that was already exchanged came back: someone holds a copy. The whole
    family (every token of its session, the ones rotated from it included) ends, as RFC 9700
    §4.14.2 advises; the rightful holder signs in again."""
    revoke_session(payload)


def logout(access_payload: dict, user: User, refresh_token: str | None) -> None:
    """End this session; a refresh token sent along ends its session too (if it is yours)."""
    refresh_payload = decode_own_refresh_token(refresh_token, user) if refresh_token else None
    for payload in filter(None, (access_payload, refresh_payload)):
        revoke_session(payload)


def decode_own_refresh_token(token: str, user: User) -> dict:
    try:
        payload = decode_token(token, allow_expired=True)
    except (PyJWTError, JWTExtendedException):
        payload = None
    if not payload or payload.get("type") != "refresh" or payload.get("sub") != str(user.id):
        raise Invalid({"refresh_token": [_("Not a refresh token of yours.")]})
    return payload


# What every signed-in request needs to know about its caller. The password hash is never
# copied to Redis: it is loaded from the database on the rare request that reads it.
IDENTITY = ("id", "email", "first_name", "last_name", "role", "is_active",
            "preferred_language", "session_version")  # fmt: skip
IDENTITY_TABLES = ("users",)


def identity_name(user_id: int | None) -> str:
    return f"identity:{user_id}"


def known_user(user_id: int | None, also=None) -> tuple[User | None, list]:
    """The user, built from a cached copy of their identity while the users table is unchanged,
    so a signed-in request that only needs who the caller is makes no query for it; and the
    results of the Redis commands `also` adds to that one round trip."""
    read_now = []

    def identity() -> bytes:
        user = db.session.get(User, user_id) if user_id is not None else None
        read_now.append(user)
        return identity_of(user)

    cached, other_results = cache.remembered(
        identity_name(user_id), IDENTITY_TABLES, identity, also
    )
    if read_now:  # a whole row, read just now to make the copy
        return read_now[0], other_results
    snapshot = json.loads(cached)
    if snapshot is None:
        return None, other_results
    user = User(**snapshot)
    make_transient_to_detached(user)  # as if loaded: attributes not copied load on access
    return db.session.merge(user, load=False), other_results


def identity_of(user: User | None) -> bytes:
    snapshot = {name: getattr(user, name) for name in IDENTITY} if user else None
    return json.dumps(snapshot).encode()


@jwt.token_in_blocklist_loader
def token_is_revoked(header: dict, payload: dict) -> bool:
    """Revoked: the token, its session, or every token from before a password change. The
    revocation keys and the caller's identity are read in one round trip to Redis, which also
    fetches the answer a cached view would look up for this caller (`cache.prefetch_answer`)
    and counts the request against the user's general rate limit (`rate_limits.charge`)."""
    keys = (REVOKED_TOKEN.format(payload["jti"]), REVOKED_SESSION.format(payload.get("sid")))
    subject = payload.get("sub")
    user_id = int(subject) if isinstance(subject, str) and subject.isdigit() else None
    prefetched = []

    def also(pipeline) -> None:
        pipeline.exists(*keys)
        prefetched.append(cache.prefetch_answer(pipeline, user_id, payload.get("role")))
        if user_id is not None:
            rate_limits.charge(pipeline, rate_limits.user_key(user_id))

    g.token_user, other_results = known_user(user_id, also)
    revoked, *answer = rate_limits.received(other_results)
    prefetched[0](answer)
    if revoked:
        if payload.get("type") == "refresh":
            refresh_token_reused(payload)
        return True
    user = g.token_user
    return user is not None and user.session_version != payload.get("sv")


@jwt.user_lookup_loader
def load_token_user(header: dict, payload: dict) -> User | None:
    """Deleted and deactivated users' tokens stop working on their next request. (The
    revocation check, which runs first, found the user.)"""
    user = g.get("token_user")
    return user if user is not None and user.is_active else None
