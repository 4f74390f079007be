"""The facilitator's page as facilitators and managers use it, in Chromium: a known trimester's
weeks in their states, filing and editing a week with its roster, conflicts, drafts that survive
a dropped connection, both languages, the keyboard alone, axe-core, phones, and the links that
reminders carry."""

import json
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from app.config import PROJECT_ROOT
from tests.activity.conftest import (  # noqa: F401  (fixtures)
    ALL_DONE,
    create_log,
    edit_log,
    enrolled,
    entries,
    facilitator,
    file_log,
    offering_of,
)
from tests.browser.conftest import serious_violations
from tests.notifications.conftest import notifications, smtp, sweep, work  # noqa: F401

CATALOGUES = {
    language: json.loads((PROJECT_ROOT / "facilitator_page" / "i18n" / f"{language}.json")
                         .read_text(encoding="utf-8"))
    for language in ("en", "fr")
}  # fmt: skip
# The default offering starts Monday 2026-01-05 and runs 13 weeks; week n is due at 09:00 in
# Kigali (07:00 UTC) on the Monday 7·n days later, and a filed log locks 14 days after that.
SATURDAY = datetime(2026, 2, 7, 10, 0, tzinfo=UTC)
STATES = ["locked", "overdue", "filed_late", "filed", "due_soon", "incomplete"]
STATES += ["not_yet_due"] * 7


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def term(time_machine, facilitator, offering_of, create_log, enrolled):
    """Weeks 1, 3, 4 and 6 of a trimester filed by its facilitator (Alan absent each time: at
    risk), the clock left at SATURDAY 2026-02-07 and ticking."""
    offering_id = offering_of(facilitator)
    ada, grace, alan = enrolled(offering_id, "Ada Lovelace", "Grace Hopper", "Alan Turing")
    taken = entries((ada, "present"), (grace, "present"), (alan, "absent"))
    for week, day, checklist in (
        (1, "2026-01-10 12:00", ALL_DONE),  # on time, locked since 2026-01-26
        (3, "2026-01-28 12:00", ALL_DONE),  # two days late
        (4, "2026-02-01 12:00", ALL_DONE),  # on time
        (6, "2026-02-06 12:00", {}),  # early, every item still to do
    ):
        time_machine.move_to(at(day), tick=False)
        create_log(facilitator, offering_id, week, attendance=taken, **checklist)
    time_machine.move_to(SATURDAY, tick=True)
    return SimpleNamespace(
        offering_id=offering_id, facilitator=facilitator, ada=ada, grace=grace, alan=alan
    )


@pytest.fixture
def open_page(browser, live_server):
    """`open_page(address="", clock_at=SATURDAY, **context_options)` → a page on /facilitator/
    in a fresh context, the browser's clock fixed at `clock_at`; script errors and CSP
    violations fail the test."""
    contexts, problems = [], []

    def make(address: str = "", clock_at=SATURDAY, **options):
        options = {"locale": "en-GB", "timezone_id": "Africa/Kigali",
                   "viewport": {"width": 1024, "height": 900}} | options  # fmt: skip
        context = browser.new_context(base_url=live_server, **options)
        contexts.append(context)
        context.clock.set_fixed_time(clock_at)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on("console", lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ))  # fmt: skip
        page.goto(f"/facilitator/{address}")
        page.wait_for_selector("body[data-ready='true']")
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == []


def sign_in(page, user) -> None:
    page.fill("#email", user.email)
    page.fill("#password", user.password)
    page.press("#password", "Enter")
    expect(page.locator("#signed-in")).to_be_visible()


@pytest.fixture
def signed_in(open_page, term):
    """`signed_in(address="", user=the facilitator, **options)` → the page, signed in, showing
    the weeks (or the week the address names)."""

    def make(address: str = "", user=None, **options):
        page = open_page(address, **options)
        sign_in(page, user or term.facilitator)
        page.wait_for_selector("#offerings .offering, #editor:not([hidden]) #roster li")
        return page

    return make


def states(page) -> list[str]:
    return page.locator(".week").evaluate_all("rows => rows.map(row => row.dataset.state)")


