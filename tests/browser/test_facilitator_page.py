"""The facilitator's page as facilitators and managers use it, in Chromium: a known trimester's
weeks in their states, filing and editing a week with its roster, conflicts, drafts that survive
a dropped connection, both languages, the keyboard alone, axe-core, phones, and the links that
reminders carry."""

import json
import re
import threading
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from werkzeug.serving import WSGIRequestHandler, make_server

from app.config import PROJECT_ROOT
from tests.activity.conftest import ALL_DONE, entries
from tests.browser.conftest import serious_violations

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
def visit(browser, live_server):
    """`visit(address="", clock_at=SATURDAY, **context_options)` → a page on /facilitator/
    (of the live server, or of `base_url`) in a fresh context, the browser's clock fixed at
    `clock_at`; script errors and CSP violations fail the test."""
    contexts, problems = [], []

    def make(address: str = "", clock_at=SATURDAY, **options):
        options = {"locale": "en-GB", "timezone_id": "Africa/Kigali",
                   "viewport": {"width": 1024, "height": 900}} | options  # fmt: skip
        context = browser.new_context(**({"base_url": live_server} | options))
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
def signed_in(visit, term):
    """`signed_in(address="", user=the facilitator, **options)` → the page, signed in, showing
    the weeks (or the week the address names)."""

    def make(address: str = "", user=None, **options):
        page = visit(address, **options)
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


def test_a_student_is_turned_away_and_their_token_revoked(visit, create_user, client):
    student = create_user("student")
    page = visit()
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
        "Present: 2, absent: 1, excused: 0, not taken: 0"
    )
    page.get_by_role("button", name="Save the log").click()

    expect(page.locator("#save-status")).to_have_text("Week 5 saved.")
    expect(page.locator("#week-notice")).to_have_text(re.compile(r"^Filed on Sat, 7 Feb 2026, "))
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


def test_a_week_filed_after_its_lock_date_turns_read_only_once_saved(signed_in):
    page = signed_in()
    open_week(page, 2)  # overdue since 19 January: it may still be filed, late

    page.get_by_role("button", name="Mark all present").click()
    page.get_by_role("button", name="Save the log").click()

    expect(page.locator("#save-status")).to_have_text("Week 2 saved.")
    expect(page.locator("#week-notice")).to_have_text(
        "This log has been read-only to its facilitator since Mon, 2 Feb 2026, 09:00. "
        "Ask a manager to correct it."
    )
    expect(page.get_by_label("Notes")).to_be_disabled()


def test_a_stale_etag_shows_what_changed_and_reapplies_my_edits(signed_in, term, edit_log, run_sql):
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


# --- drafts and the connection -----------------------------------------------------------------


class OneRequestAConnection(WSGIRequestHandler):
    protocol_version = "HTTP/1.0"  # no kept-alive connection outlives the server's stop


@pytest.fixture
def own_server(app):
    """The app on a loopback port of its own, which `stop()` makes unreachable and `start()`
    serves again on the same port (the same origin: the browser keeps its storage and the
    page's service worker)."""
    server = SimpleNamespace(port=0)

    def start():
        server.wsgi = make_server("127.0.0.1", server.port, app, threaded=True,
                                  request_handler=OneRequestAConnection)  # fmt: skip
        server.port = server.wsgi.server_port
        server.url = f"http://127.0.0.1:{server.port}"
        server.thread = threading.Thread(target=server.wsgi.serve_forever, daemon=True)
        server.thread.start()

    def stop():
        server.wsgi.shutdown()
        server.wsgi.server_close()
        server.thread.join()
        server.wsgi = None

    server.start, server.stop = start, stop
    start()
    yield server
    if server.wsgi:
        stop()


