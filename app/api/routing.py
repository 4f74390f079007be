"""The functions that answer the request being served, where routes keep what they declare
about themselves (their rate limits, their cache policy)."""

from flask import current_app, request


def routed_handlers() -> tuple:
    """The view this request is routed to and, for a class-based view, the method that answers
    it (`get` for HEAD, as MethodView does); empty when no route matched."""
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return () if view is None else (view,)
    name = "get" if request.method == "HEAD" else request.method.lower()
    method = getattr(view_class, name, None)
    return (view,) if method is None else (view, method)
