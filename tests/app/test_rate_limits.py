"""General rate limits: per signed-in user, per address for anyone else, stricter on the
expensive routes, counted in the real Redis; small limits are set through `app_with`."""

import io

import jwt

EXPORTS = "/api/v1/admin/exports"
ME = "/api/v1/auth/me"
ELSEWHERE = {"REMOTE_ADDR": "192.0.2.7"}


def assert_rate_limited(response, window_seconds: int) -> None:
    assert response.status_code == 429
    assert response.json == {
        "code": 429,
        "status": "Too Many Requests",
        "message": "Too many requests. Try again later.",
    }
    assert 1 <= int(response.headers["Retry-After"]) <= window_seconds
    assert response.headers["X-Request-ID"]


def test_exports_share_a_stricter_allowance_per_manager(app_with, create_user, auth_headers):
    client = app_with(EXPORT_RATE_LIMIT="3 per hour").test_client()
    first, second = create_user("manager"), create_user("manager")
    as_first = auth_headers(first)

    def download(name: str, headers: dict):
        # Read to the end, as a browser does: a stream left unread keeps its transaction open
        # (and, on SQLite, the database's write lock).
        return client.get(f"{EXPORTS}/{name}", headers=headers, buffered=True)

    downloads = [
        download("offerings.csv", as_first),
        download("activity-logs.csv", as_first),
        download("offerings.csv", as_first),
    ]
    refused = download("activity-logs.csv", as_first)

    assert [response.status_code for response in downloads] == [200, 200, 200]
    assert_rate_limited(refused, 3600)
    assert download("offerings.csv", auth_headers(second)).status_code == 200
    assert client.get(ME, headers=as_first).status_code == 200  # only the exports are spent


def test_the_compliance_report_and_the_import_have_their_own_allowance(
    app_with, create_user, auth_headers
):
    app = app_with(COMPLIANCE_RATE_LIMIT="1 per minute", IMPORT_RATE_LIMIT="1 per hour")
    client, as_manager = app.test_client(), auth_headers(create_user("manager"))
    report = "/api/v1/activity-logs/compliance?trimester=1&year=2026"

    def dry_run_import():
        upload = {"file": (io.BytesIO(b"email,first_name,last_name\n"), "students.csv")}
        return client.post(
            "/api/v1/admin/users/import?dry_run=true", data=upload, headers=as_manager
        )

    assert client.get(report, headers=as_manager).status_code == 200
    assert_rate_limited(client.get(report, headers=as_manager), 60)
    assert dry_run_import().status_code != 429
    assert_rate_limited(dry_run_import(), 3600)


def test_every_signed_in_request_counts_towards_the_users_general_limit(
    app_with, create_user, auth_headers
):
    client = app_with(RATE_LIMIT_PER_USER="3 per minute").test_client()
    busy, other = create_user("facilitator"), create_user("student")
    as_busy = auth_headers(busy)

    answers = [
        client.get(ME, headers=as_busy).status_code,
        client.get("/api/v1/course-offerings", headers=as_busy).status_code,
        client.get("/api/v1/notifications", headers=as_busy).status_code,
    ]

    assert answers == [200, 200, 200]
    assert_rate_limited(client.get(ME, headers=as_busy), 60)
    assert client.get(ME, headers=auth_headers(other)).status_code == 200


