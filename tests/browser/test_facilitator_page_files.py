"""The facilitator's page as files: served under the strict policy, its texts only from the
Babel catalogues (as `flask i18n compile` writes them), no markup written from data."""

import re

from app.activity.page_texts import PAGE_TEXTS
from app.cli.i18n import page_catalogue
from app.config import PROJECT_ROOT

PAGE = PROJECT_ROOT / "facilitator_page"
HTML = (PAGE / "index.html").read_text()
SCRIPTS = {path.name: path.read_text() for path in (PAGE / "js").glob("*.js")}
WORKER = (PAGE / "sw.js").read_text()
KEY_IN_HTML = re.compile(r'data-i18n="([\w.]+)"')
# In the scripts every "word.word" string is a text key; keys built from a value (the state of
# a week, a checklist item…) are named by their stem, `state.${…}`.
KEY_IN_SCRIPT = re.compile(r'"([a-z_]+\.[a-z0-9_]+)"')
STEM_IN_SCRIPT = re.compile(r"`([a-z_]+)\.\$\{")


def test_every_key_the_page_uses_is_in_its_catalogues_and_every_text_is_used():
    used = set(KEY_IN_HTML.findall(HTML))
    stems = set()
    for script in SCRIPTS.values():
        used |= set(KEY_IN_SCRIPT.findall(script))
        stems |= set(STEM_IN_SCRIPT.findall(script))

    assert used <= set(PAGE_TEXTS)
    unused = {key for key in PAGE_TEXTS if key not in used and key.split(".")[0] not in stems}
    assert unused == set()


def test_french_differs_from_english_wherever_a_word_is_not_shared():
    english, french = page_catalogue("en", PAGE_TEXTS), page_catalogue("fr", PAGE_TEXTS)

    same = {english[key] for key in english if english[key] == french[key]}

    assert same <= {"Absent", "Notes"}


def test_the_scripts_never_write_markup():
    for name, script in SCRIPTS.items():
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", script), (
            name
        )


def test_the_markup_has_no_inline_script_style_or_handler():
    assert not re.search(r"<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=", HTML)


def test_the_app_serves_the_page_under_a_strict_policy(client):
    response = client.get("/facilitator/")

    assert response.status_code == 200
    assert b'<script type="module" src="js/main.js">' in response.data
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert client.get("/facilitator/i18n/fr.json").json["page.title"] == PAGE_TEXTS_FR_TITLE


def test_the_offline_copy_holds_every_file_of_the_page():
    listed = re.search(r"const FILES = \[(.*?)\];", WORKER, re.S).group(1)
    page_files = {path.relative_to(PAGE).as_posix() for path in PAGE.rglob("*") if path.is_file()}

    assert set(re.findall(r'"([^"]+)"', listed)) == (page_files - {"sw.js"}) | {"./"}


def test_the_service_worker_is_served_as_a_script_under_the_same_policy(client):
    response = client.get("/facilitator/sw.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert (
        response.headers["Content-Security-Policy"]
        == client.get("/facilitator/").headers["Content-Security-Policy"]
    )
    # never kept by the HTTP cache: a new worker (a new copy of the page) is found at once
    assert response.cache_control.max_age == 0


PAGE_TEXTS_FR_TITLE = "Rapports d'activité hebdomadaires"