def test_typed_offline_kept_over_an_offline_reload_and_saved_once_back_online(
    visit, own_server, term, run_sql
):
    page = visit(f"#offering={term.offering_id}&week=5", base_url=own_server.url)
    sign_in(page, term.facilitator)
    page.wait_for_selector("#roster li")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # the offline copy is made

    # The connection drops. set_offline tells the page (navigator.onLine, its banner); whether
    # it also cuts the requests the service worker makes itself is not something Playwright
    # promises (its view of service worker traffic is experimental), so the server is stopped
    # too: neither the page's files nor the API answer, and only the offline copy can bring
    # the page back (without it, the reload below fails with ERR_INTERNET_DISCONNECTED).
    own_server.stop()
    page.context.set_offline(True)
    expect(page.locator("#connection")).to_have_text(text_of("en", "connection.offline"))
    page.get_by_label("Notes").fill("Typed on the train.")
    page.get_by_role("group", name="Grace Hopper").get_by_label("Excused").check()
    page.get_by_role("button", name="Save the log").click()
    expect(page.locator("#save-status")).to_have_text(text_of("en", "save.offline"))

    page.reload()
    page.wait_for_selector("#roster li")
    expect(page.locator("#connection")).to_have_text(text_of("en", "connection.offline"))
    expect(page.get_by_label("Notes")).to_have_value("Typed on the train.")
    expect(page.get_by_role("group", name="Grace Hopper").get_by_label("Excused")).to_be_checked()
    expect(page.locator("#draft-status")).to_contain_text("Your unsaved changes from")

    own_server.start()
    page.context.set_offline(False)
    expect(page.locator("#connection")).to_be_hidden()
    page.get_by_role("button", name="Save the log").click()
    expect(page.locator("#save-status")).to_have_text("Week 5 saved.")
    stored = log_rows(run_sql, term.offering_id, 5)
    assert stored["notes"] == "Typed on the train."
    assert stored["attendance"] == {"Grace": "excused"}
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('draft'))") == []


def test_a_draft_of_a_week_since_locked_is_shown_read_only_until_discarded(
    signed_in, term, time_machine
):
    page = signed_in(f"#offering={term.offering_id}&week=4")
    page.get_by_label("Notes").fill("Quiz postponed.")
    page.get_by_role("group", name="Ada Lovelace").get_by_label("Absent").check()

    # Week 4, filed on time, locks on Monday 16 February at 09:00 in Kigali.
    later = at("2026-02-17 10:00")
    time_machine.move_to(later, tick=True)
    page.clock.set_fixed_time(later)
    page.reload()
    sign_in(page, term.facilitator)  # ten days on, the session has ended; the link waited
    page.wait_for_selector("#roster li")

    expect(page.locator("#week-notice")).to_contain_text(
        "read-only to its facilitator since Mon, 16 Feb"
    )
    expect(page.locator("#unsavable-draft")).to_have_text(
        text_of("en", "draft.read_only", time="12:00")  # typed at noon in Kigali
    )
    expect(page.get_by_label("Notes")).to_have_value("Quiz postponed.")
    expect(page.get_by_label("Notes")).to_be_disabled()
    expect(page.get_by_role("group", name="Ada Lovelace").get_by_label("Absent")).to_be_checked()
    switch_to(page, "fr")
    expect(page.locator("#unsavable-draft")).to_have_text(
        text_of("fr", "draft.read_only", time="12:00")
    )

    page.get_by_role("button", name=text_of("fr", "action.discard")).click()

    expect(page.locator("#unsavable-draft")).to_be_hidden()
    expect(page.locator("#notes")).to_have_value("")  # the log as filed
    expect(page.get_by_role("group", name="Ada Lovelace").get_by_label("Présent")).to_be_checked()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('draft'))") == []


def test_a_draft_outlives_a_sign_out_and_stays_its_owners(signed_in, term, create_user):
    page = signed_in(f"#offering={term.offering_id}&week=6")
    page.get_by_label("Notes").fill("Half written.")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#signin")).to_be_visible()

    sign_in(page, term.facilitator)
    page.wait_for_selector("#roster li")

    expect(page.get_by_label("Notes")).to_have_value("Half written.")
    keys = page.evaluate("Object.keys(localStorage).filter(k => k.includes('draft'))")
    assert keys == [f"facilitator-draft:{term.facilitator.id}:{term.offering_id}:6"]


# --- languages ---------------------------------------------------------------------------------

# Every text shown, as (key, placeholder values, rendered text), and any visible text that
# comes from no catalogue: only names and codes (marked translate="no") and digits may.
RENDERED_TEXTS = """() => {
  const visible = (element) => element.checkVisibility() || element.tagName === "OPTION";
  const shown = [...document.querySelectorAll("[data-i18n]")].filter(visible).map((element) =>
    [element.dataset.i18n, JSON.parse(element.dataset.i18nArgs || "{}"), element.textContent]);
  const stray = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const parent = node.parentElement;
    if (text && !/^[\\d\\s]+$/.test(text) && visible(parent) && !parent.closest("[data-i18n]")
        && !parent.closest("[translate=no]")) {
      stray.push(text);
    }
  }
  return { texts: shown, stray, lang: document.documentElement.lang, title: document.title };
}"""


