"""A gunicorn worker killed (SIGKILL: the OOM killer, a crash) in the middle of a write: the
client's connection drops, nothing of the write remains, and the master's new worker serves."""

import http.client
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.conftest import wait_until
from tests.faults.test_database import (
    DUE_SOON_AT,
    FILING_REACHES_REMINDERS,
    LOGS,
    log_body,
    written_for_logs,
)


@pytest.mark.mariadb  # reads what the app wrote through a MariaDB session of its own
def test_a_worker_killed_mid_write_leaves_nothing_and_is_replaced(
    gunicorn, database, facilitator, offering_of, sweep, notifications
):
    offering = offering_of(facilitator)
    sweep(DUE_SOON_AT)
    [reminder] = notifications()
    server = gunicorn()
    token = server.sign_in(facilitator)

    with ThreadPoolExecutor(1) as pool, database.row_locked("notifications", reminder["id"]):
        filing = pool.submit(server.call, "POST", LOGS, log_body(offering, 1), token)
        session_id, client_port, _ = wait_until(
            lambda: database.waiting_on(FILING_REACHES_REMINDERS), 15, "the filing to wait"
        )
        # The log and its audit event (its history) are written, not committed.
        worker = server.worker_connected_from(client_port)
        worker.send_signal(signal.SIGKILL)
        with pytest.raises(http.client.RemoteDisconnected):
            filing.result(15)

    # MariaDB rolls the dead worker's transaction back once it sees the connection gone.
    wait_until(
        lambda: session_id not in [session[0] for session in database.app_sessions()],
        15,
        "the dead worker's session to end",
    )
    assert written_for_logs(database) == (0, 0)
    assert [row["status"] for row in notifications()] == ["pending"]

    wait_until(lambda: replaced(server, worker.pid), 30, "the master to start a new worker")
    assert server.call("POST", LOGS, log_body(offering, 1), token).status == 201
    assert written_for_logs(database) == (1, 1)


def replaced(server, pid: int) -> bool:
    alive = [worker.pid for worker in server.workers()]
    return len(alive) == 2 and pid not in alive
