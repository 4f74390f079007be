"""Managers' account use cases: find, read, create and change people.

Every write sends `user_created` / `user_changed`, so the audit trail (and any other room
that cares) hears about it in the same unit of work.
"""

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import selectinload, undefer

from app.auth import password_links
from app.auth import services as auth_services
from app.auth.models import (
    FacilitatorProfile,
    ManagerProfile,
    Role,
    StudentProfile,
    UnavailablePeriod,
    User,
)
from app.core import clock, signals
from app.core.exceptions import Conflict, Invalid, NotFound
from app.core.i18n import _
from app.courses.models import CourseOffering
from app.data.pagination import page_of
from app.data.persistence import unique_or_conflict
from app.extensions import db

# The profile row each role keeps, and the fields it holds.
PROFILES = {
    Role.MANAGER: (ManagerProfile, ("department",)),
    Role.FACILITATOR: (
        FacilitatorProfile,
        ("employee_id", "specialisation", "max_offerings_per_trimester"),
    ),
    Role.STUDENT: (StudentProfile, ("student_number",)),
}
PROFILE_FIELDS = frozenset(name for _model, names in PROFILES.values() for name in names)
ACCOUNT_FIELDS = ("first_name", "last_name", "preferred_language", "role", "is_active")


# --- reading ---------------------------------------------------------------------------------


def people_query(filters: dict) -> Select:
    statement = (
        select(User)
        .outerjoin(FacilitatorProfile, FacilitatorProfile.user_id == User.id)
        .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
        .options(*(selectinload(getattr(User, f"{role.value}_profile")) for role in Role))
        .options(undefer(User.last_login_at))
        .where(*matching(filters))
    )
    return statement.order_by(User.last_name, User.first_name, User.id)


def matching(filters: dict) -> list[ColumnElement]:
    conditions = [getattr(User, name) == filters[name] for name in ("role", "is_active")
                  if name in filters]  # fmt: skip
    if "q" in filters:
        searched = (
            User.first_name + " " + User.last_name,
            User.email,
            FacilitatorProfile.employee_id,
            StudentProfile.student_number,
        )
        conditions.append(or_(*(c.icontains(filters["q"], autoescape=True) for c in searched)))
    return conditions


def list_people(filters: dict, pagination) -> list[User]:
    return page_of(people_query(filters), pagination)


def find_person(email: str) -> User:
    user = auth_services.find_user_by_email(email)
    if user is None:
        raise NotFound(_("No such account."))
    return user


def get_person(user_id: int, for_update: bool = False) -> User:
    statement = select(User).where(User.id == user_id).options(undefer(User.last_login_at))
    if for_update:
        # The row as the lock finds it, even when the session already holds this account (the
        # signed-in manager's own, built from the identity cache).
        statement = statement.with_for_update().execution_options(populate_existing=True)
    user = db.session.scalar(statement)
    if user is None:
        raise NotFound(_("No such account."))
    return user


def person_with_offerings(user_id: int) -> User:
    """The account; a facilitator's comes with `current_offerings` (not cancelled, not yet
    ended) and the periods they are `unavailable`."""
    user = get_person(user_id)
    is_facilitator = user.role == Role.FACILITATOR
    user.current_offerings = current_offerings(user.id) if is_facilitator else []
    user.unavailable = unavailable_periods(user.id) if is_facilitator else []
    return user


def current_offerings(facilitator_id: int) -> list[CourseOffering]:
    return db.session.scalars(
        select(CourseOffering)
        .where(
            CourseOffering.facilitator_id == facilitator_id,
            CourseOffering.is_active.is_(True),
            CourseOffering.end_date >= clock.now().date(),
        )
        .order_by(CourseOffering.start_date, CourseOffering.id)
    ).all()


# --- writing ---------------------------------------------------------------------------------


def create_person(data: dict, manager: User) -> User:
    """A staff or student account with its profile; a taken email or number is a 409.

    Without a chosen password the person is e-mailed a link to set their own, after commit."""
    role = Role(data.pop("role"))
    check_profile_fields(role, data)
    maximum = data.pop("max_offerings_per_trimester", None)
    user = auth_services.create_user(role=role, actor=manager, **data)
    if maximum is not None:
        user.facilitator_profile.max_offerings_per_trimester = maximum
    if not data.get("password"):
        password_links.request_link(user.email, password_links.WELCOME)
    return user


def update_person(user_id: int, changes: dict, manager: User) -> User:
    """Change names, language, role (the profile row follows), profile fields or `is_active`.

    The account row is locked, so two managers changing one person take turns; demoting or
    deactivating a manager also locks every active manager (see `keep_a_manager`).
    """
    # Locks are always taken in one order (active managers, then this account), so two
    # requests never hold each other's next lock.
    managers = lock_active_managers() if demotes_or_deactivates(changes) else []
    user = get_person(user_id, for_update=True)
    new_role = Role(changes.get("role", user.role))
    check_profile_fields(new_role, changes)
    if user.role == Role.MANAGER and (
        new_role != Role.MANAGER or changes.get("is_active") is False
    ):
        keep_a_manager(user, managers)
    if new_role != user.role:
        check_no_current_offerings(user)
    diff = account_diff(user, changes) | profile_diff(user, new_role, changes)
    with unique_or_conflict(_("An account with this {field} already exists.")):
        apply_changes(user, new_role, changes)
    if diff:
        signals.user_changed.send(user, actor=manager, changes=diff)
    return user


