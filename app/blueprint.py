"""The project's flask-smorest Blueprint: safe JSON parsing and documented access rules."""

import json

import flask_smorest
from flask_smorest.pagination import PaginationMetadataSchema
from marshmallow import missing
from webargs.flaskparser import FlaskParser

from app.auth.guards import signed_in


class SafeJSONParser(FlaskParser):
    """JSON that would break something later is refused here, as malformed (400).

    Python's decoder accepts lone UTF-16 surrogates ("\\ud800"), which no database or hash
    function can encode, and nesting deep enough to exhaust the interpreter's stack.
    """

    def _raw_load_json(self, req):
        data = super()._raw_load_json(req)
        if data is missing:
            return data
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, RecursionError) as error:
            self._handle_invalid_json_error(error, req)
        return data

    def load_json(self, req, schema):
        try:
            return super().load_json(req, schema)
        except RecursionError as error:
            self._handle_invalid_json_error(error, req)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = SafeJSONParser()
    # Every list: `page`, `page_size` (default 20, at most 100), metadata in X-Pagination.
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

    def _document_pagination_metadata(self, spec, resp_doc):
        """X-Pagination as it is sent: one JSON object (flask-smorest documents it with a bare
        schema, which in a header means the `simple` style, `total,2,page,1`)."""
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "Pagination metadata, as JSON",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }

    def signed_in(self, *roles):
        """`signed_in` from app.auth.guards, with its 401/403 answers in the OpenAPI document.

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

    def route(self, rule, **options):
        """flask-smorest's `route`; a route that takes an id also documents the 404 it answers
        for an unknown one (or one the caller may not see), unless its view already does."""
        register = super().route(rule, **options)
        if "<" not in rule:
            return register
        return lambda view: register(self.documenting_not_found(view))

    def documenting_not_found(self, view):
        not_found = self.alt_response(
            404, response="DEFAULT_ERROR", description="No such object, or not one you may see"
        )
        if not isinstance(view, type):  # a plain view function
            return view if documents(view, 404) else not_found(view)
        for method in view.methods:
            function = getattr(view, method.lower())
            if not documents(function, 404):
                setattr(view, method.lower(), not_found(function))
        return view


def documents(function, status: int) -> bool:
    """Whether flask-smorest's notes on this view already describe an answer with `status`."""
    responses = getattr(function, "_apidoc", {}).get("response", {}).get("responses", {})
    return status in responses or str(status) in responses
