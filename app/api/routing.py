"""The functions that answer the request being served, where routes keep what they declare
about themselves (their rate limits, their cache policy)."""

from collections.abc import Callable

from flask import current_app, request


def routed_handlers() -> tuple[Callable, ...]:
    """The view this request is routed to and, for a class-based view, the method that answers
    it, chosen as MethodView chooses (`get` for HEAD when the class has no `head`); empty when
    no route matched."""
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return () if view is None else (view,)
    name = request.method.lower()
    if name == "head" and not hasattr(view_class, "head"):
        name = "get"
    method = getattr(view_class, name, None)
    return (view,) if method is None else (view, method)
