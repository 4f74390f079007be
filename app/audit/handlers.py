"""The audit trail listens to every signal: each becomes one event, written in the same unit
of work as the change it describes."""

from app.audit import services
from app.core.signals import (
    catalogue_changed,
    data_exported,
    enrolment_changed,
    log_changed,
    log_filed,
    offering_changed,
    reflection_submitted,
    sign_in_failed,
    user_changed,
    user_created,
    user_signed_in,
    users_imported,
)

# The most telling word for a set of offering changes, strongest first.
OFFERING_ACTIONS = ("created", "deleted", "archived")


def whole(entity, action: str) -> dict:
    """What a creation or deletion that names no fields wrote: every column."""
    if action not in {"created", "deleted"}:
        return {}
    return services.snapshot(entity, removed=action == "deleted")


@offering_changed.connect
def offering_changed_event(offering, actor=None, what=frozenset(), changes=None, **_) -> None:
    action = next((word for word in OFFERING_ACTIONS if word in what), "updated")
    services.record(action, offering, actor, changes or whole(offering, action))


@log_filed.connect
def log_filed_event(log, actor=None, changes=None, **_) -> None:
    # The snapshot holds the log's columns; `changes` what it recorded per student.
    services.record("created", log, actor, services.snapshot(log) | (changes or {}))


@log_changed.connect
def log_changed_event(log, actor=None, action="updated", changes=None, per_student=None, **_):
    # A deleted log's snapshot holds its columns; `per_student` what it recorded per student.
    services.record(action, log, actor, (changes or whole(log, action)) | (per_student or {}))


@reflection_submitted.connect
def reflection_submitted_event(reflection, actor=None, **_) -> None:
    # Who reflected on which offering; the answers themselves stay out of the trail.
    services.record("created", reflection, actor, {"offering_id": [None, reflection.offering_id]})


@catalogue_changed.connect
def catalogue_changed_event(entry, actor=None, action="updated", changes=None, **_) -> None:
    services.record(action, entry, actor, changes or whole(entry, action))


@enrolment_changed.connect
def enrolment_changed_event(offering, actor=None, action="enrolled", student_ids=(), **_) -> None:
    before, after = (None, list(student_ids)) if action == "enrolled" else (list(student_ids), None)
    services.record(action, offering, actor, {"student_ids": [before, after]})


@user_created.connect
def user_created_event(user, actor=None, **_) -> None:
    services.record("created", user, actor, services.snapshot(user))


@data_exported.connect
def data_exported_event(manager, export="", filters=None, **_) -> None:
    """Downloads hold people's names and e-mails: who took which, with which filters."""
    asked = {name: services.plain(value) for name, value in (filters or {}).items()}
    services.record_many("exported", export, [None], manager, {"filters": [None, asked]})


@users_imported.connect
def users_imported_event(manager, user_ids=(), **_) -> None:
    services.record_many("created", "users", user_ids, manager, {"source": [None, "csv_import"]})


@user_changed.connect
def user_changed_event(user, actor=None, changes=None, via=None, **_) -> None:
    changes = changes or {}
    if "password" not in changes:
        action = "updated"
    elif via is not None:
        action = "password_reset"  # through an e-mailed link (`via` is its purpose)
    elif actor is not None and actor.id == user.id:
        action = "password_changed"  # by the person, who knew the old one
    else:
        action = "password_set"  # by a manager or the command line
    services.record(action, user, actor, changes)


@user_signed_in.connect
def signed_in_event(user, **_) -> None:
    services.record("signed_in", user, user)


@sign_in_failed.connect
def sign_in_failed_event(email, user=None, reason="wrong_password", **_) -> None:
    # The address is kept only when it names an account: people type passwords into the
    # email field, and an unknown "address" may be one.
    changes = {"reason": [None, reason]} | ({"email": [None, email]} if user else {})
    services.record_whatever_happens("sign_in_failed", "users", getattr(user, "id", None), changes)
