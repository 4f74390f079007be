"""The audit trail: every signal becomes one event in the same unit of work, readable by
managers with filters, and never rewritten."""

from datetime import UTC, datetime

import pytest
import time_machine

from app.audit.models import AppendOnly, AuditEvent
from app.auth.models import User
from app.core import signals
from app.courses.models import Module
from app.data.unit_of_work import unit_of_work
from app.extensions import db

EVENTS = "/api/v1/admin/audit-events"
MOMENT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def send(app):
    """`send(signal, sender_loader, **kwargs)` inside one unit of work, in a request carrying
    a request id from 203.0.113.7; the sender is loaded in that unit."""

    def run(signal, load, **kwargs) -> None:
        headers = {"X-Request-ID": "req-audit-1"}
        with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": "203.0.113.7"}):
            app.preprocess_request()
            with unit_of_work():
                signal.send(load(), **{k: v() if callable(v) else v for k, v in kwargs.items()})

    return run


def user_loader(person):
    return lambda: db.session.get(User, person.id)


def events(client, headers, **filters) -> list[dict]:
    response = client.get(EVENTS, query_string=filters, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_user_changes_are_recorded_with_who_when_and_where(
    send, client, manager, as_manager, create_user
):
    student = create_user("student")
    with time_machine.travel(MOMENT, tick=False):
        send(
            signals.user_changed,
            user_loader(student),
            actor=user_loader(manager),
            changes={"is_active": (True, False), "password_hash": ("a", "b")},
        )

    [event] = events(client, as_manager, action="updated", entity_id=student.id)
    assert event["actor_id"] == manager.id
    assert event["occurred_at"] == "2026-03-02T09:30:00+00:00"
    assert event["request_id"] == "req-audit-1"
    assert event["client_address"] == "203.0.113.7"
    # Secrets never reach the trail, not even as a hash.
    assert event["changes"] == {"is_active": [True, False], "password_hash": ["(changed)"] * 2}


def test_a_new_account_is_recorded_without_its_password_hash(client, as_manager, create_user):
    student = create_user("student")

    [event] = events(client, as_manager, action="created", entity_id=student.id)
    assert event["changes"]["email"] == [None, student.email]
    assert "password_hash" not in event["changes"] and "session_version" not in event["changes"]


def test_each_signal_names_its_action(send, client, manager, as_manager, create_user, run_sql):
    student = create_user("student")
    run_sql("INSERT INTO modules (code, name, credits, created_at, updated_at) "
            "VALUES ('AU1', 'Audit', 5, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")  # fmt: skip
    module_id = run_sql("SELECT id FROM modules WHERE code = 'AU1'")[0][0]
    actor = user_loader(manager)
    send(signals.user_signed_in, user_loader(student))
    password = {"password": (None, None)}
    send(signals.user_changed, user_loader(student), actor=user_loader(student), changes=password)
    send(signals.user_changed, user_loader(student), actor=actor, changes=password)
    send(signals.catalogue_changed, lambda: db.session.get(Module, module_id), actor=actor,
         action="created")  # fmt: skip

    recorded = [
        (e["action"], e["entity_type"], e["actor_id"])
        for e in events(client, as_manager)
        if e["entity_type"] != "users" or e["action"] != "created"  # the fixtures' accounts
    ]
    assert recorded == [
        ("created", "modules", manager.id),
        ("password_set", "users", manager.id),
        ("password_changed", "users", student.id),
        ("signed_in", "users", student.id),
    ]


def test_an_event_rolls_back_with_the_change_it_describes(app, client, as_manager, create_user):
    student = create_user("student")
    with app.app_context(), pytest.raises(RuntimeError), unit_of_work():
        signals.user_changed.send(db.session.get(User, student.id), changes={"x": (1, 2)})
        raise RuntimeError("the change failed")

    assert events(client, as_manager, action="updated") == []


def test_a_failed_sign_in_stays_on_record_although_its_request_rolls_back(
    app, client, as_manager, create_user
):
    student = create_user("student")
    with app.app_context(), pytest.raises(RuntimeError), unit_of_work():
        user = db.session.get(User, student.id)
        signals.sign_in_failed.send(student.email, user=user, reason="wrong_password")
        signals.sign_in_failed.send("typo-or-password", user=None, reason="unknown_email")
        raise RuntimeError("401")

    failed = events(client, as_manager, action="sign_in_failed")
    assert [(e["entity_id"], e["changes"]) for e in failed] == [
        (None, {"reason": [None, "unknown_email"]}),
        (student.id, {"reason": [None, "wrong_password"], "email": [None, student.email]}),
    ]


def test_filters_by_actor_entity_action_and_time_window(
    send, client, manager, as_manager, create_user
):
    student, other = create_user("student"), create_user("student")
    for day, person in ((1, student), (2, other), (3, student)):
        with time_machine.travel(datetime(2026, 3, day, 12, tzinfo=UTC), tick=False):
            send(signals.user_signed_in, user_loader(person))

    assert len(events(client, as_manager, actor_id=student.id)) == 2
    assert len(events(client, as_manager, entity_type="users", entity_id=other.id)) == 2
    assert len(events(client, as_manager, action="signed_in")) == 3
    assert events(client, as_manager, action="deleted") == []
    window = events(
        client, as_manager, occurred_from="2026-03-02T00:00:00Z", occurred_to="2026-03-03T12:00Z"
    )
    assert [e["actor_id"] for e in window] == [other.id]


def test_the_trail_is_paginated_newest_first(send, client, as_manager, create_user):
    student = create_user("student")
    for day in range(1, 4):
        with time_machine.travel(datetime(2026, 3, day, tzinfo=UTC), tick=False):
            send(signals.user_signed_in, user_loader(student))

    page = {"page_size": 2, "action": "signed_in"}
    response = client.get(EVENTS, query_string=page, headers=as_manager)
    assert [e["occurred_at"][:10] for e in response.json] == ["2026-03-03", "2026-03-02"]
    assert '"total": 3' in response.headers["X-Pagination"]


def test_bad_filters_are_a_422(client, as_manager):
    response = client.get(EVENTS, query_string={"occurred_from": "yesterday"}, headers=as_manager)
    assert response.status_code == 422 and "occurred_from" in response.json["errors"]["query"]


def test_events_cannot_be_changed_or_deleted(app, send, create_user, manager):
    student = create_user("student")
    send(signals.user_signed_in, user_loader(student))
    with app.app_context():
        signed_in = db.select(AuditEvent).where(AuditEvent.action == "signed_in")
        event = db.session.scalars(signed_in).one()
        event.action = "forged"
        with pytest.raises(AppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalars(signed_in).one())
        with pytest.raises(AppendOnly):
            db.session.flush()
        db.session.rollback()
        for statement in (db.update(AuditEvent).values(action="forged"), db.delete(AuditEvent)):
            with pytest.raises(AppendOnly):
                db.session.execute(statement)
            db.session.rollback()
        assert db.session.scalars(signed_in).one().action == "signed_in"


def test_no_route_writes_to_the_trail(app):
    methods = {
        method
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(EVENTS)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert methods == {"GET"}
