"""/metrics in one process: who may scrape, what a request adds, what the state gauges read.
(Several gunicorn workers adding up: test_gunicorn.py.)"""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.core.clock import now
from app.data.unit_of_work import unit_of_work
from app.extensions import db, redis_store
from app.notifications import sweep as reminders_sweep
from app.notifications.models import Notification, Status

TOKEN = "metrics-token-for-tests"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metered(app_with):
    return app_with(METRICS_TOKEN=TOKEN)


def scrape(client) -> dict:
    response = client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_counted(samples: dict, route: str, status: str) -> float:
    labels = (("method", "GET"), ("route", route), ("status", status))
    return samples.get(("cmp_http_request_duration_seconds_count", labels), 0)


def test_without_a_token_there_is_no_metrics_endpoint_and_nothing_is_measured(app, metered):
    scraper = metered.test_client()
    before = requests_counted(scrape(scraper), "/", "200")

    unmetered = app.test_client()
    assert unmetered.get("/").status_code == 200
    assert unmetered.get("/metrics", headers=SCRAPER).status_code == 404

    assert requests_counted(scrape(scraper), "/", "200") == before


def test_a_scraper_needs_the_exact_token(metered):
    client = metered.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json["code"] == 401


def test_requests_are_counted_by_url_rule_and_status(metered):
    client = metered.test_client()
    before = scrape(client)

    client.get("/api/v1/course-offerings/1")  # anonymous: 401
    client.get("/api/v1/course-offerings/2")
    client.get("/nowhere")

    after = scrape(client)
    rule = "/api/v1/course-offerings/<id:offering_id>"
    assert requests_counted(after, rule, "401") - requests_counted(before, rule, "401") == 2
    assert (
        requests_counted(after, "unmatched", "404") - requests_counted(before, "unmatched", "404")
        == 1
    )


def test_queue_depth_and_notifications_by_status_are_read_when_scraped(metered, create_user):
    recipient = create_user("facilitator")
    with metered.app_context(), unit_of_work():
        for number, status in enumerate([Status.PENDING, Status.PENDING, Status.FAILED]):
            db.session.add(
                Notification(
                    dedupe_key=f"metrics-test-{number}",
                    recipient_id=recipient.id,
                    kind="digest",
                    deadline=now(),
                    channel="email",
                    status=status,
                    language="en",
                )
            )
    with metered.app_context():
        redis_store.queue("notifications").enqueue("os.getpid")  # no worker: it waits
        reminders_sweep.remember_sweep(now())

    samples = scrape(metered.test_client())

    assert samples[("cmp_notifications", (("status", "pending"),))] == 2
    assert samples[("cmp_notifications", (("status", "failed"),))] == 1
    assert samples[("cmp_notifications", (("status", "sent"),))] == 0
    assert samples[("cmp_rq_jobs", (("queue", "notifications"), ("state", "queued")))] == 1
    assert samples[("cmp_rq_jobs", (("queue", "default"), ("state", "queued")))] == 0
    assert samples[("cmp_rq_workers", (("queue", "notifications"),))] == 0
    assert samples[("cmp_dependency_up", (("name", "database"),))] == 1
    last_sweep = samples[("cmp_reminder_last_sweep_timestamp_seconds", ())]
    assert abs(last_sweep - now().timestamp()) < 60


def test_metrics_are_not_in_the_api_document(metered):
    assert "/metrics" not in metered.test_client().get("/openapi.json").json["paths"]
