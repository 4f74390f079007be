"""The managers' dashboard in the system Chromium: signing in, the trimester's heat map of a
known fixture (in English and in French), counts on focus, the unstaffed offerings, queue
health."""

from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from app.activity.models import CHECKLIST
from app.extensions import redis_store
from tests.browser.conftest import serious_violations
from tests.conftest import DEFAULT_PASSWORD

ALL_DONE = dict.fromkeys(CHECKLIST, "Done")
TERM = {"year": 2026, "trimester": 1, "start_date": "2026-01-05", "end_date": "2026-04-03"}
# Weekly logs fall due on Mondays at 09:00 in Kigali (07:00 UTC): week 1 on 12 January.
VIEWED_AT = datetime(2026, 2, 10, 12, tzinfo=UTC)  # weeks 1-5 are due
ALICE = ["submitted_on_time", "submitted_late", "incomplete", "missing", "missing"]


@pytest.fixture
def term(client, create_user, create_offering, file_log, as_manager):
    """Alice files week 1 on time, week 2 late, week 3 incomplete and nothing since; Bob files
    nothing; one offering has no facilitator and Claude's is run by a deactivated account."""
    alice = create_user("facilitator", first_name="Alice", last_name="Uwase")
    bob = create_user("facilitator", first_name="Bob", last_name="Mugisha")
    claude = create_user("facilitator", first_name="Claude", last_name="Gone")
    alices = create_offering(facilitator_id=alice.id, **TERM)
    create_offering(facilitator_id=bob.id, **TERM)
    create_offering(**TERM)
    create_offering(facilitator_id=claude.id, **TERM)
    client.patch(f"/api/v1/admin/users/{claude.id}", json={"is_active": False}, headers=as_manager)
    with time_machine.travel(datetime(2026, 1, 10, tzinfo=UTC), tick=False):
        assert file_log(alice, alices["id"], 1, **ALL_DONE).status_code == 201
    with time_machine.travel(datetime(2026, 1, 25, tzinfo=UTC), tick=False):
        assert file_log(alice, alices["id"], 2, **ALL_DONE).status_code == 201
        assert file_log(alice, alices["id"], 3).status_code == 201


