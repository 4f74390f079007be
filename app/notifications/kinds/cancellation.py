"""Cancellation: to an offering's facilitator, once, when the offering is cancelled. Its
pending reminders are withdrawn at the moment of cancelling (app/notifications/handlers.py);
this says why they stop. Keyed by the instant of cancelling, which never moves (cancelled is
final), so repeated or concurrent sweeps send it once."""

from babel.dates import format_date

from app.auth.models import Role
from app.core.i18n import _
from app.courses.models import CourseOffering, OfferingStatus
from app.courses.queries import cancelled_between
from app.extensions import db
from app.notifications.content import offering_facts
from app.notifications.models import EmailPreference, Notification
from app.notifications.registry import Moment, NotificationKind, lookback, register
from app.notifications.store import addressed, addressed_row


@register
class Cancellation(NotificationKind):
    name = "cancellation"
    audience = Role.FACILITATOR
    default_email = EmailPreference.IMMEDIATE
    # A digest lists a message's week and deadline, which say nothing here.
    can_wait_for_digest = False
    follows_facilitator = True

    def find(self, moment: Moment, found: list[dict]) -> list[dict]:
        """One message to the facilitator of each offering cancelled within the look-back."""
        cancelled = cancelled_between(moment.now - lookback(), moment.now)
        statement = addressed(cancelled, self, CourseOffering.facilitator_id)
        return [
            addressed_row(
                self,
                offering,
                offering_id=offering.id,
                week_number=0,
                deadline=offering.status_changed_at,
            )
            for offering in db.session.execute(statement)
        ]

    def facts(self, notification: Notification, moment: Moment) -> dict | None:
        """Still cancelled (it cannot be otherwise) and still this facilitator's."""
        offering = notification.offering
        if (
            offering is None
            or offering.status != OfferingStatus.CANCELLED
            or offering.facilitator_id != notification.recipient_id
        ):
            return None
        return offering_facts(offering) | {
            "starts": format_date(offering.start_date, "full", locale=notification.language)
        }

    def subject(self, values: dict) -> str:
        return _("Cancelled: {module}, starting {date}").format(
            module=values["module_code"], date=values["starts"]
        )
