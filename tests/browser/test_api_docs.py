"""The API documentation (Swagger UI at /docs) in the system Chromium."""

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS


def answers_seen_by_the_browser(page) -> tuple[dict, list]:
    """(url → status of every answer, urls that failed to load), filled as the page loads.
    From the DevTools protocol: Playwright's own events leave out the icon's request."""
    answers, failures = {}, []
    devtools = page.context.new_cdp_session(page)
    devtools.send("Network.enable")
    devtools.on(
        "Network.responseReceived",
        lambda event: answers.update({event["response"]["url"]: event["response"]["status"]}),
    )
    devtools.on("Network.loadingFailed", lambda event: failures.append(event))
    return answers, failures


def test_the_api_documentation_loads_without_a_failed_request(playwright, live_server):
    # A browser of its own: one that met this server before remembers its icon, or its absence.
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    answers, failures = answers_seen_by_the_browser(page)
    try:
        page.goto(f"{live_server}/docs")
        page.wait_for_selector(".swagger-ui .info .title")
        for _ in range(50):  # the icon is asked for once the page has loaded
            if f"{live_server}/favicon.ico" in answers:
                break
            page.wait_for_timeout(100)
    finally:
        browser.close()

    assert answers[f"{live_server}/favicon.ico"] == 200
    assert {url: status for url, status in answers.items() if status >= 400} == {}
    assert (failures, errors) == ([], [])
