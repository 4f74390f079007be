"""The project's flask-smorest Blueprint: safe JSON parsing and documented access rules."""

import json
from functools import wraps

import flask_smorest
from marshmallow import missing
from webargs.flaskparser import FlaskParser, abort

from app.api.admission import signed_in
from app.api.fields import ErrorSchema, public_names
from app.core.exceptions import Invalid


class SafeJSONParser(FlaskParser):
    """JSON that would break something later is refused here, as malformed (400).

    Python's decoder accepts lone UTF-16 surrogates ("\\ud800"), which no database or hash
    function can encode, and nesting deep enough to exhaust the interpreter's stack.
    """

    def load_json(self, req, schema):
        try:
            data = super().load_json(req, schema)
            if data is not missing:
                json.dumps(data, ensure_ascii=False).encode("utf-8")
        # ValueError: a number over 4,300 digits, or (UnicodeEncodeError) a lone surrogate.
        except (RecursionError, ValueError) as error:
            abort(400, exc=error, messages={"json": ["Invalid JSON body."]})
        return data


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = SafeJSONParser()
    # Every list: `page`, `page_size` (default 20, at most 100), metadata in X-Pagination.
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

    def arguments(self, schema, *, location="json", required=None, **options):
        """flask-smorest's `arguments`, with a body required (in the OpenAPI document) exactly
        when its schema requires a field: a body with none, such as a change naming only what
        changes, may be left out, and is read as `{}`. A use case that refuses a body's value
        (`Invalid`) names the field as the code does; the caller hears it by the name it sent
        (its `data_key`)."""
        if required is None:
            required = location not in BODIES or requires_a_field(schema)
        parse = super().arguments(schema, location=location, required=required, **options)
        renamed = {name: public for name, public in public_names(schema).items() if name != public}
        if location != "json" or not renamed:
            return parse

        def decorator(view):
            @wraps(view)
            def naming_fields_as_sent(*args, **kwargs):
                try:
                    return view(*args, **kwargs)
                except Invalid as error:
                    if isinstance((errors := error.errors or {}).get("json"), dict):
                        fields = {renamed.get(name, name): v for name, v in errors["json"].items()}
                        error.errors = {**errors, "json": fields}
                    raise

            return parse(naming_fields_as_sent)

        return decorator

    def signed_in(self, *roles):
        """`signed_in` from app.api.admission, with its 401/403 answers in the OpenAPI document.

        Put it above `@blp.arguments`, so an anonymous caller hears 401 before validation.
        """

        def decorator(view):
            view = self.alt_response(401, response="DEFAULT_ERROR", description="Not signed in")(
                view
            )
            if roles:
                allowed = ", ".join(role.value for role in roles)
                view = self.alt_response(
                    403, response="DEFAULT_ERROR", description=f"Only for: {allowed}"
                )(view)
            return signed_in(*roles)(view)

        return decorator

    def alt_response(self, status_code, response=None, *, description=None, **options):
        """flask-smorest's `alt_response`, except that a description given along with a named
        error response is kept: flask-smorest documents the bare reference and drops it, and
        the document would not say who a 403 is for, or why a 409 happens. The view keeps the
        statuses it documents this way in `documented_statuses` (see `documenting`)."""
        if response == "DEFAULT_ERROR" and description is not None:
            options = {"schema": ErrorSchema, **options}
            response = None
        document = super().alt_response(status_code, response, description=description, **options)

        def decorator(view):
            view = document(view)
            view.documented_statuses = {*getattr(view, "documented_statuses", ()), status_code}
            return view

        return decorator

    def route(self, rule, **options):
        """flask-smorest's `route`, with answers every such route may give in the OpenAPI
        document (unless its view already describes them): 429 when the caller is over a rate
        limit (app/api/rate_limits.py: every route here counts), 503 when the database or Redis is
        unavailable, 409 on a write that waited too long for rows another request held (or lost
        a deadlock), and 404 for an unknown id (or one the caller may not see) on a route that
        takes one."""
        register = super().route(rule, **options)

        def documenting(view):
            view = self.documenting(view, 429, "Too many requests: wait Retry-After seconds")
            view = self.documenting(
                view, 503, "The database or Redis is unavailable: retry after Retry-After seconds"
            )
            view = self.documenting(
                view, 409, "Another request was changing the same rows: nothing was saved, retry",
                methods=WRITES,
            )  # fmt: skip
            if "<" in rule:
                view = self.documenting(view, 404, "No such object, or not one you may see")
            return view

        return lambda view: register(documenting(view))

    def documenting(self, view, status: int, description: str, methods=None):
        """`view` (a function or a MethodView) documents `status` for each of its `methods`
        (all by default) that does not already."""
        answer = self.alt_response(status, response="DEFAULT_ERROR", description=description)
        if not isinstance(view, type):  # a plain view function: every one here answers GET
            wanted = methods is None or "GET" in methods
            return answer(view) if wanted and not documents(view, status) else view
        for method in view.methods:
            function = getattr(view, method.lower())
            if (methods is None or method in methods) and not documents(function, status):
                setattr(view, method.lower(), answer(function))
        return view


# Where flask-smorest reads a request body from (the others are parameters).
BODIES = {"json", "form", "files"}


def requires_a_field(schema) -> bool:
    instance = schema() if isinstance(schema, type) else schema
    return not instance.partial and any(field.required for field in instance.load_fields.values())


# Methods that write: any of them may wait on a row lock (see app/api/errors.py, lock waits).
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def documents(function, status: int) -> bool:
    """Whether the view already describes an answer with `status` (`Blueprint.alt_response`)."""
    return status in getattr(function, "documented_statuses", ())
