"""The reflection page as files: served under a strict CSP, texts only from the catalogues,
bounds agreeing with the API's."""

import json
import re
from html.parser import HTMLParser

import pytest

from app.cli.i18n import page_catalogue
from app.config import PROJECT_ROOT
from app.reflections.models import ANSWER_MAX_LENGTH, ANSWER_MIN_LENGTH, QUESTIONS
from app.reflections.page_texts import PAGE_TEXTS

PAGE = PROJECT_ROOT / "reflection_page"
HTML = (PAGE / "index.html").read_text()
SCRIPTS = {path.name: path.read_text() for path in (PAGE / "js").glob("*.js")}
# Keys in the markup (data-i18n, data-i18n-placeholder) and in the scripts, where every
# "word.word" string is a text key (storage keys and file names are spelt otherwise).
KEY_IN_HTML = re.compile(r'data-i18n(?:-placeholder)?="([\w.]+)"')
KEY_IN_SCRIPT = re.compile(r'"([a-z_]+\.[a-z0-9_]+)"')


def catalogue_keys(language: str) -> set[str]:
    return set(json.loads((PAGE / "i18n" / f"{language}.json").read_text()))


def test_both_catalogues_have_exactly_the_keys_the_page_uses():
    used = set(KEY_IN_HTML.findall(HTML))
    for script in SCRIPTS.values():
        used |= set(KEY_IN_SCRIPT.findall(script))

    assert catalogue_keys("en") == used
    assert catalogue_keys("fr") == used
    assert set(PAGE_TEXTS) == used


def test_french_differs_from_english_wherever_a_word_is_not_shared():
    english, french = page_catalogue("en", PAGE_TEXTS), page_catalogue("fr", PAGE_TEXTS)

    same = {key for key in english if english[key] == french[key]}

    assert same <= {"rating.5"}  # "Excellent"


class Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline_scripts, self.styles, self.handlers, self.bounds = 0, 0, [], {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self.inline_scripts += 1
        if tag == "style" or "style" in attributes:
            self.styles += 1
        self.handlers += [name for name in attributes if name.startswith("on")]
        if tag == "textarea":
            self.bounds[attributes["id"]] = (
                int(attributes["data-min-length"]),
                int(attributes["data-max-length"]),
            )


def test_the_markup_needs_no_unsafe_inline_and_asks_the_apis_bounds():
    markup = Markup()
    markup.feed(HTML)

    assert (markup.inline_scripts, markup.styles, markup.handlers) == (0, 0, [])
    assert markup.bounds == dict.fromkeys(QUESTIONS, (ANSWER_MIN_LENGTH, ANSWER_MAX_LENGTH))


def test_the_scripts_never_write_markup():
    """Server and student text only ever reaches the page as text."""
    for name, script in SCRIPTS.items():
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", script), (
            name
        )


def test_the_app_serves_the_page_under_a_strict_policy(client):
    response = client.get("/reflection/")

    assert response.status_code == 200
    assert b'<script type="module" src="js/main.js">' in response.data
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "kind"),
    [("js/main.js", "javascript"), ("style.css", "text/css"), ("i18n/fr.json", "json")],
)
def test_the_app_serves_the_pages_files(client, path, kind):
    response = client.get(f"/reflection/{path}")

    assert response.status_code == 200
    assert kind in response.headers["Content-Type"]
    assert "Content-Security-Policy" in response.headers


def test_a_missing_file_is_a_404_in_the_envelope(client):
    response = client.get("/reflection/nothing-here.js")

    assert response.status_code == 404
    assert response.json["code"] == 404


def test_nothing_outside_the_page_folder_is_served(client):
    response = client.get("/reflection/../app/config.py")

    assert response.status_code == 404
