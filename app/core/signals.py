"""What can happen in the product, announced by the room it happens in.

Rooms that care subscribe in their own `handlers.py` (connected by `create_app`), so the import
arrows keep pointing one way. Subscribers run synchronously inside the sender's unit of work:
their writes commit or roll back with it, and a subscriber may refuse a change by raising a
domain error (the whole unit then rolls back).

Every signal is sent with the object as sender and keyword arguments:
- `actor`: the user who acted (None for the system: a sweep, a seed);
- `changes`: `{field: (old, new)}` for what was written.
"""

from blinker import Namespace

signals = Namespace()

# sender: CourseOffering; what: set of "created", "dates", "facilitator", "status", "cancelled"
# (with "status", or alone for a cancelled new one), "archived" (cancelled by a delete), "deleted".
offering_changed = signals.signal("offering-changed")
# sender: a Module, Cohort, CourseClass or DeliveryMode; action: "created", "updated", "deleted".
catalogue_changed = signals.signal("catalogue-changed")
# sender: CourseOffering; action: "enrolled" or "unenrolled"; student_ids: who.
enrolment_changed = signals.signal("enrolment-changed")
# sender: ActivityLog, just filed; changes: the attendance it recorded, per student.
log_filed = signals.signal("log-filed")
# sender: ActivityLog; action: "updated" or "deleted"; changes name attendance per student
# ("attendance: Ada Lovelace (#12)": ["absent", "excused"]).
log_changed = signals.signal("log-changed")
# sender: Reflection, just submitted by its student.
reflection_submitted = signals.signal("reflection-submitted")
# sender: User.
user_created = signals.signal("user-created")
# sender: User; changes include "is_active", "role" when those moved, and "password" (its
# values always None: a password is never carried) when it was changed; `via` is "reset" or
# "welcome" when the password was set through an e-mailed link (app/auth/password_links.py).
user_changed = signals.signal("user-changed")
# sender: User who signed in.
user_signed_in = signals.signal("user-signed-in")
# sender: the email address tried (normalised); user: the account it names, or None;
# reason: "unknown_email", "wrong_password" or "deactivated". Sent before the refusal, whose
# unit of work rolls back: subscribers that must keep a record register it with
# `app.data.unit_of_work.after_end`.
sign_in_failed = signals.signal("sign-in-failed")
# sender: the manager who imported; user_ids: the accounts just created in one batch (one
# signal, not thousands, so subscribers can write in bulk too).
users_imported = signals.signal("users-imported")
# sender: the manager who downloaded; export: its name ("offerings", …); filters: as asked.
data_exported = signals.signal("data-exported")
