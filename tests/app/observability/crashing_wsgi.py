"""wsgi.py's app with one route that fails as a bug would, for the gunicorn tests."""

from wsgi import app


@app.get("/crash")
def crash():
    raise RuntimeError("planted for the test")
