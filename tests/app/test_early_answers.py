"""Cached answers served before the framework (app.early_answers): only when the full path would
serve the same answer, counted in the same rate limits, and with the same headers, log line and
metrics; whatever fails a check takes the full path and gets its answer there."""

import logging
import logging.handlers

import pytest
import redis
import redis.connection
from flask_limiter.util import get_qualified_name

from app.early_answers import INLINE_LIMIT
from app.extensions import limiter
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


def read_three_times(client, path: str, headers: dict, count_queries, redis_exchanges) -> tuple:
    """The first answer, and the third with the SQL statements and Redis exchanges it cost (the
    second may first have to send Redis the script itself)."""
    first = client.get(path, headers=headers)
    client.get(path, headers=headers)
    with count_queries() as statements, redis_exchanges() as sent:
        third = client.get(path, headers=headers)
    assert third.status_code == 200
    assert third.get_data() == first.get_data()
    return statements, sent


@pytest.mark.parametrize("path", [OFFERINGS, ME, COMPLIANCE])
def test_a_repeated_read_is_one_exchange_with_redis_and_no_sql(
    client, create_user, auth_headers, count_queries, redis_exchanges, path
):
    """Revocation, identity, the stored answer and every rate limit the route counts towards
    (compliance has its own besides the general one), in one script."""
    headers = auth_headers(create_user("manager"))

    statements, sent = read_three_times(client, path, headers, count_queries, redis_exchanges)

    assert (statements, sent) == ([], ["EVALSHA"])


def test_a_large_answer_is_fetched_apart_in_a_second_exchange(
    client, create_offering, as_manager, count_queries, redis_exchanges
):
    """Past INLINE_LIMIT the script checks the entry's stamp without loading the entry, which
    is then read with a plain GET."""
    for _ in range(60):
        create_offering()
    path = f"{OFFERINGS}?page_size=100"
    assert len(client.get(path, headers=as_manager).get_data()) > INLINE_LIMIT

    statements, sent = read_three_times(client, path, as_manager, count_queries, redis_exchanges)

    assert (statements, sent) == ([], ["EVALSHA", "GET"])


def test_an_early_answer_survives_redis_forgetting_the_script(
    private_redis, app_with, create_user, auth_headers, redis_exchanges
):
    """Redis forgets its scripts when it restarts: the next request loads the script again and
    is answered early all the same; the one after is a single exchange again. (A Redis of its
    own: SCRIPT FLUSH empties every database of a server.)"""
    client = app_with(REDIS_URL=private_redis.url).test_client()
    headers = auth_headers(create_user("manager"))
    first = client.get(ME, headers=headers)
    client.get(ME, headers=headers)
    redis.Redis.from_url(private_redis.url).script_flush()

    with redis_exchanges() as sent:
        reloaded = client.get(ME, headers=headers)
    with redis_exchanges() as sent_after:
        again = client.get(ME, headers=headers)

    assert reloaded.status_code == again.status_code == 200
    assert reloaded.get_data() == again.get_data() == first.get_data()
    assert (sent, sent_after) == (["EVALSHA", "SCRIPT", "EVALSHA"], ["EVALSHA"])


