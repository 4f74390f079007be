"""The worker tests share the reminder fixtures (SMTP sink, sweeps, burst worker)."""

from tests.activity.conftest import facilitator, offering_of  # noqa: F401
from tests.notifications.conftest import (  # noqa: F401
    notifications,
    smtp,
    sweep,
    tls_smtp,
    travel,
    work,
)
