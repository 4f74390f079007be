"""An offering's life cycle: planned, then active, then completed; cancelled from either of the
first two. Completed and cancelled are final. Reminders, compliance and at-risk checks follow
active offerings only (see their rooms)."""

from datetime import date, datetime

from app.activity.deadlines import DeadlineRule
from app.core.exceptions import Conflict, Invalid
from app.core.i18n import _, lazy_gettext
from app.courses.models import OfferingStatus, teaching_weeks

PLANNED, ACTIVE, COMPLETED, CANCELLED = OfferingStatus
# Where each status may go; `None` is a new offering. (A new one may be recorded as cancelled:
# the release before the life cycle created archived offerings with `is_active: false`.)
MOVES = {
    None: {PLANNED, ACTIVE, CANCELLED},
    PLANNED: {ACTIVE, CANCELLED},
    ACTIVE: {COMPLETED, CANCELLED},
    COMPLETED: set(),
    CANCELLED: set(),
}
NAMES = {
    PLANNED: lazy_gettext("planned"),
    ACTIVE: lazy_gettext("active"),
    COMPLETED: lazy_gettext("completed"),
    CANCELLED: lazy_gettext("cancelled"),
}


def status_asked(data: dict, current: str | None) -> str | None:
    """The status a write asks for: `status`, or the older `is_active` (false: cancelled; true:
    not cancelled, which a cancelled offering can no longer be). None: no change asked."""
    if "is_active" not in data:
        return data.get("status")
    if data["is_active"] is False:
        legacy = CANCELLED
    else:
        legacy = current if current not in {None, CANCELLED} else ACTIVE
    if "status" in data and data["status"] != legacy:
        raise Invalid({"is_active": [_("Contradicts status; send status alone.")]})
    return legacy


def check_start(status: str) -> None:
    if status not in MOVES[None]:
        raise Invalid({"status": [_("A new offering is planned or active.")]})


def check_staffing(status: str, changed: dict) -> None:
    """A cancelled offering keeps the facilitator it had: nothing is left to teach."""
    if status == CANCELLED and "facilitator_id" in changed:
        raise Conflict(_("This offering is cancelled; its facilitator can no longer change."))


def check_move(old: str, new: str, start_date: date, end_date: date, now: datetime) -> None:
    """Refuse (409) a move the life cycle does not allow, and completing an offering before its
    last week's log has fallen due (the offering's dates as they will be)."""
    if new not in MOVES[OfferingStatus(old)]:
        raise Conflict(
            _("This offering is {old}; it cannot become {new}.").format(
                old=NAMES[OfferingStatus(old)], new=NAMES[OfferingStatus(new)]
            )
        )
    rule = DeadlineRule.from_config()
    last_due = rule.due_at(start_date, teaching_weeks(start_date, end_date))
    if new == COMPLETED and last_due > now:
        raise Conflict(
            _("The last week's log is due {deadline}; complete the offering after that.").format(
                deadline=last_due.astimezone(rule.zone).strftime("%Y-%m-%d %H:%M")
            )
        )
