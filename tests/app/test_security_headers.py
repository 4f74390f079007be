"""Headers every response carries: no sniffing, no referrer, no framing of pages, private API
answers never stored, HSTS over HTTPS."""


def test_json_csv_and_error_answers_are_never_sniffed(client, as_manager):
    csv = client.get("/api/v1/admin/exports/offerings.csv", headers=as_manager)
    csv.get_data()  # a streamed answer, read to its end as a client would
    answers = [
        client.get("/health"),
        client.get("/api/v1/course-offerings", headers=as_manager),
        csv,
        client.get("/api/v1/no-such-thing"),
    ]

    assert [answer.headers.get("X-Content-Type-Options") for answer in answers] == ["nosniff"] * 4
    assert {answer.headers.get("Referrer-Policy") for answer in answers} == {"no-referrer"}


def test_tokens_and_other_api_answers_are_not_stored(client, create_user):
    user = create_user()

    signed_in = client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": user.password}
    )
    me = client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {signed_in.json['access_token']}"}
    )

    assert signed_in.headers["Cache-Control"] == "no-store"
    assert me.headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get("/health").headers


def test_no_page_can_be_framed(client):
    for path in ("/docs", "/reflection/", "/admin/dashboard/", "/facilitator/"):
        page = client.get(path)

        assert page.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"], path


def test_pages_keep_their_own_strict_policy(client):
    policy = client.get("/reflection/").headers["Content-Security-Policy"]

    assert "script-src 'self'" in policy and "default-src 'none'" in policy


def test_https_answers_ask_browsers_to_stay_on_https(client):
    over_https = client.get("/health", base_url="https://localhost")

    assert over_https.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/health").headers
