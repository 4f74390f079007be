"""A folder of static files served as one page (the reflection page, the managers' dashboard)
under a Content-Security-Policy that allows only the folder's own files — no inline script or
style, nothing from elsewhere — and calls back to this API. Such a page signs in against the
API like any other client."""

from pathlib import Path

from flask import Blueprint, send_from_directory

POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
))  # fmt: skip
# (nosniff, no referrer and no framing are added to every response by app/api/security.py)
HEADERS = {"Content-Security-Policy": POLICY}


def static_page(name: str, folder: Path, url_prefix: str) -> Blueprint:
    """A blueprint named `name` serving `folder` at `url_prefix`/ (its index.html) and
    `url_prefix`/<file>, never cached (max_age=0: a deployment shows at once), every response
    under HEADERS."""
    blp = Blueprint(name, __name__, url_prefix=url_prefix)

    @blp.get("/")
    def index():
        return send_from_directory(folder, "index.html", max_age=0)

    @blp.get("/<path:filename>")
    def asset(filename: str):
        return send_from_directory(folder, filename, max_age=0)

    @blp.after_request
    def protect(response):
        response.headers.update(HEADERS)
        return response

    return blp
