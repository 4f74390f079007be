"""The README is a front door: short, and every link in it leads somewhere — to a file of the
repository (a docs page, and the heading named after `#`), or to a page the app serves."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from markdown.extensions.toc import slugify

from app.config import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
APP_ADDRESS = "http://127.0.0.1:5000"  # where `make run` serves the app
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)|<(https?://[^>\s]+)>")


def links() -> list[str]:
    return [inline or bare for inline, bare in LINK.findall(README.read_text())]


def anchors(page: Path) -> set[str]:
    """The ids MkDocs gives the page's headings."""
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.MULTILINE | re.DOTALL)
    headings = re.findall(r"^#+\s+(.+?)\s*$", text, flags=re.MULTILINE)
    return {slugify(heading.replace("`", ""), "-") for heading in headings}


def test_the_readme_stays_under_200_lines():
    assert len(README.read_text().splitlines()) < 200


def test_every_file_the_readme_links_to_exists_with_the_heading_named():
    targets = [link for link in links() if not urlsplit(link).scheme]
    assert targets, "the README links to the docs"

    missing = []
    for target in targets:
        path, _, anchor = target.partition("#")
        page = PROJECT_ROOT / path
        if not page.is_file() or (anchor and anchor not in anchors(page)):
            missing.append(target)

    assert missing == []


def test_every_address_the_readme_links_to_is_a_page_the_app_serves(client):
    addresses = [link for link in links() if urlsplit(link).scheme]
    assert addresses, "the README links to the app's pages"

    elsewhere = [address for address in addresses if not address.startswith(APP_ADDRESS + "/")]
    assert elsewhere == [], "only the app's own addresses can be checked here"
    answers = {address: client.get(urlsplit(address).path).status_code for address in addresses}
    assert {address: status for address, status in answers.items() if status != 200} == {}