def open_week(page, number: int) -> None:
    page.get_by_role("link", name=f"Week {number}", exact=True).click()
    expect(page.locator("#editor")).to_be_visible()
    page.wait_for_selector("#roster li")


def text_of(language: str, key: str, **args) -> str:
    text = CATALOGUES[language][key]
    for name, value in args.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def log_rows(run_sql, offering_id: int, week: int) -> dict:
    """The stored log of that week: its checklist and notes, and attendance by first name."""
    [log] = run_sql(
        "SELECT id, intranet_sync, summative_grading, notes, filed_on_behalf FROM activity_logs"
        " WHERE offering_id = :offering AND week_number = :week",
        offering=offering_id, week=week,
    )  # fmt: skip
    taken = run_sql(
        "SELECT u.first_name, r.status FROM attendance_records r JOIN users u"
        " ON u.id = r.student_id WHERE r.log_id = :log",
        log=log[0],
    )
    return {"intranet_sync": log[1], "summative_grading": log[2], "notes": log[3],
            "on_behalf": bool(log[4]), "attendance": dict(taken)}  # fmt: skip


# --- signing in, and the weeks -----------------------------------------------------------------


def test_a_facilitator_sees_each_week_in_its_state_with_kigali_deadlines(signed_in):
    page = signed_in()

    assert states(page) == STATES
    first = page.locator(".week").first
    expect(first.locator(".state")).to_have_text("Locked")
    expect(first.locator(".due")).to_have_text("Due Mon, 12 Jan 2026, 09:00")
    expect(page.locator(".week").nth(4).locator(".state")).to_have_text("Due soon")
    expect(page.locator("#zone-note")).to_have_text(
        "Deadlines are shown in the institution's time zone (Africa/Kigali)."
    )
    expect(page.locator("#period")).to_have_value("2026-1")


def test_deadlines_are_also_shown_in_the_viewers_own_time_zone(signed_in):
    page = signed_in(timezone_id="Europe/Paris")

    expect(page.locator(".week .due").first).to_have_text(
        "Due Mon, 12 Jan 2026, 09:00 (your time: Mon, 12 Jan 2026, 08:00)"
    )
    expect(page.locator("#zone-note")).to_contain_text("and in yours (Europe/Paris)")


def test_the_trimester_picker_shows_another_trimesters_offerings(
    signed_in, term, client, manager, auth_headers
):
    as_manager = auth_headers(manager)  # signed in at SATURDAY
    module = client.post("/api/v1/modules", json={"code": "NET220", "name": "Networks",
                                                  "credits": 10}, headers=as_manager)  # fmt: skip
    first = client.get(f"/api/v1/course-offerings/{term.offering_id}", headers=as_manager).json
    body = {name: first[name] for name in ("class_id", "cohort_id", "mode_id", "intake", "year")}
    body |= {"module_id": module.json["id"], "facilitator_id": term.facilitator.id,
             "trimester": 2, "start_date": "2026-05-04", "end_date": "2026-07-31"}  # fmt: skip
    assert client.post("/api/v1/course-offerings", json=body, headers=as_manager).status_code == 201
    page = signed_in()
    expect(page.locator("#period option")).to_have_text(["Trimester 2, 2026", "Trimester 1, 2026"])
    expect(page.locator(".offering h3")).not_to_contain_text(["NET220: Networks"])

    page.select_option("#period", "2026-2")

    expect(page.locator(".offering h3")).to_have_text(["NET220: Networks"])
    assert set(states(page)) == {"not_yet_due"}


def test_a_student_is_turned_away_and_their_token_revoked(open_page, create_user, client):
    student = create_user("student")
    page = open_page()
    page.fill("#email", student.email)
    page.fill("#password", student.password)

    with (
        page.expect_response("**/api/v1/auth/login") as login,
        page.expect_response("**/api/v1/auth/logout") as logout,
    ):
        page.press("#password", "Enter")

    assert logout.value.status == 204
    expect(page.locator("#status")).to_have_text(text_of("en", "signin.not_staff"))
    expect(page.locator("#weeks-view")).to_be_hidden()
    token = login.value.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


