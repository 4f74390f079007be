"""Headers every response carries, whatever produced it (a route, an error, a static page)."""

from flask import Response, request

EVERYWHERE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
# A page that names no policy of its own may still not be framed (clickjacking).
HTML_PAGES = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}
HSTS = "max-age=31536000; includeSubDomains"


def secure_headers(response: Response) -> Response:
    for headers in (EVERYWHERE, HTML_PAGES if response.mimetype == "text/html" else {}):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
    if request.path.startswith("/api/"):
        # Every API answer is someone's (tokens, accounts, logs): never kept by a browser or
        # a proxy. Clients that revalidate still get ETags and 304s.
        response.headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
