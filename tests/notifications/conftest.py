"""Reminder fixtures: a real SMTP server on loopback (aiosmtpd), a real RQ worker in burst
mode on the test Redis, sweeps at chosen instants, and the clock moved with time-machine."""

import asyncio
import email
import email.policy
import re
import ssl
import subprocess
import threading
from datetime import UTC, datetime
from html import unescape

import pytest
import time_machine
from aiosmtpd.controller import Controller
from rq import SimpleWorker
from sqlalchemy import select

from app.data.unit_of_work import unit_of_work
from app.extensions import db, redis_store
from app.notifications import sweep as reminders_sweep
from app.notifications.models import Notification
from app.notifications.queue import QUEUES
from tests.activity.conftest import (  # noqa: F401
    create_log,
    edit_log,
    enrolled,
    facilitator,
    file_log,
    offering_of,
)
from tests.conftest import free_port
from tests.reflections.conftest import create_reflection, reflect  # noqa: F401

# The default offering (tests/conftest.py) starts Monday 2026-01-05; week n is due at 09:00
# Africa/Kigali (07:00 UTC) on 2026-01-05 + 7·n days.
WEEK_1_DUE = datetime(2026, 1, 12, 7, 0, tzinfo=UTC)


class Sink:
    """What the SMTP server received. `refuse` answers every message with that reply;
    `stall_on=n` holds the n-th message without answering (once), setting `stalled`."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refused = 0
        self.refuse: str | None = None
        self.stall_on: int | None = None
        self.stalled = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refused += 1
            return self.refuse
        if self.stall_on is not None and len(self.messages) + 1 == self.stall_on:
            self.stall_on = None
            self.stalled.set()
            await asyncio.sleep(30)
            return "451 4.3.0 gave up waiting"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def ids(self) -> list[int]:
        return sorted(int(message["X-Notification-Id"]) for message in self.messages)

    def unmarked(self) -> list[str]:
        """Subjects of the messages received that lack what every e-mail of ours carries:
        `Auto-Submitted: auto-generated` (RFC 3834: no out-of-office replies, no loops) and
        an HTML part titled with the subject (what a screen reader or a browser tab shows)."""
        return [
            message["Subject"]
            for message in self.messages
            if message["Auto-Submitted"] != "auto-generated"
            or html_title(message) != message["Subject"]
        ]


def html_title(message) -> str | None:
    html = message.get_body(("html",)).get_content()
    found = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    return unescape(found[1]) if found else None


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on a loopback port, and the app configured to send to it."""
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    sink.port = port
    yield sink
    controller.stop()
    # Every kind of e-mail, as each test of any room sends it.
    assert sink.unmarked() == []


@pytest.fixture
def tls_smtp(app, monkeypatch, tmp_path):
    """A real SMTP server on loopback that requires STARTTLS, with a self-signed certificate
    for 127.0.0.1 (its path in `sink.certificate`), and the app configured to use TLS."""
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    sink, port = Sink(), free_port()
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_USE_TLS", True)
    sink.certificate = certificate
    yield sink
    controller.stop()


@pytest.fixture
def sweep(app):
    """`sweep(at)` → the SweepResult of one sweep at that instant (committed, queued)."""

    def run(at: datetime, **kwargs):
        with app.app_context(), unit_of_work():
            return reminders_sweep.sweep(at, **kwargs)

    return run


@pytest.fixture
def work(app):
    """Run a real RQ worker (in this process) until the queues are empty."""

    def run() -> None:
        with app.app_context():
            queues = [redis_store.queue(name) for name in QUEUES]
            SimpleWorker(queues, connection=redis_store.client()).work(
                burst=True, with_scheduler=False
            )

    return run


@pytest.fixture
def notifications(app):
    """`notifications()` → every notification row, as plain dicts, oldest first."""

    def read() -> list[dict]:
        with app.app_context():
            rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
            return [
                {column.name: getattr(row, column.name) for column in Notification.__table__.c}
                for row in rows
            ]

    return read


@pytest.fixture
def travel():
    """`travel(instant)`: the clock reads `instant` from now on (and keeps ticking)."""
    travellers = []

    def go(instant: datetime):
        traveller = time_machine.travel(instant, tick=True)
        traveller.start()
        travellers.append(traveller)

    yield go
    for traveller in reversed(travellers):
        traveller.stop()
