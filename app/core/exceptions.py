"""The project's own errors. Services raise these, never HTTP exceptions, so a route, a CLI
command and a worker job can all call them; `app.api.errors` turns them into the envelope.

Messages are translated where they are raised (in the caller's language)."""


class DomainError(Exception):
    """A use case refused: `message` for people, `errors` for programs."""

    code = 400

    def __init__(self, message: str | None = None, errors: dict | None = None):
        super().__init__(message or self.__class__.__name__)
        self.message = message
        self.errors = errors


class NotAuthenticated(DomainError):
    """The credentials do not identify an active account."""

    code = 401


class Forbidden(DomainError):
    """The acting user may not do this (their role, or not their object)."""

    code = 403


class NotFound(DomainError):
    """No such object, or not one the acting user may see."""

    code = 404


class Conflict(DomainError):
    """The current state forbids it: a duplicate, something still in use, an archived row."""

    code = 409


class PreconditionFailed(DomainError):
    """The object changed since the caller last read it."""

    code = 412


class Invalid(DomainError):
    """Values that pass the schema but not the rules. `field_errors` name each field, in the
    same shape as the schema's own validation errors; other details go in `errors`."""

    code = 422

    def __init__(self, field_errors: dict | None = None, message: str | None = None, errors=None):
        super().__init__(message, {"json": field_errors} if field_errors else errors)