# --- filing and editing a week -----------------------------------------------------------------


def test_filing_a_week_with_each_students_attendance_stores_the_rows(signed_in, term, run_sql):
    page = signed_in()
    open_week(page, 5)
    expect(page.locator("#week-notice")).to_have_text(text_of("en", "editor.new"))

    page.get_by_label("Intranet sync").select_option("Done")
    page.get_by_role("button", name="Mark all present").click()
    page.get_by_role("group", name="Alan Turing").get_by_label("Absent").check()
    page.get_by_label("Notes").fill("Lab moved to room 4.")
    expect(page.locator("#roster-count")).to_have_text(
        "2 present, 1 absent, 0 excused, 0 not taken"
    )
    page.get_by_role("button", name="Save the log").click()

    expect(page.locator("#save-status")).to_have_text("Week 5 saved.")
    stored = log_rows(run_sql, term.offering_id, 5)
    assert stored["attendance"] == {"Ada": "present", "Grace": "present", "Alan": "absent"}
    assert (stored["intranet_sync"], stored["notes"]) == ("Done", "Lab moved to room 4.")
    page.get_by_role("link", name="Back to my weeks").click()
    # five checklist items still to do
    expect(page.locator(".week").nth(4)).to_have_attribute("data-state", "incomplete")


def test_a_locked_week_is_read_only_and_says_why(signed_in):
    page = signed_in()
    open_week(page, 1)

    expect(page.get_by_label("Notes")).to_be_disabled()
    expect(page.get_by_label("Intranet sync")).to_be_disabled()
    expect(page.locator("#save")).to_be_hidden()
    expect(page.locator("#week-notice")).to_have_text(
        "This log has been read-only to its facilitator since Mon, 26 Jan 2026, 09:00. "
        "Ask a manager to correct it."
    )


def test_a_stale_etag_shows_what_changed_and_reapplies_my_edits(
    signed_in, term, edit_log, run_sql
):
    page = signed_in()
    open_week(page, 4)
    page.get_by_label("Notes").fill("Quiz postponed.")
    page.get_by_role("group", name="Ada Lovelace").get_by_label("Absent").check()
    log_id = run_sql(
        "SELECT id FROM activity_logs WHERE offering_id = :o AND week_number = 4",
        o=term.offering_id,
    )[0][0]
    meanwhile = edit_log(
        term.facilitator, log_id, intranet_sync="Pending",
        attendance=entries((term.ada, "present"), (term.grace, "excused"), (term.alan, "absent")),
    )  # fmt: skip
    assert meanwhile.status_code == 200

    page.get_by_role("button", name="Save the log").click()

    expect(page.locator("#conflict")).to_be_visible()
    expect(page.locator("#conflict-changes li")).to_have_text([
        "Intranet sync: now Pending, you had Done",
        "Grace Hopper: now Excused, you had Present",
    ])  # fmt: skip
    page.get_by_role("button", name="Re-apply my edits").click()
    expect(page.get_by_label("Intranet sync")).to_have_value("Pending")
    expect(page.get_by_label("Notes")).to_have_value("Quiz postponed.")
    page.get_by_role("button", name="Save the log").click()

    expect(page.locator("#save-status")).to_have_text("Week 4 saved.")
    stored = log_rows(run_sql, term.offering_id, 4)
    assert stored["intranet_sync"] == "Pending" and stored["notes"] == "Quiz postponed."
    assert stored["attendance"] == {"Ada": "absent", "Grace": "excused", "Alan": "absent"}


def test_server_errors_appear_next_to_their_field_in_the_pages_language(signed_in):
    page = signed_in("?lang=fr")
    page.get_by_role("link", name="Semaine 2", exact=True).click()
    page.wait_for_selector("#roster li")

    page.locator("#notes").fill("x" * 5001)
    page.locator("#save").click()

    expect(page.locator("#notes-error")).to_have_text("Plus long que la longueur maximale 5000.")
    expect(page.locator("#notes")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#save-status")).to_have_text(text_of("fr", "save.fix"))
