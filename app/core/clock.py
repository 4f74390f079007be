"""The one clock every room reads.

Everything that needs "now" calls `now()`; tests move it with time-machine, and sweeps, jobs and
deadline checks take `now` as a parameter where that makes them easier to test.
"""

from datetime import UTC, datetime


def now() -> datetime:
    """The current instant, zone-aware in UTC."""
    return datetime.now(UTC)
