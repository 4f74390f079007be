"""The delivery log: every notification with its status, attempts and last error, filters,
and retrying a failed one through the real queue and SMTP server."""

from datetime import timedelta

import pytest

from app.core import clock
from tests.admin.conftest import ADMIN
from tests.notifications.conftest import WEEK_1_DUE

DUE_SOON_AT = WEEK_1_DUE - timedelta(hours=48)
LOG = f"{ADMIN}/notifications"


@pytest.fixture
def one_failed_one_sent(app, monkeypatch, create_user, offering_of, sweep, work, smtp, travel):
    """Two facilitators' due-soon reminders, recorded a quarter of an hour apart: the first
    refused by the server (failed after its single attempt), the second delivered."""
    monkeypatch.setitem(app.config, "REMINDER_RETRY_DELAYS", "")
    refused, delivered = create_user("facilitator"), create_user("facilitator")
    offering_of(refused)
    smtp.refuse = "554 5.7.1 Relay access denied"
    sweep(DUE_SOON_AT)
    work()
    smtp.refuse = None
    offering_of(delivered)
    travel(clock.now() + timedelta(minutes=10))  # within the managers' token lifetime
    sweep(DUE_SOON_AT + timedelta(minutes=15))
    work()
    return refused, delivered, clock.now() - timedelta(minutes=5)


def test_the_log_shows_every_notification_with_its_outcome(client, as_manager, one_failed_one_sent):
    refused, delivered, _between = one_failed_one_sent

    response = client.get(LOG, headers=as_manager)

    assert response.status_code == 200
    rows = {row["recipient_id"]: row for row in response.json}
    assert rows[refused.id]["status"] == "failed"
    assert rows[refused.id]["attempts"] == 1
    assert rows[refused.id]["last_error"] == "554 5.7.1 Relay access denied"
    assert rows[delivered.id]["status"] == "sent"
    assert rows[delivered.id]["last_error"] is None
    assert response.headers["X-Pagination"]


def test_the_log_filters_by_status_kind_recipient_and_time(client, as_manager, one_failed_one_sent):
    refused, delivered, between = one_failed_one_sent

    def ids(**filters):
        response = client.get(LOG, query_string=filters, headers=as_manager)
        assert response.status_code == 200, response.json
        return [row["recipient_id"] for row in response.json]

    assert ids(status="failed") == [refused.id]
    assert ids(status="sent", kind="due_soon") == [delivered.id]
    assert ids(kind="overdue") == []
    assert ids(recipient_id=delivered.id) == [delivered.id]
    assert ids(created_from=between.isoformat()) == [delivered.id]
    assert ids(created_to=between.isoformat()) == [refused.id]


def test_a_bad_filter_is_a_422(client, as_manager):
    response = client.get(LOG, query_string={"status": "lost"}, headers=as_manager)

    assert response.status_code == 422
    assert response.json["code"] == 422


def test_retrying_a_failed_notification_sends_it(
    client, as_manager, one_failed_one_sent, work, smtp, notifications
):
    [failed] = [row for row in notifications() if row["status"] == "failed"]

    response = client.post(f"{LOG}/{failed['id']}/retry", headers=as_manager)
    work()

    assert response.status_code == 200
    assert (response.json["status"], response.json["attempts"]) == ("pending", 0)
    [row] = [row for row in notifications() if row["id"] == failed["id"]]
    assert (row["status"], row["attempts"]) == ("sent", 1)
    assert failed["id"] in [int(m["X-Notification-Id"]) for m in smtp.messages]


def test_only_a_failed_notification_can_be_retried(
    client, as_manager, one_failed_one_sent, notifications
):
    [sent] = [row for row in notifications() if row["status"] == "sent"]

    again = client.post(f"{LOG}/{sent['id']}/retry", headers=as_manager)
    missing = client.post(f"{LOG}/999999/retry", headers=as_manager)

    assert again.status_code == 409
    assert "sent" in again.json["message"]
    assert missing.status_code == 404