def rendered(page, language: str) -> dict[str, str]:
    found = page.evaluate(RENDERED_TEXTS)
    assert found["stray"] == []
    assert (found["lang"], found["title"]) == (language, CATALOGUES[language]["page.title"])
    return {f"{key} {json.dumps(args)}": text for key, args, text in found["texts"]}


def switch_to(page, language: str) -> None:
    page.locator("#language-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


# Words French spells as English does.
SAME_WORDS = {"Absent", "Notes"}


@pytest.mark.parametrize(
    ("where", "sample", "french"),
    [
        ("", ".week .due >> nth=0", "Échéance lun. 12 janv. 2026, 09:00"),
        ("#offering={offering}&week=4", "#week-notice", "Rempli le dim. 1 févr. 2026, 14:00."),
    ],
)
def test_switching_language_changes_every_visible_text_and_is_remembered(
    signed_in, term, where, sample, french
):
    page = signed_in(where.format(offering=term.offering_id))
    english = rendered(page, "en")
    assert len(english) > 20

    switch_to(page, "fr")

    texts = rendered(page, "fr")
    assert texts.keys() == english.keys()
    assert {english[key] for key in english if english[key] == texts[key]} <= SAME_WORDS
    expect(page.locator(sample)).to_have_text(french)
    page.reload()
    page.wait_for_selector("#offerings .offering, #roster li")
    assert page.evaluate("document.documentElement.lang") == "fr"


# --- the keyboard alone ------------------------------------------------------------------------


def press_tab_until(page, selector: str, limit: int = 80) -> None:
    """Tab forward until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement.matches({json.dumps(selector)})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_a_week_can_be_filed_with_the_keyboard_alone(visit, term, run_sql):
    page = visit()
    press_tab_until(page, "#email")
    page.keyboard.type(term.facilitator.email)
    page.keyboard.press("Tab")
    page.keyboard.type(term.facilitator.password)
    page.keyboard.press("Enter")
    page.wait_for_selector("#offerings .offering")

    press_tab_until(page, "a[href$='&week=5']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#roster li")
    for item in ("formative_one_grading", "summative_grading"):
        press_tab_until(page, f"#item-{item}")
        page.keyboard.type("Done")
    press_tab_until(page, "#all-present")
    page.keyboard.press("Enter")
    press_tab_until(page, f"#attendance-{term.alan.id}-present")
    page.keyboard.press("ArrowRight")  # absent
    press_tab_until(page, "#notes")
    page.keyboard.type("All by keyboard.")
    press_tab_until(page, "#save")
    page.keyboard.press("Enter")

    expect(page.locator("#save-status")).to_have_text("Week 5 saved.")
    stored = log_rows(run_sql, term.offering_id, 5)
    assert stored["attendance"] == {"Ada": "present", "Grace": "present", "Alan": "absent"}
    assert (stored["summative_grading"], stored["notes"]) == ("Done", "All by keyboard.")


# --- accessibility and phones ------------------------------------------------------------------

WHERE = {"weeks": "", "week": "#offering={offering}&week=4"}


@pytest.mark.parametrize("view", WHERE)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_axe_finds_no_serious_problem(signed_in, term, axe_source, view, language):
    page = signed_in(f"?lang={language}" + WHERE[view].format(offering=term.offering_id))

    assert serious_violations(page, axe_source) == []


# Whatever sticks out past the right edge of the screen.
STICKING_OUT = """() => {
  const edge = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((node) => node.getClientRects().length)
    .filter((node) => node.getBoundingClientRect().right > edge + 0.5)
    .map((node) => `${node.tagName.toLowerCase()}#${node.id}.${node.className}`);
}"""


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_nothing_scrolls_sideways_on_a_phone(signed_in, term, language, width, tmp_path):
    size = {"width": width, "height": 800}
    for view, where in WHERE.items():
        address = f"?lang={language}" + where.format(offering=term.offering_id)
        page = signed_in(address, viewport=size, is_mobile=True, has_touch=True)

        shot = tmp_path / f"facilitator-{view}-{width}-{language}.png"
        page.screenshot(path=shot, full_page=True)

        assert page.evaluate(STICKING_OUT) == []
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client
    assert len(list(tmp_path.glob("*.png"))) == 2


# --- links into the page -----------------------------------------------------------------------


def test_a_reminder_e_mails_link_opens_the_right_week_after_sign_in(
    app, visit, term, live_server, monkeypatch, sweep, work, smtp
):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)
    sweep(SATURDAY)  # week 5 is due on Monday: its due-soon reminder goes out
    work()
    [message] = [m for m in smtp.messages if m["Subject"].startswith("Week 5 log")]
    assert message["To"].addresses[0].addr_spec == term.facilitator.email
    text = message.get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(live_server)}/facilitator/#\S+", text)[0]
    assert link.endswith(f"#offering={term.offering_id}&week=5")

    page = visit(link.removeprefix(f"{live_server}/facilitator/"))
    expect(page.locator("#signin")).to_be_visible()
    sign_in(page, term.facilitator)

    expect(page.locator("#editor")).to_be_visible()
    expect(page.locator("#editor-heading")).to_have_text(re.compile(r"^CS\d+, week 5$"))
    expect(page.locator("#week-notice")).to_have_text(text_of("en", "editor.new"))
    assert page.url == link


def test_an_at_risk_students_link_opens_the_offering_and_highlights_them(signed_in, term):
    page = signed_in(f"#offering={term.offering_id}&student={term.alan.id}")

    listed = page.locator(f"#at-risk-{term.offering_id}-{term.alan.id}")
    expect(listed).to_have_text(
        "Alan Turing: low attendance and absent several weeks in a row (attendance 0%)"
    )
    expect(listed).to_have_class(re.compile("highlighted"))
    expect(listed).to_be_focused()
    open_week(page, 5)
    expect(page.locator(f"#student-{term.alan.id} .marker")).to_have_text("At risk")
    expect(page.locator(f"#student-{term.ada.id} .marker")).to_have_count(0)


# --- managers, and the calendar ----------------------------------------------------------------


def test_a_manager_follows_a_link_and_files_on_the_facilitators_behalf(
    visit, term, manager, run_sql
):
    page = visit(f"#offering={term.offering_id}&week=1")
    sign_in(page, manager)
    page.wait_for_selector("#roster li")

    expect(page.locator("#week-notice")).to_have_text(
        "This log has been read-only to its facilitator since Mon, 26 Jan 2026, 09:00; as a "
        "manager you may still correct it."
    )
    expect(page.get_by_label("Notes")).to_be_enabled()
    page.get_by_role("link", name="Back to my weeks").click()
    expect(page.get_by_label("Facilitator")).to_have_value(str(term.facilitator.id))
    open_week(page, 2)
    expect(page.locator("#on-behalf")).to_be_visible()
    page.get_by_role("button", name="Mark all present").click()
    page.get_by_role("button", name="Save the log").click()

    expect(page.locator("#save-status")).to_have_text("Week 2 saved.")
    stored = log_rows(run_sql, term.offering_id, 2)
    assert stored["on_behalf"] is True
    assert stored["attendance"] == dict.fromkeys(("Ada", "Grace", "Alan"), "present")


def test_the_calendar_link_is_shown_reset_and_stopped(signed_in, client):
    page = signed_in()
    address = page.locator("#calendar-url")
    feed = lambda: client.get(urlsplit(address.input_value()).path)  # noqa: E731

    page.get_by_role("button", name="Get my subscription link").click()
    expect(address).to_have_value(re.compile(r"/api/v1/calendar-feeds/.+\.ics$"))
    first = address.input_value()
    assert feed().status_code == 200
    page.get_by_role("button", name="Reset the link").click()
    expect(address).not_to_have_value(first)

    assert client.get(urlsplit(first).path).status_code == 404
    assert feed().status_code == 200
    second = address.input_value()
    page.get_by_role("button", name="Stop the subscription").click()
    expect(page.locator("#calendar-status")).to_have_text(text_of("en", "calendar.revoked"))
    expect(address).to_be_hidden()
    assert client.get(urlsplit(second).path).status_code == 404
