"""Cached answers are admitted as computed ones are: the same token, account and role checks, the
same rate limits, the same headers and log line; only the computation is skipped."""

import logging
import logging.handlers

import pytest
import redis
import redis.connection

from app.observability.logs import RequestContext

OFFERINGS = "/api/v1/course-offerings"
ME = "/api/v1/auth/me"
COMPLIANCE = "/api/v1/activity-logs/compliance?trimester=1&year=2026"


@pytest.fixture
def redis_exchanges(monkeypatch):
    """`with redis_exchanges() as sent:` lists the exchanges with the real Redis, at the socket,
    by the name of the first command sent (a pipeline or a script is one exchange)."""
    send = redis.connection.Connection.send_packed_command

    class Counter:
        def __enter__(self):
            self.sent = []

            def counted(connection, command, *arguments, **options):
                packed = b"".join(command) if isinstance(command, list) else command
                self.sent.append(packed.split(b"\r\n")[2].decode().upper())  # *N, $len, name
                return send(connection, command, *arguments, **options)

            monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)
            return self.sent

        def __exit__(self, *_exception):
            monkeypatch.setattr(redis.connection.Connection, "send_packed_command", send)

    return Counter


def read_twice(client, path: str, headers: dict, count_queries, redis_exchanges) -> tuple:
    """The second answer's SQL statements and Redis exchanges."""
    first = client.get(path, headers=headers)
    with count_queries() as statements, redis_exchanges() as sent:
        second = client.get(path, headers=headers)
    assert second.status_code == 200
    assert second.get_data() == first.get_data()
    return statements, sent


@pytest.mark.parametrize(("path", "limits"), [(OFFERINGS, []), (ME, []), (COMPLIANCE, ["INCRBY"])])
def test_a_repeated_read_makes_no_sql_and_few_exchanges_with_redis(
    client, create_user, auth_headers, count_queries, redis_exchanges, path, limits
):
    """Revocation, identity, the general rate limit and the stored answer in one exchange, and
    one more for a route with limits of its own (compliance has one)."""
    headers = auth_headers(create_user("manager"))

    statements, sent = read_twice(client, path, headers, count_queries, redis_exchanges)

    assert (statements, sent) == ([], ["EXISTS", *limits])


def test_cached_and_computed_answers_spend_one_allowance(app_with, create_user, auth_headers):
    client = app_with(RATE_LIMIT_PER_USER="3 per minute").test_client()
    headers = auth_headers(create_user("facilitator"))

    statuses = [client.get(OFFERINGS, headers=headers).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_a_routes_own_limit_counts_cached_answers(app_with, create_user, auth_headers):
    client = app_with(COMPLIANCE_RATE_LIMIT="2 per minute").test_client()
    headers = auth_headers(create_user("manager"))

    statuses = [client.get(COMPLIANCE, headers=headers).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert client.get(OFFERINGS, headers=headers).status_code == 200  # only compliance spent


def test_a_signed_out_token_spends_none_of_its_owners_allowance(app_with, create_user, tokens_for):
    """Replaying a token after sign-out (a stolen one, say) is refused every time, and counted
    against the address it comes from, never against the account it names."""
    client = app_with(RATE_LIMIT_PER_USER="4 per minute").test_client()
    user = create_user("student")
    signed_out, other_session = (tokens_for(user)["access_token"] for _ in range(2))
    as_signed_out = {"Authorization": f"Bearer {signed_out}"}
    as_other = {"Authorization": f"Bearer {other_session}"}
    assert client.get(ME, headers=as_signed_out).status_code == 200  # 1: answer cached
    assert client.get(ME, headers=as_other).status_code == 200  # 2
    assert client.post("/api/v1/auth/logout", headers=as_signed_out).status_code == 204  # 3

    replays = [client.get(ME, headers=as_signed_out).status_code for _ in range(5)]

    assert replays == [401] * 5
    assert client.get(ME, headers=as_other).status_code == 200  # 4
    assert client.get(ME, headers=as_other).status_code == 429


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ("UPDATE users SET is_active = 0 WHERE id = :id", 401),
        ("UPDATE users SET session_version = session_version + 1 WHERE id = :id", 401),
        ("UPDATE users SET role = 'student' WHERE id = :id", 403),
    ],
)
def test_an_account_change_is_seen_by_the_next_request_and_every_one_after(
    client, create_user, auth_headers, run_sql, change, status
):
    """The shared answer computed again for another manager, the changed account cached again:
    the cached answer is refused as a computed one would be."""
    manager, colleague = create_user("manager"), create_user("manager")
    headers = auth_headers(manager)
    assert client.get(COMPLIANCE, headers=headers).status_code == 200

    run_sql(change, id=manager.id)
    assert client.get(COMPLIANCE, headers=auth_headers(colleague)).status_code == 200

    assert [client.get(COMPLIANCE, headers=headers).status_code for _ in range(3)] == [status] * 3


def test_a_cached_answer_carries_the_computed_ones_headers(client, create_user, auth_headers):
    headers = auth_headers(create_user("manager"), **{"X-Request-ID": "trace-42"})
    computed = client.get(OFFERINGS, headers=headers)

    cached = client.get(OFFERINGS, headers=headers)

    assert cached.headers == computed.headers
    assert cached.headers["X-Request-ID"] == "trace-42"
    assert cached.headers["Cache-Control"] == "no-store"
    assert cached.headers["X-Content-Type-Options"] == "nosniff"
    etag = cached.headers["ETag"]
    revalidated = client.get(OFFERINGS, headers={**headers, "If-None-Match": etag})
    assert (revalidated.status_code, revalidated.headers["ETag"]) == (304, etag)


def test_a_cached_answer_is_logged_with_its_user(app_with, create_user, auth_headers):
    client = app_with(ACCESS_LOG=True).test_client()
    user = create_user("facilitator")
    headers = auth_headers(user)
    client.get(OFFERINGS, headers=headers)
    lines = logging.handlers.BufferingHandler(capacity=100)
    lines.addFilter(RequestContext())
    access = logging.getLogger("app.access")
    level = access.level
    access.addHandler(lines)
    access.setLevel(logging.INFO)
    try:
        client.get(OFFERINGS, headers=headers)
    finally:
        access.removeHandler(lines)
        access.setLevel(level)

    (line,) = lines.buffer
    assert (line.user_id, line.status, line.route) == (user.id, 200, "/api/v1/course-offerings")


def test_a_caller_over_one_limit_spends_no_other_allowance(app_with, create_user, auth_headers):
    """Refused for the compliance limit, a request counts towards the general limit as on the
    other routes, and towards nothing more."""
    app = app_with(RATE_LIMIT_PER_USER="3 per minute", COMPLIANCE_RATE_LIMIT="1 per minute")
    client, headers = app.test_client(), auth_headers(create_user("manager"))

    statuses = [client.get(COMPLIANCE, headers=headers).status_code for _ in range(2)]
    statuses += [client.get(ME, headers=headers).status_code for _ in range(2)]

    assert statuses == [200, 429, 200, 429]