def check_profile_fields(role: Role, data: dict) -> None:
    """Profile fields of another role's profile are refused (422), not silently dropped."""
    foreign = sorted(PROFILE_FIELDS.intersection(data).difference(PROFILES[role][1]))
    if foreign:
        message = _("Not a field of the {role} profile.").format(role=role.value)
        raise Invalid({name: [message] for name in foreign})


def demotes_or_deactivates(changes: dict) -> bool:
    return "role" in changes or changes.get("is_active") is False


def lock_active_managers() -> list[int]:
    """Every active manager's id, their rows locked (in id order, so concurrent requests
    queue instead of deadlocking) until the unit of work ends."""
    return db.session.scalars(
        select(User.id)
        .where(User.role == Role.MANAGER, User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()


def keep_a_manager(leaving: User, active_managers: list[int]) -> None:
    """Refuse to demote or deactivate the last active manager. The active managers were
    counted under their row locks: two managers stepping down at once take turns, and the
    second sees the first's change."""
    if not set(active_managers) - {leaving.id}:
        raise Conflict(_("This is the last active manager account; appoint another first."))


def check_no_current_offerings(user: User) -> None:
    if user.role != Role.FACILITATOR:
        return
    offerings = [offering.id for offering in current_offerings(user.id)]
    if offerings:
        raise Conflict(
            _("This facilitator still runs {count} offering(s); reassign them first.").format(
                count=len(offerings)
            ),
            {"course_offering_ids": offerings},
        )


def account_diff(user: User, changes: dict) -> dict:
    return {
        field: (getattr(user, field), changes[field])
        for field in ACCOUNT_FIELDS
        if field in changes and getattr(user, field) != changes[field]
    }


def profile_diff(user: User, new_role: Role, changes: dict) -> dict:
    profile = user.profile
    before = {name: getattr(profile, name, None) for name in PROFILES[Role(user.role)][1]}
    after = {name: changes.get(name, before.get(name)) for name in PROFILES[new_role][1]}
    return {
        name: (before.get(name), after.get(name))
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
    }


def apply_changes(user: User, new_role: Role, changes: dict) -> None:
    profile = user.profile
    for field in ACCOUNT_FIELDS:
        if field in changes:
            setattr(user, field, changes[field])
    model, names = PROFILES[new_role]
    if not isinstance(profile, model):
        profile = replace_profile(user, changes)
    for name in names:
        if name in changes:
            setattr(profile, name, changes[name])


def replace_profile(user: User, changes: dict):
    """A new role: the old profile row goes (delete-orphan), the new role's takes its place."""
    for role in Role:
        setattr(user, f"{role.value}_profile", None)
    db.session.flush()
    fields = ("employee_id", "specialisation", "student_number", "department")
    profile = auth_services.build_profile(user, *(changes.get(name) for name in fields))
    db.session.add(profile)
    return profile


def set_password(user_id: int, password: str, actor: User | None) -> User:
    """Give an account a new password chosen for it (not by it); its sessions end."""
    user = get_person(user_id, for_update=True)
    user.password_hash = auth_services.hash_password(password)
    user.session_version += 1  # under the row lock: tokens carrying the old version stop
    signals.user_changed.send(user, actor=actor, changes={"password": (None, None)})
    return user


# --- when a facilitator cannot teach ------------------------------------------------------------


def facilitator(user_id: int) -> User:
    user = get_person(user_id)
    if user.role != Role.FACILITATOR:
        raise NotFound(_("No such facilitator account."))
    return user


def unavailable_periods(user_id: int) -> list[UnavailablePeriod]:
    return db.session.scalars(
        select(UnavailablePeriod)
        .where(UnavailablePeriod.user_id == user_id)
        .order_by(UnavailablePeriod.starts_on, UnavailablePeriod.id)
    ).all()


def add_unavailable_period(user_id: int, data: dict, manager: User) -> UnavailablePeriod:
    """Record days a facilitator cannot teach: allocations into them are refused from now on
    (offerings already allocated stay; the workload report shows them)."""
    user = facilitator(user_id)
    period = UnavailablePeriod(user_id=user.id, **data)
    db.session.add(period)
    db.session.flush()
    changes = {"unavailable": (None, described(period))}
    signals.user_changed.send(user, actor=manager, changes=changes)
    return period


def remove_unavailable_period(user_id: int, period_id: int, manager: User) -> None:
    user = facilitator(user_id)
    period = db.session.get(UnavailablePeriod, period_id)
    if period is None or period.user_id != user.id:
        raise NotFound(_("No such unavailable period."))
    changes = {"unavailable": (described(period), None)}
    signals.user_changed.send(user, actor=manager, changes=changes)
    db.session.delete(period)


def described(period: UnavailablePeriod) -> dict:
    """A period as the audit trail keeps it."""
    return {
        "starts_on": period.starts_on.isoformat(),
        "ends_on": period.ends_on.isoformat(),
        "reason": period.reason,
    }