def test_a_token_nobody_signed_is_counted_by_address_not_as_the_user_it_names(
    app_with, create_user, auth_headers
):
    client = app_with(RATE_LIMIT_PER_USER="1 per minute").test_client()
    user = create_user()
    assert client.get(ME, headers=auth_headers(user)).status_code == 200
    forged = jwt.encode(
        {"sub": str(user.id), "type": "access"},
        "a key that is not the one the app signs with",
        "HS256",
    )

    response = client.get(ME, headers={"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401  # not 429: the forged token spent nothing of the user's


def test_a_revoked_token_is_counted_by_address_and_spends_nothing_of_its_user(
    app_with, create_user, auth_headers
):
    client = app_with(RATE_LIMIT_PER_USER="2 per minute", RATE_LIMIT_PER_ADDRESS="2 per minute")
    client = client.test_client()
    user = create_user()
    revoked = auth_headers(user)
    assert client.post("/api/v1/auth/logout", headers=revoked).status_code == 204  # 1 of 2

    answers = [client.get(ME, headers=revoked).status_code for _ in range(2)]

    assert answers == [401, 401]
    assert_rate_limited(client.get(ME, headers=revoked), 60)  # the address's allowance is spent
    assert client.get(ME, headers=auth_headers(user)).status_code == 200  # the user's is not


def test_anonymous_callers_are_limited_per_address(app_with, create_user, auth_headers):
    client = app_with(RATE_LIMIT_PER_ADDRESS="2 per minute").test_client()
    signed_in = auth_headers(create_user())

    assert client.get("/openapi.json").status_code == 200
    assert client.get("/reflection/").status_code == 200
    assert_rate_limited(client.post("/api/v1/auth/login", json={}), 60)
    assert client.get("/openapi.json", environ_base=ELSEWHERE).status_code == 200
    assert client.get(ME, headers=signed_in).status_code == 200  # counted as its user


def test_the_health_check_is_never_limited(app_with):
    client = app_with(RATE_LIMIT_PER_ADDRESS="1 per minute").test_client()

    answers = {client.get("/health").status_code for _ in range(5)}

    assert answers == {200}
    assert client.get("/openapi.json").status_code == 200
    assert_rate_limited(client.get("/openapi.json"), 60)


def test_cors_preflights_spend_no_allowance(app_with):
    """A page on another origin sends a preflight before each call: a classroom behind one
    address would otherwise hit its limit at half the calls."""
    origin = "https://pages.example"
    client = app_with(RATE_LIMIT_PER_ADDRESS="1 per minute", CORS_ORIGINS=origin).test_client()
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}

    answers = {
        client.options("/api/v1/auth/login", headers=preflight).status_code for _ in range(3)
    }

    assert answers == {200}
    assert client.get("/openapi.json").status_code == 200
    assert_rate_limited(client.get("/openapi.json"), 60)


COMPLIANCE = "/api/v1/activity-logs/compliance?trimester=1&year=2026"


def test_a_head_request_spends_the_routes_own_allowance(app_with, create_user, auth_headers):
    client = app_with(COMPLIANCE_RATE_LIMIT="1 per minute").test_client()
    headers = auth_headers(create_user("manager"))

    assert client.head(COMPLIANCE, headers=headers).status_code == 200

    assert_rate_limited(client.get(COMPLIANCE, headers=headers), 60)


def test_a_request_over_the_general_limit_spends_no_route_allowance(
    app_with, create_user, auth_headers
):
    app = app_with(RATE_LIMIT_PER_USER="1 per minute", COMPLIANCE_RATE_LIMIT="1 per minute")
    client, headers = app.test_client(), auth_headers(create_user("manager"))
    assert client.get(ME, headers=headers).status_code == 200

    assert_rate_limited(client.get(COMPLIANCE, headers=headers), 60)  # over the general limit

    app.config["RATE_LIMIT_PER_USER"] = "10 per minute"  # a larger allowance, counted afresh
    assert client.get(COMPLIANCE, headers=headers).status_code == 200  # the report's is intact


def test_an_anonymous_caller_of_a_signed_in_route_hears_401_not_its_limit(app_with):
    client = app_with(EXPORT_RATE_LIMIT="1 per hour").test_client()

    answers = [client.get(f"{EXPORTS}/offerings.csv").status_code for _ in range(3)]

    assert answers == [401, 401, 401]


def test_a_refusal_speaks_the_signed_in_users_language(app_with, create_user, auth_headers):
    client = app_with(RATE_LIMIT_PER_USER="1 per minute").test_client()
    headers = auth_headers(create_user(preferred_language="fr"))
    assert client.get(ME, headers=headers).status_code == 200

    refused = client.get(ME, headers=headers)

    assert refused.status_code == 429
    assert refused.json["message"] == "Trop de requêtes. Réessayez plus tard."


def test_unknown_paths_spend_no_allowance(app_with):
    client = app_with(RATE_LIMIT_PER_ADDRESS="1 per minute").test_client()

    answers = {client.get(f"/api/v1/no-such-thing-{number}").status_code for number in range(3)}

    assert answers == {404}
    assert client.get("/openapi.json").status_code == 200
    assert_rate_limited(client.get("/openapi.json"), 60)
