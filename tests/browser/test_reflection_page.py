"""The reflection page as a student uses it, in Chromium."""

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CATALOGUES, serious_violations, text_of, wait_until_ready

TYPED = "The labs were the best part of the module."
AFTERNOON = datetime(2026, 3, 2, 12, 32, 5, tzinfo=UTC)  # 14:32 in Kigali

# Every text the page shows, as (key, placeholder values, rendered text), and any visible text
# that does not come from a catalogue (digits aside).
RENDERED_TEXTS = """() => {
  const shown = [...document.querySelectorAll("[data-i18n]")].map((element) => [
    element.dataset.i18n, JSON.parse(element.dataset.i18nArgs || "{}"), element.textContent]);
  const placeholders = [...document.querySelectorAll("[data-i18n-placeholder]")].map(
    (element) => [element.dataset.i18nPlaceholder, {}, element.placeholder]);
  const stray = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (text && !/^[\\d\\s]+$/.test(text) && !node.parentElement.closest("[data-i18n]")) {
      stray.push(text);
    }
  }
  return { texts: [...shown, ...placeholders], stray };
}"""


def assert_all_texts_in(page, language: str) -> list[str]:
    rendered = page.evaluate(RENDERED_TEXTS)
    assert rendered["stray"] == []
    assert page.evaluate("document.documentElement.lang") == language
    assert page.title() == CATALOGUES[language]["page.title"]
    for key, args, text in rendered["texts"]:
        assert text == text_of(language, key, **args), key
    return [text for _, _, text in rendered["texts"]]


