"""Endorsements on badge and issuer pages in a real browser: one live verdict each, in French
and English, accessible, and the static text without JavaScript."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from sitegen.commands.build import build_site
from sitegen.commands.load import load_site
from sitegen.devserver import make_server
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_live_verify import edit_jwt_payload
from tests.browser.test_pages import axe_violations
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SITE = load_site(ROOT).site
BADGE = next(b for b in SITE.badges if SITE.endorsements_of(b))
ISSUER = next(i for i in SITE.issuers if SITE.endorsements_of(i))
PAGES = {
    "badge-fr": (f"badges/{BADGE.slug}/", len(SITE.endorsements_of(BADGE)), "Valide"),
    "badge-en": (f"en/badges/{BADGE.slug}/", len(SITE.endorsements_of(BADGE)), "Valid"),
    "issuer-fr": (f"issuers/{ISSUER.slug}/", len(SITE.endorsements_of(ISSUER)), "Valide"),
    "issuer-en": (f"en/issuers/{ISSUER.slug}/", len(SITE.endorsements_of(ISSUER)), "Valid"),
}


def verdicts(page: object) -> list[str]:
    """Every endorsement's verdict, once the browser has reached them all."""
    boxes = page.locator(".endorsement-verdict")  # type: ignore[attr-defined]
    for index in range(boxes.count()):
        boxes.nth(index).locator(".status:not(.status-checking)").wait_for(timeout=10_000)
    return [str(t) for t in boxes.locator(".status").all_inner_texts()]


@pytest.mark.parametrize("name", PAGES)
def test_each_endorsement_gets_a_valid_live_verdict(served_example, browser, name):
    path, count, valid = PAGES[name]
    page = browser.page(bypass_csp=True)
    page.goto(served_example + path)
    found = verdicts(page)
    assert len(found) == count
    for text in found:
        assert text.startswith(f"✓ {valid}") or text.startswith(valid), text
    assert page.locator(".endorsement-verdict .status-valid").count() == count
    page.locator(".endorsement-verdict details summary").first.click()
    checks = page.locator(".endorsement-verdict .check")
    assert checks.count() >= 3 and page.locator(".endorsement-verdict .check-fail").count() == 0
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)
    assert browser.foreign == []
    page.context.close()


def test_endorsements_read_without_javascript(served_example, browser):
    page = browser.page(javascript=False)
    page.goto(served_example + f"badges/{BADGE.slug}/")
    section = page.locator("section.endorsements")
    text = section.inner_text()
    for endorsement in SITE.endorsements_of(BADGE):
        assert endorsement.endorser.name.get("fr", "fr") in text
    assert "Endossement du " in text
    assert "il faut pour cela JavaScript" in text
    links = section.locator("a[href$='credential.json']")
    assert links.count() == len(SITE.endorsements_of(BADGE))
    page.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_badge_page_with_endorsements_fits_phone_and_desktop(served_example, browser, width):
    page = browser.page(width=width, height=800)
    page.goto(served_example + f"badges/{BADGE.slug}/")
    verdicts(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("section.endorsements").screenshot(
        path=str(SCREENSHOTS / f"endorsements-{BADGE.slug}-{width}.png")
    )
    page.context.close()


@pytest.fixture(scope="module")
def forged_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the example where the first endorsement of BADGE had its comment edited after
    signing, and the issuer's endorsement was swapped for a genuine one of the badge."""
    out = tmp_path_factory.mktemp("forged-endorsement") / "site"
    server = make_server(out, 0, quiet=True)
    base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    build_site(ROOT, out, base_url=base_url, environ={})
    first = SITE.endorsements_of(BADGE)[0]
    jwt_path = out / f"endorsements/{first.slug}/credential.jwt"
    of_issuer = SITE.endorsements_of(ISSUER)[0]
    assert of_issuer.endorser == first.endorser  # same signer: only the subject differs
    (out / f"endorsements/{of_issuer.slug}/credential.jwt").write_bytes(jwt_path.read_bytes())
    edit_jwt_payload(jwt_path, lambda claims: claims["credentialSubject"].update(
        endorsementComment="Nous recommandons sans réserve."))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    server.server_close()


def test_a_forged_endorsement_is_reported_invalid_and_the_others_stay_valid(forged_site, browser):
    page = browser.page()
    page.goto(forged_site + f"badges/{BADGE.slug}/")
    found = verdicts(page)
    first = SITE.endorsements_of(BADGE)[0]
    forged = page.locator(f"#endorsement-{first.slug} .endorsement-verdict .status")
    assert "status-invalid" in str(forged.get_attribute("class"))
    assert "Ne vous fiez pas à cet endossement" in forged.inner_text()
    assert (
        sum(
            "status-valid" in str(box.get_attribute("class"))
            for box in page.locator(".endorsement-verdict .status").all()
        )
        == len(found) - 1
    )
    page.context.close()


def test_an_endorsement_of_something_else_is_reported_invalid(forged_site, browser):
    page = browser.page()
    page.goto(forged_site + f"issuers/{ISSUER.slug}/")
    (text,) = verdicts(page)
    assert "ce justificatif n’endosse pas did:web:127.0.0.1" in text, text
    assert page.locator(".endorsement-verdict .status-invalid").count() == 1
    page.context.close()


def test_endorsement_script_is_small_and_self_contained():
    script = (ROOT / "themes/default/static/endorse.js").read_bytes()
    assert len(script) < 5_000
    for forbidden in (b"eval(", b"new Function", b"innerHTML", b"document.write", b"import("):
        assert forbidden not in script, forbidden