def test_served_early_and_computed_answers_spend_one_allowance(app_with, create_user, auth_headers):
    client = app_with(RATE_LIMIT_PER_USER="3 per minute").test_client()
    headers = auth_headers(create_user("facilitator"))

    statuses = [client.get(OFFERINGS, headers=headers).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_a_routes_own_limit_is_counted_when_served_early(app_with, create_user, auth_headers):
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
    """The shared answer computed again for another manager, the changed account cached again,
    and its token still verified by this process: the early answer refuses what the full path
    refuses."""
    manager, colleague = create_user("manager"), create_user("manager")
    headers = auth_headers(manager)
    assert client.get(COMPLIANCE, headers=headers).status_code == 200

    run_sql(change, id=manager.id)
    assert client.get(COMPLIANCE, headers=auth_headers(colleague)).status_code == 200

    assert [client.get(COMPLIANCE, headers=headers).status_code for _ in range(3)] == [status] * 3


def test_an_early_answer_carries_the_full_paths_headers(client, create_user, auth_headers):
    headers = auth_headers(create_user("manager"), **{"X-Request-ID": "trace-42"})
    computed = client.get(OFFERINGS, headers=headers)

    early = client.get(OFFERINGS, headers=headers)

    assert early.headers == computed.headers
    assert early.headers["X-Request-ID"] == "trace-42"
    assert early.headers["Cache-Control"] == "no-store"
    assert early.headers["X-Content-Type-Options"] == "nosniff"
    etag = early.headers["ETag"]
    revalidated = client.get(OFFERINGS, headers={**headers, "If-None-Match": etag})
    assert (revalidated.status_code, revalidated.headers["ETag"]) == (304, etag)


def test_an_early_answer_is_logged_with_its_user(app_with, create_user, auth_headers):
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


def test_head_requests_and_other_tokens_take_the_full_path(
    client, create_user, auth_headers, tokens_for, redis_exchanges
):
    user = create_user("manager")
    tokens = tokens_for(user)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    client.get(OFFERINGS, headers=headers)
    signature = headers["Authorization"].rsplit(".", 1)[1]
    middle = len(signature) // 2
    changed = "A" if signature[middle] != "A" else "B"
    forged = {"Authorization": headers["Authorization"][: -len(signature) + middle] + changed
              + signature[middle + 1 :]}  # fmt: skip

    with redis_exchanges() as sent:
        assert client.get(OFFERINGS, headers=forged).status_code == 401
    assert len(sent) == 1  # the address's rate limit only: no script, nothing looked up
    with redis_exchanges() as sent:
        assert client.head(OFFERINGS, headers=headers).status_code == 200
    assert len(sent) > 1  # the token check, the limit, the cache: the full path
    # A refresh token, verified by this process once refused, is refused again, not served.
    assert [client.get(OFFERINGS, headers=refresh).status_code for _ in range(2)] == [401, 401]


def test_a_caller_over_one_limit_spends_no_other_allowance(app_with, create_user, auth_headers):
    """Refused for the compliance limit, a request counts towards the general limit as on the
    full path, and towards nothing more."""
    app = app_with(RATE_LIMIT_PER_USER="3 per minute", COMPLIANCE_RATE_LIMIT="1 per minute")
    client, headers = app.test_client(), auth_headers(create_user("manager"))

    statuses = [client.get(COMPLIANCE, headers=headers).status_code for _ in range(2)]
    statuses += [client.get(ME, headers=headers).status_code for _ in range(2)]

    assert statuses == [200, 429, 200, 429]


def test_every_limit_a_cached_view_counts_is_one_an_early_answer_counts(app):
    """An early answer counts the general limit and those `Blueprint.limited` names on the
    view; a limit set on a cached view any other way would go uncounted."""
    views = cached_get_handlers(app)
    with app.test_request_context():
        counted = {
            view.__qualname__: (
                {limit.scope for limit in limiter.limit_manager.decorated_limits(
                    get_qualified_name(view))},
                set(getattr(view, "rate_limit_settings", ())),
            )
            for view in views
        }  # fmt: skip

    assert {name: limits for name, (limits, _) in counted.items()} == {
        name: named for name, (_, named) in counted.items()
    }
    assert counted["Compliance.get"][0] == {"COMPLIANCE_RATE_LIMIT"}


def cached_get_handlers(app) -> list:
    """The function answering GET on each route whose answers are cached."""
    handlers = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        handler = getattr(view.view_class, "get", None) if hasattr(view, "view_class") else view
        if "GET" in rule.methods and hasattr(handler, "response_policy"):
            handlers.append(handler)
    return handlers