def switch_to(page, language: str) -> None:
    page.locator("#language-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_the_language_switch_changes_every_visible_text(open_page):
    page = open_page("?lang=en")
    english = assert_all_texts_in(page, "en")

    switch_to(page, "fr")

    french = assert_all_texts_in(page, "fr")
    unchanged = {en for en, fr in zip(english, french, strict=True) if en == fr}
    assert unchanged <= {"Excellent"}  # the same word in both languages
    expect(page.get_by_role("button", name="English")).to_have_attribute("lang", "en")


def test_error_and_status_messages_follow_a_switch_too(open_page):
    page = open_page("?lang=en")
    page.get_by_role("button", name="Submit my reflection").click()

    switch_to(page, "fr")

    assert_all_texts_in(page, "fr")
    expect(page.locator("#went_well-error")).to_have_text(text_of("fr", "error.required"))


def test_a_first_visit_follows_lang_then_the_browser_then_english(open_page):
    assert open_page("?lang=fr").evaluate("document.documentElement.lang") == "fr"
    assert open_page(locale="fr-FR").evaluate("document.documentElement.lang") == "fr"
    assert open_page(locale="de-DE").evaluate("document.documentElement.lang") == "en"


def test_the_language_choice_is_remembered(open_page):
    page = open_page()
    switch_to(page, "fr")

    page.goto("/reflection/")
    wait_until_ready(page)

    assert page.evaluate("document.documentElement.lang") == "fr"


def test_an_explicit_lang_wins_on_a_later_visit_and_is_then_remembered(open_page):
    page = open_page(locale="fr-FR")
    assert page.evaluate("document.documentElement.lang") == "fr"

    page.goto("/reflection/?lang=en")
    wait_until_ready(page)
    assert page.evaluate("document.documentElement.lang") == "en"

    page.goto("/reflection/")
    wait_until_ready(page)
    assert page.evaluate("document.documentElement.lang") == "en"


def test_reloading_after_a_switch_keeps_the_switch_despite_lang_in_the_link(open_page):
    page = open_page("?lang=fr")
    switch_to(page, "en")

    page.reload()
    wait_until_ready(page)

    assert page.evaluate("document.documentElement.lang") == "en"


def test_the_folder_works_from_any_static_host(browser, static_host):
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{static_host}/index.html")
        wait_until_ready(page)
        assert_all_texts_in(page, "fr")

        page.locator("#went_well").fill(TYPED)

        expect(page.locator("#draft-status")).to_contain_text("Brouillon enregistré à")
    finally:
        context.close()


# --- drafts -----------------------------------------------------------------------------------


def test_typing_then_reloading_restores_the_draft_and_its_language(open_page):
    page = open_page()
    switch_to(page, "fr")
    page.get_by_label(text_of("fr", "went_well.label")).fill(TYPED)
    page.locator("#rating-4").check()
    expect(page.locator("#draft-status")).to_contain_text("Brouillon enregistré à")

    page.goto("/reflection/")
    wait_until_ready(page)

    assert page.evaluate("document.documentElement.lang") == "fr"
    expect(page.locator("#went_well")).to_have_value(TYPED)
    expect(page.locator("#rating-4")).to_be_checked()
    expect(page.locator("#draft-status")).to_contain_text("restauré")


def test_the_draft_saved_indicator_is_announced_with_the_time(open_page):
    page = open_page(clock_at=AFTERNOON)
    indicator = page.locator("#draft-status")
    expect(indicator).to_have_attribute("aria-live", "polite")
    expect(indicator).to_have_text("")

    page.locator("#went_well").press_sequentially("Good labs")
    page.clock.run_for(1000)

    expect(indicator).to_have_text("Draft saved at 14:32.")
    assert "Good labs" in page.evaluate("localStorage.getItem('reflection-draft')")


def test_a_student_who_never_pauses_is_still_saved_every_30_seconds(open_page):
    page = open_page(clock_at=AFTERNOON)
    area = page.locator("#went_well")

    for _ in range(62):  # a key every half second for 31 s: the pause never comes
        area.press("a")
        page.clock.run_for(500)

    saved = page.evaluate("JSON.parse(localStorage.getItem('reflection-draft'))")
    assert saved["answers"]["went_well"].startswith("a" * 59)
    expect(page.locator("#draft-status")).to_have_text("Draft saved at 14:32.")


def test_clear_draft_asks_first(open_page):
    page = open_page()
    page.locator("#went_well").fill(TYPED)
    expect(page.locator("#draft-status")).not_to_be_empty()

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Clear draft").click()
    expect(page.locator("#went_well")).to_have_value(TYPED)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Clear draft").click()
    expect(page.locator("#went_well")).to_have_value("")
    expect(page.locator("#status")).to_have_text("Draft cleared.")
    assert page.evaluate("localStorage.getItem('reflection-draft')") is None


# --- validation -------------------------------------------------------------------------------


def test_an_invalid_submit_shows_translated_errors_and_focuses_the_first(open_page):
    page = open_page("?lang=fr")
    page.locator("#went_well").fill("Court")
    page.locator("#hardest").fill("x" * 2001)

    page.get_by_role("button", name=text_of("fr", "action.submit")).click()

    expected = {
        "went_well": text_of("fr", "error.too_short", min=10, count=5),
        "hardest": text_of("fr", "error.too_long", max=2000, count=2001),
        "would_help": text_of("fr", "error.required"),
        "rating": text_of("fr", "error.rating"),
    }
    for field, message in expected.items():
        expect(page.locator(f"#{field}-error")).to_have_text(message)
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        described_by = page.locator(f"#{field}").get_attribute("aria-describedby")
        assert f"{field}-error" in described_by.split()
    expect(page.locator("#went_well")).to_be_focused()
    expect(page.locator("#status")).to_have_text(text_of("fr", "error.summary"))


def test_answer_lengths_count_characters_as_the_api_does_so_an_emoji_is_one(open_page):
    page = open_page()
    page.locator("#went_well").fill("🙂" * 5)  # ten UTF-16 units, five characters
    page.locator("#hardest").fill("🙂" * 1500)  # 3000 units, within 2000 characters

    page.get_by_role("button", name="Submit my reflection").click()

    expect(page.locator("#went_well-error")).to_have_text(
        text_of("en", "error.too_short", min=10, count=5)
    )
    expect(page.locator("#hardest-error")).to_be_hidden()
    assert page.locator("#hardest").get_attribute("aria-invalid") is None


def test_emoji_answers_within_the_bounds_are_accepted_by_the_api(open_page, enrolled, run_sql):
    page = open_page()
    sign_in(page, enrolled.student)
    answer_everything(page, enrolled.offering)
    page.get_by_label("What was hardest?").fill("🙂" * 2000)

    page.get_by_role("button", name="Submit my reflection").click()

    expect(page.locator("#status")).to_have_text(text_of("en", "status.submitted"))
    assert run_sql("SELECT CHAR_LENGTH(hardest) FROM reflections") == [(2000,)]


def test_correcting_a_field_clears_its_error(open_page):
    page = open_page()
    page.get_by_role("button", name="Submit my reflection").click()
    expect(page.locator("#went_well")).to_be_focused()

    page.locator("#went_well").fill(TYPED)

    expect(page.locator("#went_well-error")).to_be_hidden()
    assert page.locator("#went_well").get_attribute("aria-invalid") is None


# --- signing in and submitting ----------------------------------------------------------------


@pytest.fixture
def enrolled(create_user, create_offering, enrol):
    """A student enrolled in one offering (module CS1xx)."""
    student = create_user("student", first_name="Ama", last_name="Mensah")
    offering = create_offering()
    enrol(offering["id"], student)
    return SimpleNamespace(student=student, offering=offering)


STORED_DRAFTS = """() => Object.fromEntries(Object.keys(localStorage)
  .filter((key) => key.startsWith("reflection-draft"))
  .map((key) => [key, JSON.parse(localStorage.getItem(key))]))"""


def drafts(page) -> dict:
    """Every draft in the browser's storage, by storage key."""
    return page.evaluate(STORED_DRAFTS)


def draft_of(page, student) -> dict | None:
    return drafts(page).get(f"reflection-draft:{student.id}")


def sign_in(page, student, name="Ama Mensah") -> None:
    page.get_by_label("Email").fill(student.email)
    page.get_by_label("Password").fill(student.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signed-in-as")).to_have_text(f"Signed in as {name}.")


def answer_everything(page, offering) -> None:
    page.get_by_label("Offering").select_option(str(offering["id"]))
    page.get_by_label("What went well?").fill(TYPED)
    page.get_by_label("What was hardest?").fill("Keeping up with the <b>reading</b>.")
    page.get_by_label("What would help next time?").fill("More worked examples, earlier.")
    page.get_by_label("4 Very good").check()


def test_signing_in_and_submitting_stores_the_reflection(open_page, enrolled, run_sql):
    page = open_page()
    sign_in(page, enrolled.student)
    expect(page.locator("#offering")).to_be_focused()
    answer_everything(page, enrolled.offering)

    page.get_by_role("button", name="Submit my reflection").click()

    expect(page.locator("#status")).to_have_text(text_of("en", "status.submitted"))
    rows = run_sql("SELECT student_id, offering_id, hardest, rating, language FROM reflections")
    assert rows == [(enrolled.student.id, enrolled.offering["id"],
                     "Keeping up with the <b>reading</b>.", 4, "en")]  # fmt: skip
    assert drafts(page) == {}
    expect(page.locator("#went_well")).to_have_value("")


def test_the_token_is_kept_in_session_storage_never_local_storage(open_page, enrolled):
    page = open_page()
    sign_in(page, enrolled.student)
    page.locator("#went_well").fill(TYPED)
    expect(page.locator("#draft-status")).not_to_be_empty()

    local = page.evaluate("JSON.stringify(localStorage)")
    session = page.evaluate("sessionStorage.getItem('reflection-session')")
    token = json.loads(session)["token"]
    assert token and token not in local and "token" not in local


def test_the_offering_list_shows_the_students_enrolments(open_page, enrolled):
    page = open_page()
    sign_in(page, enrolled.student)

    expect(page.locator("#offering option")).to_have_count(2)
    options = page.locator("#offering option").all_text_contents()

    code = enrolled.offering["module"]["code"]
    assert options[1:] == [f"{code}: {enrolled.offering['module']['name']} (trimester 1, 2026)"]


@pytest.fixture
def half_reviewed(create_user, create_offering, enrol, client, auth_headers):
    """A student enrolled in two offerings who has reviewed the first through the API."""
    student = create_user("student", first_name="Ama", last_name="Mensah")
    reviewed, open_ = create_offering(), create_offering()
    for offering in (reviewed, open_):
        enrol(offering["id"], student)
    reflect_through_the_api(client, auth_headers(student), reviewed)
    return SimpleNamespace(student=student, reviewed=reviewed, open=open_)


def reflect_through_the_api(client, headers, offering) -> None:
    body = {"offering_id": offering["id"], "rating": 4, "language": "en",
            "answers": dict.fromkeys(("went_well", "hardest", "would_help"), TYPED)}  # fmt: skip
    assert client.post("/api/v1/reflections", json=body, headers=headers).status_code == 201


def sign_in_by_keyboard(page, student) -> None:
    """Whatever the page's language."""
    page.locator("#email").fill(student.email)
    page.locator("#password").fill(student.password)
    page.locator("#password").press("Enter")
    expect(page.locator("#signed-in")).to_be_visible()


def option_text(language: str, key: str, offering: dict) -> str:
    module = offering["module"]
    return text_of(language, key, module=module["code"], name=module["name"],
                   trimester=offering["trimester"], year=offering["year"])  # fmt: skip


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_offering_already_reviewed_is_marked_and_cannot_be_chosen(
    open_page, half_reviewed, language, width
):
    page = open_page(f"?lang={language}", viewport={"width": width, "height": 640})

    sign_in_by_keyboard(page, half_reviewed.student)

    reviewed = page.locator(f"#offering option[value='{half_reviewed.reviewed['id']}']")
    still_open = page.locator(f"#offering option[value='{half_reviewed.open['id']}']")
    expect(reviewed).to_have_text(
        option_text(language, "offering.reviewed", half_reviewed.reviewed)
    )
    expect(reviewed).to_be_disabled()
    expect(still_open).to_have_text(option_text(language, "offering.option", half_reviewed.open))
    expect(still_open).to_be_enabled()
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width


@pytest.mark.parametrize("language", ["en", "fr"])
def test_once_every_offering_is_reviewed_the_page_says_so(open_page, half_reviewed, language):
    page = open_page(f"?lang={language}")
    sign_in_by_keyboard(page, half_reviewed.student)
    page.locator("#offering").select_option(str(half_reviewed.open["id"]))
    answer_everything_but_the_offering(page)

    page.locator("#submit").click()

    expect(page.locator("#status")).to_have_text(text_of(language, "status.submitted"))
    just_reviewed = page.locator(f"#offering option[value='{half_reviewed.open['id']}']")
    expect(just_reviewed).to_be_disabled()
    expect(just_reviewed).to_have_text(
        option_text(language, "offering.reviewed", half_reviewed.open)
    )
    expect(page.locator("#offering-hint")).to_have_text(text_of(language, "offering.all_reviewed"))


def test_submitting_signed_out_keeps_the_draft_and_says_so(open_page, run_sql):
    page = open_page()
    answer_everything_but_the_offering(page)

    page.get_by_role("button", name="Submit my reflection").click()

    expect(page.locator("#status")).to_have_text(text_of("en", "status.signed_out"))
    expect(page.get_by_label("Email")).to_be_focused()
    assert TYPED in page.evaluate("localStorage.getItem('reflection-draft')")
    assert run_sql("SELECT COUNT(*) FROM reflections") == [(0,)]


def answer_everything_but_the_offering(page) -> None:
    """In whichever language the page is in."""
    page.locator("#went_well").fill(TYPED)
    page.locator("#hardest").fill("Keeping up with the reading.")
    page.locator("#would_help").fill("More worked examples, earlier.")
    page.locator("#rating-3").check()


def test_submitting_offline_keeps_the_draft_and_says_so(open_page, enrolled, run_sql):
    page = open_page()
    sign_in(page, enrolled.student)
    answer_everything(page, enrolled.offering)
    page.context.set_offline(True)

    page.get_by_role("button", name="Submit my reflection").click()

    expect(page.locator("#status")).to_have_text(text_of("en", "status.offline"))
    expect(page.locator("#went_well")).to_have_value(TYPED)
    assert draft_of(page, enrolled.student)["answers"]["went_well"] == TYPED
    assert run_sql("SELECT COUNT(*) FROM reflections") == [(0,)]

    page.context.set_offline(False)
    page.get_by_role("button", name="Submit my reflection").click()
    expect(page.locator("#status")).to_have_text(text_of("en", "status.submitted"))
    assert run_sql("SELECT COUNT(*) FROM reflections") == [(1,)]


def test_a_second_submission_is_refused_and_the_draft_kept(
    open_page, enrolled, run_sql, client, auth_headers
):
    page = open_page()
    sign_in(page, enrolled.student)
    answer_everything(page, enrolled.offering)
    # Meanwhile, the same student reviews the same offering from another device.
    reflect_through_the_api(client, auth_headers(enrolled.student), enrolled.offering)

    page.get_by_role("button", name="Submit my reflection").click()

    expect(page.locator("#status")).to_have_text(text_of("en", "status.duplicate"))
    assert draft_of(page, enrolled.student)["answers"]["went_well"] == TYPED
    assert run_sql("SELECT COUNT(*) FROM reflections") == [(1,)]
    offering = page.locator(f"#offering option[value='{enrolled.offering['id']}']")
    expect(offering).to_be_disabled()


def test_wrong_credentials_are_reported_without_losing_the_draft(open_page, enrolled):
    page = open_page()
    page.locator("#went_well").fill(TYPED)
    page.get_by_label("Email").fill(enrolled.student.email)
    page.get_by_label("Password").fill("not the password")

    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#status")).to_have_text(text_of("en", "signin.failed"))
    expect(page.locator("#went_well")).to_have_value(TYPED)


def test_download_my_reflection_saves_a_text_file(open_page, tmp_path):
    page = open_page("?lang=fr")
    answer_everything_but_the_offering(page)

    with page.expect_download() as download:
        page.get_by_role("button", name=text_of("fr", "action.download")).click()

    assert download.value.suggested_filename == "bilan.txt"
    saved = tmp_path / "bilan.txt"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith(text_of("fr", "page.title"))
    for label, answer in [("went_well.label", TYPED), ("rating.legend", "3 Bien")]:
        assert f"{text_of('fr', label)}\n{answer}\n" in text


# --- a shared computer -----------------------------------------------------------------------


def next_tab(page):
    """The same browser (same localStorage), a new tab: nobody signed in."""
    tab = page.context.new_page()
    tab.goto("/reflection/")
    wait_until_ready(tab)
    return tab


def test_a_draft_is_never_shown_to_another_student_and_waits_for_its_author(
    open_page, enrolled, create_user, enrol
):
    other = create_user("student", first_name="Kofi", last_name="Boateng")
    enrol(enrolled.offering["id"], other)
    page = open_page()
    page.locator("#went_well").fill(TYPED)  # typed before signing in: becomes Ama's
    sign_in(page, enrolled.student)
    expect(page.locator("#went_well")).to_have_value(TYPED)
    expect(page.locator("#draft-status")).not_to_be_empty()
    page.close()  # Ama leaves without signing out or submitting

    tab = next_tab(page)
    expect(tab.locator("#went_well")).to_have_value("")
    sign_in(tab, other, "Kofi Boateng")
    expect(tab.locator("#went_well")).to_have_value("")
    tab.locator("#hardest").fill("Kofi's own answer, his draft.")
    expect(tab.locator("#draft-status")).not_to_be_empty()
    tab.get_by_role("button", name="Sign out").click()
    expect(tab.locator("#hardest")).to_have_value("")  # not left for the next person either

    sign_in(tab, enrolled.student)
    expect(tab.locator("#went_well")).to_have_value(TYPED)
    expect(tab.locator("#hardest")).to_have_value("")
    assert draft_of(tab, other)["answers"]["hardest"] == "Kofi's own answer, his draft."
    assert "reflection-draft" not in drafts(tab)  # nothing left unowned


def test_a_manager_signing_in_on_the_page_is_turned_away_and_signed_out(
    open_page, create_user, client, bearer
):
    manager = create_user("manager")
    page = open_page()
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(manager.password)

    with page.expect_response("**/auth/login") as login, page.expect_response("**/auth/logout"):
        page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#status")).to_have_text(text_of("en", "signin.not_student"))
    token = login.value.json()["access_token"]
    assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401
    assert page.evaluate("sessionStorage.getItem('reflection-session')") is None


# --- keyboard, accessibility, small screens ---------------------------------------------------


def test_the_whole_reflection_can_be_done_with_the_keyboard(open_page, enrolled, run_sql):
    page = open_page()
    keyboard = page.keyboard

    def tab_to(element_id: str) -> None:
        keyboard.press("Tab")
        expect(page.locator(f"#{element_id}")).to_be_focused()
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", f"no visible focus on {element_id}"

    for element_id in ("language-switch", "email"):
        tab_to(element_id)
    keyboard.type(enrolled.student.email)
    tab_to("password")
    keyboard.type(enrolled.student.password)
    keyboard.press("Enter")
    expect(page.locator("#offering")).to_be_focused()
    keyboard.press("ArrowDown")
    for question in ("went_well", "hardest", "would_help"):
        tab_to(question)
        keyboard.type(TYPED)
    tab_to("rating-1")
    keyboard.press("Space")
    for _ in range(4):
        keyboard.press("ArrowRight")
    tab_to("submit")
    keyboard.press("Enter")

    expect(page.locator("#status")).to_have_text(text_of("en", "status.submitted"))
    assert run_sql("SELECT rating FROM reflections") == [(5,)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_axe_finds_no_serious_violation(open_page, axe_source, language):
    page = open_page(f"?lang={language}")
    assert serious_violations(page, axe_source) == []

    page.get_by_role("button", name=text_of(language, "action.submit")).click()  # errors shown
    assert serious_violations(page, axe_source) == []


@pytest.mark.parametrize("width", [320, 768, 1440])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_nothing_scrolls_sideways_from_320_pixels_up(open_page, language, width, tmp_path):
    page = open_page(f"?lang={language}", viewport={"width": width, "height": 640})
    page.get_by_role("button", name=text_of(language, "action.submit")).click()  # errors shown

    page.screenshot(path=tmp_path / f"reflection-{width}-{language}.png", full_page=True)

    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width


def test_motion_is_off_when_the_student_asks_for_less(open_page):
    page = open_page(reduced_motion="reduce")

    duration = page.evaluate(
        "getComputedStyle(document.querySelector('#submit')).transitionDuration"
    )

    assert duration in ("0s", "0s, 0s")
