"""`/admin/dashboard/`: the managers' static dashboard page, under a Content-Security-Policy
that allows only its own files (no inline script or style, nothing from elsewhere) and calls
to this API. The page signs in against the API like any other client."""

from flask import Blueprint, send_from_directory

from app.config import PROJECT_ROOT

PAGE = PROJECT_ROOT / "admin_dashboard"
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
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

blp = Blueprint("admin_dashboard", __name__, url_prefix="/admin/dashboard")


@blp.get("/")
def index():
    return send_from_directory(PAGE, "index.html", max_age=0)


@blp.get("/<path:filename>")
def asset(filename: str):
    return send_from_directory(PAGE, filename, max_age=0)


@blp.after_request
def protect(response):
    response.headers.update(HEADERS)
    return response
