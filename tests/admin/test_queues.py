"""Queue health on the real Redis: counts per RQ queue with a job that really failed, a
scheduled one, a live worker's heartbeat, requeueing; and the embedded (inline) queue."""

from datetime import timedelta

import pytest
from rq import SimpleWorker
from rq.worker import WorkerStatus

from app.extensions import redis_store
from tests.admin.conftest import ADMIN

QUEUES = f"{ADMIN}/queues"


@pytest.fixture
def a_failed_sweep(app, work):
    """A sweep job given an instant that is not one: it fails in a real worker (no retry)."""
    with app.app_context():
        redis_store.queue("default").enqueue("workers.jobs.sweep", "not an instant")
    work()


def by_name(health: dict) -> dict:
    return {queue["name"]: queue for queue in health["queues"]}


def test_counts_show_a_failed_job_and_a_scheduled_one(app, client, as_manager, a_failed_sweep):
    with app.app_context():
        redis_store.queue("notifications").enqueue_in(timedelta(hours=1), "workers.jobs.sweep")

    response = client.get(QUEUES, headers=as_manager)

    assert response.status_code == 200
    assert response.json["embedded"] is False
    queues = by_name(response.json)
    assert queues["default"] == {
        "name": "default", "queued": 0, "started": 0, "failed": 1, "scheduled": 0
    }  # fmt: skip
    assert queues["notifications"]["scheduled"] == 1


def test_requeue_puts_failed_jobs_back_and_says_how_many(client, as_manager, a_failed_sweep):
    response = client.post(f"{QUEUES}/failed/requeue", headers=as_manager)
    after = by_name(client.get(QUEUES, headers=as_manager).json)

    assert response.status_code == 200
    assert response.json == {"requeued": 1, "by_queue": {"notifications": 0, "default": 1}}
    assert (after["default"]["failed"], after["default"]["queued"]) == (0, 1)
    assert client.post(f"{QUEUES}/failed/requeue", headers=as_manager).json["requeued"] == 0


def test_a_live_worker_is_listed_with_its_heartbeat(app, client, as_manager):
    with app.app_context():
        queues = [redis_store.queue(name) for name in ("notifications", "default")]
        worker = SimpleWorker(queues, connection=redis_store.client(), name="test-worker")
    worker.register_birth()
    worker.set_state(WorkerStatus.IDLE)
    worker.heartbeat()
    try:
        response = client.get(QUEUES, headers=as_manager)
    finally:
        worker.register_death()

    [listed] = response.json["workers"]
    assert listed["name"] == "test-worker"
    assert listed["queues"] == ["notifications", "default"]
    assert listed["alive"] is True
    assert listed["state"] == "idle"
    assert listed["last_heartbeat"]


def test_the_embedded_queue_says_so_and_has_nothing_to_requeue(
    app, client, as_manager, monkeypatch
):
    # What the app reads to choose the embedded queue (inline jobs, no worker).
    monkeypatch.setitem(app.config, "REDIS_URL", None)

    health = client.get(QUEUES, headers=as_manager)
    requeue = client.post(f"{QUEUES}/failed/requeue", headers=as_manager)

    assert health.status_code == 200
    assert health.json["embedded"] is True and health.json["workers"] == []
    assert all(queue["failed"] == 0 for queue in health.json["queues"])
    assert requeue.status_code == 409
    assert "REDIS_URL" in requeue.json["message"]