@pytest.fixture
def signed_in(page, live_server, manager, term):
    """`signed_in(language)` → the page, signed in as the manager, showing trimester 1 of 2026."""

    def open_dashboard(language: str):
        page.goto(f"{live_server}/admin/dashboard/?lang={language}&year=2026&trimester=1")
        page.wait_for_selector("body[data-ready]")
        page.fill("#email", manager.email)
        page.fill("#password", DEFAULT_PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_selector("#heatmap tbody tr")
        return page

    with time_machine.travel(VIEWED_AT):
        yield open_dashboard


def outcomes(page, name: str) -> list[str]:
    row = page.locator("#heatmap tbody tr", has=page.locator(f"th:text-is('{name}')"))
    return row.locator("button.cell").evaluate_all("cells => cells.map(c => c.dataset.outcome)")


def test_the_heat_map_shows_each_facilitators_weeks_in_english(signed_in):
    page = signed_in("en")

    # Claude's account is deactivated; the weeks his offering missed still count.
    names = ["Alice Uwase", "Bob Mugisha", "Claude Gone"]
    assert page.locator("#heatmap tbody th").all_inner_texts() == names
    assert outcomes(page, "Alice Uwase") == ALICE
    assert outcomes(page, "Bob Mugisha") == ["missing"] * 5
    assert page.locator("#heatmap thead th").all_inner_texts() == ["Facilitator", *"12345"]
    assert page.locator("#legend li").all_inner_texts() == [
        "✕\nMissing",
        "…\nIncomplete",
        "!\nLate",
        "✓\nOn time",
    ]
    first = page.locator("#heatmap tbody tr").first.locator("button.cell").first
    assert first.get_attribute("aria-label") == "Alice Uwase, week 1: On time: 1"
    assert "Logs due: 20. On time: 1, late: 1, incomplete: 1, missing: 17." in page.inner_text(
        "#totals"
    )
    assert page.errors == []


def test_counts_show_on_keyboard_focus_and_hover(signed_in):
    page = signed_in("en")

    page.locator("button.cell").first.focus()
    page.keyboard.press("Tab")  # the next week of the same facilitator
    focused = page.inner_text("#cell-detail")
    page.locator("button.cell").nth(2).hover()
    hovered = page.inner_text("#cell-detail")

    assert focused == "Alice Uwase, week 2: Late: 1"
    assert hovered == "Alice Uwase, week 3: Incomplete: 1"


def workload(page) -> list[list[str]]:
    page.wait_for_selector("#workload tbody tr")
    return [
        row.locator("th, td").all_inner_texts() for row in page.locator("#workload tbody tr").all()
    ]


@pytest.mark.parametrize(
    ("language", "heading", "load", "full"),
    [("en", "Facilitator workload", "{} of {}", "None (full)"),
     ("fr", "Charge des facilitateurs", "{} sur {}", "Aucune (complet)")],
)  # fmt: skip
def test_the_workload_table_shows_each_facilitators_load(
    run_sql, signed_in, language, heading, load, full
):
    run_sql(
        "UPDATE facilitator_profiles SET max_offerings_per_trimester = 1 WHERE user_id ="
        " (SELECT id FROM users WHERE first_name = 'Bob')"
    )
    page = signed_in(language)

    assert page.inner_text("#workload-heading") == heading
    # Name, offerings of the maximum, room left, students, logs due, missing, late, at risk.
    assert workload(page) == [
        ["Bob Mugisha", load.format(1, 1), full, "0", "5", "5", "0", "0"],
        ["Alice Uwase", load.format(1, 4), "3", "0", "5", "2", "1", "0"],
    ]
    assert page.errors == []


def test_the_unstaffed_offerings_are_listed_with_the_reason(signed_in):
    page = signed_in("en")

    reasons = page.locator("#unstaffed tbody tr td:last-child").all_inner_texts()

    assert sorted(reasons) == ["Facilitator deactivated", "No facilitator assigned"]


def test_the_same_heat_map_in_french(signed_in):
    page = signed_in("fr")

    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.inner_text("h1") == "Tableau de bord de conformité"
    assert outcomes(page, "Alice Uwase") == ALICE
    first = page.locator("button.cell").first
    assert first.get_attribute("aria-label") == "Alice Uwase, semaine 1\u00a0: À l'heure\u00a0: 1"
    assert page.locator("#heatmap thead th").first.inner_text() == "Facilitateur"
    assert sorted(page.locator("#unstaffed tbody td:last-child").all_inner_texts()) == [
        "Aucun facilitateur attribué", "Facilitateur désactivé"
    ]  # fmt: skip
    assert page.errors == []


def test_switching_language_redraws_the_map(signed_in):
    page = signed_in("en")

    page.click("#language-switch")
    page.wait_for_selector("html[lang='fr']", state="attached")

    assert page.inner_text("#language-switch") == "English"
    assert page.locator("button.cell").nth(1).get_attribute("aria-label") == (
        "Alice Uwase, semaine 2\u00a0: En retard\u00a0: 1"
    )


def test_queue_health_shows_a_failed_job_and_requeues_it_from_the_keyboard(app, signed_in, work):
    with app.app_context():
        redis_store.queue("default").enqueue("workers.jobs.sweep", "not an instant")
    work()  # the job fails: its argument is no instant
    page = signed_in("fr")
    page.wait_for_selector("#queues tbody tr")

    def failed(queue: str) -> str:
        return page.inner_text(f"#queues tr[data-queue='{queue}'] td[data-count='failed']")

    assert (failed("default"), failed("notifications")) == ("1", "0")
    assert (
        page.inner_text("#workers")
        == "Aucun worker n'est actif\u00a0: les tâches en file attendent."
    )
    page.focus("#requeue")
    page.keyboard.press("Enter")
    page.wait_for_selector("#requeue", state="hidden")
    assert failed("default") == "0"
    assert page.inner_text("#status") == "Tâches en échec relancées\u00a0: 1."
    assert page.errors == []


def test_a_student_is_turned_away(page, live_server, create_user):
    student = create_user("student")
    page.goto(f"{live_server}/admin/dashboard/?lang=en")
    page.wait_for_selector("body[data-ready]")
    page.fill("#email", student.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("#signin-form button[type=submit]")

    page.wait_for_selector("#status.error")
    assert page.inner_text("#status") == "This dashboard is for managers only."
    assert page.locator("#board").is_hidden()


def test_signing_out_ends_the_session_on_the_server(signed_in, client):
    page = signed_in("en")
    token = page.evaluate("sessionStorage.getItem('dashboard.token')")

    with page.expect_response("**/api/v1/auth/logout") as logout:
        page.click("#signout")

    assert logout.value.status == 204
    assert page.evaluate("sessionStorage.length") == 0
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_a_turned_away_student_is_signed_out_too(page, live_server, create_user, client):
    student = create_user("student")
    page.goto(f"{live_server}/admin/dashboard/?lang=en")
    page.wait_for_selector("body[data-ready]")
    page.fill("#email", student.email)
    page.fill("#password", DEFAULT_PASSWORD)

    with (
        page.expect_response("**/api/v1/auth/login") as login,
        page.expect_response("**/api/v1/auth/logout") as logout,
    ):
        page.click("#signin-form button[type=submit]")

    assert logout.value.status == 204
    token = login.value.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_the_page_is_served_under_a_strict_policy(client):
    response = client.get("/admin/dashboard/")

    policy = response.headers["Content-Security-Policy"]
    assert response.status_code == 200 and '<table id="heatmap"' in response.get_data(as_text=True)
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


# --- on a phone -------------------------------------------------------------------------------

# Whatever sticks out past the right edge of the screen, outside the heat map's own scrolling
# box (the only part meant to scroll sideways, with its caption kept in view).
STICKING_OUT = """() => {
  const edge = document.documentElement.clientWidth;
  return [...document.querySelectorAll("main *, header *")]
    .filter((node) => node.getClientRects().length)
    .filter((node) => node.tagName === "CAPTION" || !node.closest(".scroll"))
    .filter((node) => node.getBoundingClientRect().right > edge + 0.5)
    .map((node) => `${node.tagName.toLowerCase()}#${node.id}.${node.className}`);
}"""


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_nothing_scrolls_sideways_on_a_phone(signed_in, axe_source, language, width, tmp_path):
    page = signed_in(language)
    page.set_viewport_size({"width": width, "height": 800})
    page.wait_for_selector("#queues tbody tr")

    page.screenshot(path=tmp_path / f"dashboard-{width}-{language}.png", full_page=True)

    assert page.evaluate(STICKING_OUT) == []
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width
    assert serious_violations(page, axe_source) == []


@pytest.mark.parametrize(("first", "then", "updated"), [("en", "fr", "Mis à jour à "),
                                                         ("fr", "en", "Updated at ")])  # fmt: skip
def test_the_status_line_follows_a_language_switch(signed_in, first, then, updated):
    page = signed_in(first)
    page.wait_for_selector("#status:not(:empty)")

    page.click("#language-switch")
    page.wait_for_selector(f"html[lang='{then}']", state="attached")

    assert page.inner_text("#status").startswith(updated)


def open_signin(page, live_server, language: str):
    page.goto(f"{live_server}/admin/dashboard/?lang={language}")
    page.wait_for_selector("body[data-ready]")
    return page


@pytest.mark.parametrize(
    ("language", "refused"), [("en", "Sign-in failed: "), ("fr", "Échec de la connexion\u00a0: ")]
)
def test_a_refused_password_is_cleared_from_the_box(page, live_server, manager, language, refused):
    open_signin(page, live_server, language)
    page.fill("#email", manager.email)
    page.fill("#password", "not the password")

    page.press("#password", "Enter")

    page.wait_for_selector("#status.error")
    assert page.inner_text("#status").startswith(refused)
    assert page.input_value("#password") == ""
    assert page.input_value("#email") == manager.email


@pytest.mark.parametrize(("language", "progress"), [("en", "Signing in…"),
                                                    ("fr", "Connexion en cours…")])  # fmt: skip
def test_a_sign_in_in_flight_shows_progress_and_is_sent_once(
    page, live_server, manager, language, progress
):
    held, sent = [], []
    page.route(
        "**/api/v1/auth/login", lambda route: held.append(route)
    )  # answered only when the test says so
    page.on("request", lambda request: "/auth/login" in request.url and sent.append(request))
    open_signin(page, live_server, language)
    page.fill("#email", manager.email)
    page.fill("#password", DEFAULT_PASSWORD)

    page.press("#password", "Enter")
    page.wait_for_selector("#signin-form button[type=submit]:disabled", timeout=5000)
    page.press("#password", "Enter")  # impatient: a second try while the first is out
    page.click("#signin-form button[type=submit]", force=True)

    assert page.inner_text("#status") == progress
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_selector("#board:not([hidden])")
    assert len(sent) == 1
    page.click("#signout")
    expect(page.locator("#signin-form button[type=submit]")).to_be_enabled()
