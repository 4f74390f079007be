"""The kinds of notification, one module each, named after the kind (the registry in
app/notifications/registry.py loads them).

Their names are known from the file names alone, so the models' CHECK constraints and the API
schemas can list them without importing the modules, which import the models themselves.
"""

import pkgutil

NAMES = tuple(sorted(module.name for module in pkgutil.iter_modules(__path__)))


def listed() -> str:
    """ "a, b or c": the names, for the API's descriptions."""
    *most, last = NAMES
    return f"{', '.join(most)} or {last}" if most else last
