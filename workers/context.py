"""An app context for jobs, whoever runs them.

`flask worker` pushes one for the worker's whole life (its forked work horses inherit it); a
job run inline, by the embedded queue, is already inside one. A job picked up by a plain
`rq worker` gets one here, created once per process.
"""

from functools import wraps

from flask import Flask, has_app_context

_app: Flask | None = None


def in_app_context(function):
    @wraps(function)
    def run(*args, **kwargs):
        if has_app_context():
            return function(*args, **kwargs)
        with application().app_context():
            return function(*args, **kwargs)

    return run


def application() -> Flask:
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app
