"""`/reflection/`: the static reflection page, under a Content-Security-Policy that allows only
its own files (no inline script or style) and calls to this API."""

from flask import Blueprint, send_from_directory

from app.config import PROJECT_ROOT

PAGE = PROJECT_ROOT / "reflection_page"
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

blp = Blueprint("reflection_page", __name__, url_prefix="/reflection")


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
