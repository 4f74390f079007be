"""How the activity tracker reacts to what happens elsewhere."""

from app.activity import services
from app.core.signals import offering_changed


@offering_changed.connect
def follow_offering_calendar(offering, what=frozenset(), **_details) -> None:
    """An offering's dates moved: refuse if logged weeks would fall outside it, else move its
    logs' deadlines with it."""
    if "dates" in what:
        services.check_logged_weeks_fit(offering)
        services.reschedule_logs(offering)
