"""Audit fixtures: the activity room's, to file and edit logs through the API."""

from tests.activity.conftest import (  # noqa: F401  (fixtures used by this package's tests)
    create_log,
    edit_log,
    facilitator,
    file_log,
    offering_of,
)
