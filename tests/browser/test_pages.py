"""The example site's pages in a real browser: content, no-JS behaviour, accessibility, no leaks."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from sitegen.commands.load import load_site
from tests.browser.conftest import AXE, SCREENSHOTS
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SITE = load_site(ROOT).site
PAGES = (
    ["", "404-probe/does-not-exist", "verify/", "en/", "en/verify/", "guide/", "en/guide/"]
    + [f"issuers/{i.slug}/" for i in SITE.issuers]
    + [f"badges/{b.slug}/" for b in SITE.badges]
    + [f"awards/{a.id}/" for a in SITE.awards]
    + [f"awards/{a.id}/#certificate" for a in SITE.awards[:2]]
    + [f"en/awards/{a.id}/" for a in SITE.awards[:2]]
    + [f"en/badges/{SITE.badges[0].slug}/"]
)
REVOKED = next(a for a in SITE.awards if a.revocation)
# The page decides "expired" with the reader's clock, so the test uses the real one.
EXPIRED = next(a for a in SITE.awards if a.expires and a.revocation is None
               and a.expires < datetime.now(UTC))
NAMED = next(a for a in SITE.awards if a.recipient.shown_name and a.listed)
HIDDEN = next(a for a in SITE.awards if a.recipient.shown_name is None and not a.listed)


def axe_violations(page) -> list[dict]:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run the tests with `make test`")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
           values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})).violations"""
    )
    return [{"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"]][:3]}
            for v in result]


@pytest.mark.parametrize("path", PAGES)
def test_page_is_accessible_and_requests_nothing_foreign(served_example, browser, path):
    page = browser.page(bypass_csp=True)
    response = page.goto(served_example + path)
    assert response.status == (404 if path.startswith("404-probe") else 200)
    assert page.locator("html").get_attribute("lang") == ("en" if path.startswith("en/") else "fr")
    assert page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert browser.foreign == []
    page.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_award_page_fits_phone_and_desktop_widths(served_example, browser, width):
    page = browser.page(width=width, height=800)
    page.goto(served_example + f"awards/{NAMED.id}/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.screenshot(path=str(SCREENSHOTS / f"award-named-{width}.png"), full_page=True)
    page.context.close()


def test_award_page_shows_who_what_when_by_whom(served_example, browser):
    page = browser.page()
    page.goto(served_example + f"awards/{NAMED.id}/")
    text = page.locator("main").inner_text()
    assert NAMED.recipient.shown_name in text
    assert NAMED.badge.name.get("fr", "fr") in text
    assert NAMED.badge.issuer.name.get("fr", "fr") in text
    assert "Délivré le" in text and "Critères validés" in text
    page.context.close()


def test_hidden_recipient_name_never_appears(served_example, browser):
    page = browser.page()
    page.goto(served_example + f"awards/{HIDDEN.id}/")
    text = page.content()
    assert "identifiée par son adresse électronique" in page.locator("main").inner_text()
    if HIDDEN.recipient.name:
        assert HIDDEN.recipient.name not in text
    assert HIDDEN.recipient.email not in text
    assert page.locator('meta[name="robots"]').get_attribute("content").startswith("noindex")
    page.context.close()


def test_revoked_award_says_revoked_with_reason(served_example, browser):
    page = browser.page(javascript=False)
    page.goto(served_example + f"awards/{REVOKED.id}/")
    status = page.locator("#status").inner_text()
    assert "Retiré" in status
    assert REVOKED.revocation.reason.get("fr", "fr") in status
    page.context.close()


def test_expired_award_says_expired_with_javascript(served_example, browser):
    page = browser.page()
    page.goto(served_example + f"awards/{EXPIRED.id}/")
    status = page.locator("#live-verdict .status")  # the verdict of verify.js
    assert "Expiré" in status.inner_text()
    assert "status-expired" in status.get_attribute("class")
    page.context.close()


def test_expired_award_states_its_end_date_without_javascript(served_example, browser):
    page = browser.page(javascript=False)
    page.goto(served_example + f"awards/{EXPIRED.id}/")
    status = page.locator("#status").inner_text()
    assert "Ce badge est valable jusqu’au" in status
    page.context.close()


def test_language_switch_leads_to_the_same_page_in_english_and_back(served_example, browser):
    page = browser.page()
    page.goto(served_example + f"awards/{NAMED.id}/")
    page.get_by_role("link", name="English").click()
    assert page.url == served_example + f"en/awards/{NAMED.id}/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Criteria met" in page.locator("main").inner_text()
    page.get_by_role("link", name="Français").click()
    assert page.url == served_example + f"awards/{NAMED.id}/"
    page.context.close()


@pytest.mark.parametrize("path", ["", f"awards/{NAMED.id}/", "verify/"])
def test_pages_stay_under_100_kb_without_images(served_example, path):
    import urllib.request
    from html.parser import HTMLParser

    class Assets(HTMLParser):
        def __init__(self):
            super().__init__()
            self.urls = []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "script" and attrs.get("src"):
                self.urls.append(attrs["src"])
            if tag == "link" and attrs.get("rel") == "stylesheet":
                self.urls.append(attrs["href"])

    url = served_example + path
    html = urllib.request.urlopen(url).read()
    parser = Assets()
    parser.feed(html.decode("utf-8"))
    from urllib.parse import urljoin

    total = len(html) + sum(len(urllib.request.urlopen(urljoin(url, u)).read())
                            for u in parser.urls)
    assert parser.urls, "the page loads its stylesheet"
    assert total < 100_000, total
