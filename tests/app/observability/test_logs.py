"""Log format choice and the text lines of development. (JSON lines as gunicorn writes them:
test_gunicorn.py.)"""

import io
import logging

import pytest

from app.observability.logs import RequestContext, formatter, log_format


@pytest.mark.parametrize(
    ("app_env", "chosen", "expected"),
    [("production", None, "json"), ("development", None, "text"), ("production", "TEXT", "text")],
)
def test_json_in_production_text_elsewhere_unless_log_format_says(
    monkeypatch, app_env, chosen, expected
):
    monkeypatch.setenv("APP_ENV", app_env)
    if chosen:
        monkeypatch.setenv("LOG_FORMAT", chosen)
    else:
        monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert log_format() == expected


def test_an_unknown_log_format_is_refused(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT must be json or text"):
        log_format()


def test_a_text_access_line_names_the_route_status_and_request_id(client, monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "text")
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(formatter())
    handler.addFilter(RequestContext())
    access = logging.getLogger("app.access")
    level = access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)  # setLevel, not the attribute: it clears the level cache
    try:
        client.get("/api/v1/course-offerings/5", headers={"X-Request-ID": "trace-text"})
    finally:
        access.removeHandler(handler)
        access.setLevel(level)

    (line,) = output.getvalue().splitlines()
    assert "INFO app.access [trace-text]: GET /api/v1/course-offerings/<id:offering_id> 401" in line
