"""Credentials checked in the browser (verify.js): award verdicts, tampering, recipient check, verify page."""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from sitegen.bake import OB3, bake_png, unbake_png
from sitegen.commands.build import build_site
from sitegen.commands.load import load_site
from sitegen.devserver import make_server
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_pages import axe_violations
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SITE = load_site(ROOT).site
NOW = datetime.now(UTC)
VALID = next(a for a in SITE.awards if a.revocation is None and a.expires and a.expires > NOW)
EXPIRED = next(a for a in SITE.awards if a.id == "2024-03-ser-uc1l0x53")
REVOKED = next(a for a in SITE.awards if a.id == "2024-03-ind-7ogc0h8e")
# The verdict is computed with the reader's clock, like the page does.
assert EXPIRED.expires is not None and EXPIRED.expires < NOW


def verdict(page: object, root: str = "#live-verdict") -> str:
    """The live verdict's text, once the browser has reached one."""
    box = page.locator(f"{root} .status:not(.status-checking)")  # type: ignore[attr-defined]
    box.wait_for(timeout=10_000)
    return str(box.inner_text())


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def edit_jwt_payload(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """Change a VC-JWT's claims after signing, keeping its header and signature."""
    header, payload, signature = path.read_text(encoding="ascii").split(".")
    claims = json.loads(b64url_decode(payload))
    edit(claims)
    forged = b64url(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    path.write_text(f"{header}.{forged}.{signature}", encoding="ascii")


@pytest.fixture(scope="module")
def tampered_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the example site whose VALID award's VC-JWT payload was edited after signing."""
    out = tmp_path_factory.mktemp("tampered") / "site"
    server = make_server(out, 0, quiet=True)
    base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    build_site(ROOT, out, base_url=base_url, environ={})
    edit_jwt_payload(
        out / f"awards/{VALID.id}/credential.jwt",
        lambda claims: claims["credentialSubject"]["achievement"].update(name="Expert en tout"),
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    server.server_close()


def test_valid_award_is_checked_valid_in_the_browser(served_example, browser):
    page = browser.page()
    page.goto(served_example + f"awards/{VALID.id}/")
    text = verdict(page)
    assert text.startswith("✓") or "Valide" in text
    assert "Votre navigateur vient de vérifier la signature" in text
    assert page.locator("#status").is_hidden()
    assert page.locator("#verdict-nojs").is_hidden()
    checks = page.locator("#verdict-checks li")
    assert checks.count() == 4
    assert page.locator("#verdict-checks .check-fail").count() == 0
    page.locator("#verdict-details summary").click()
    assert "la signature EdDSA (Ed25519) du VC-JWT par l’émetteur est valide" in (
        page.locator("#verdict-checks").inner_text()
    )
    assert browser.foreign == []
    page.context.close()


def test_expired_award_is_checked_expired_with_its_date(served_example, browser):
    page = browser.page()
    page.goto(served_example + f"awards/{EXPIRED.id}/")
    text = verdict(page)
    assert "Expiré" in text
    assert "Ce badge a expiré le 14 mars 2025" in text
    assert "status-expired" in page.locator("#live-verdict .status").get_attribute("class")
    page.context.close()


def test_revoked_award_is_checked_revoked_with_its_reason(served_example, browser):
    page = browser.page()
    page.goto(served_example + f"awards/{REVOKED.id}/")
    text = verdict(page)
    assert "Retiré" in text
    assert REVOKED.revocation is not None
    assert REVOKED.revocation.reason.get("fr", "fr") in text
    assert "status-revoked" in page.locator("#live-verdict .status").get_attribute("class")
    assert "est cochée" in page.locator("#verdict-checks").evaluate("e => e.textContent")
    page.context.close()


def test_tampered_credential_is_reported_as_a_bad_signature(tampered_site, browser):
    page = browser.page()
    page.goto(tampered_site + f"awards/{VALID.id}/")
    text = verdict(page)
    assert "Signature invalide" in text
    assert "la signature ne correspond pas" in text
    assert "status-invalid" in page.locator("#live-verdict .status").get_attribute("class")
    assert page.locator("#status").is_hidden()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "live-tampered-1200.png"))
    page.context.close()


def test_recipient_check_matches_only_the_right_email(served_example, browser):
    page = browser.page()
    page.goto(served_example + f"awards/{VALID.id}/")
    verdict(page)
    page.locator("#identity-check summary").click()
    email = page.locator("#identity-email")
    result = page.locator("#identity-result")
    email.fill(f"  {VALID.recipient.email.upper()} ")
    page.locator("#identity-form button").click()
    page.wait_for_function("document.getElementById('identity-result').textContent !== ''")
    assert "Cette adresse correspond" in result.inner_text()
    assert "is-match" in result.get_attribute("class")
    email.fill("quelqu.un@example.net")
    page.locator("#identity-form button").click()
    page.wait_for_function("document.getElementById('identity-result').textContent !== ''")
    assert "ne correspond pas" in result.inner_text()
    assert page.url == served_example + f"awards/{VALID.id}/"  # nothing was submitted
    assert browser.foreign == []
    page.context.close()


def test_award_page_without_javascript_says_how_to_verify(served_example, browser):
    page = browser.page(javascript=False)
    page.goto(served_example + f"awards/{EXPIRED.id}/")
    assert "Ce badge est valable jusqu’au" in page.locator("#status").inner_text()
    note = page.locator("#verdict-nojs")
    assert note.is_visible()
    assert f"awards/{EXPIRED.id}/credential.json" in note.inner_text()
    assert "sitegen verify" in note.inner_text()
    assert page.locator("#identity-check").is_hidden()
    page.context.close()


@pytest.mark.parametrize("award", [VALID, EXPIRED, REVOKED], ids=["valid", "expired", "revoked"])
def test_award_page_with_live_verdict_is_accessible(served_example, browser, award):
    page = browser.page(bypass_csp=True)
    page.goto(served_example + f"awards/{award.id}/")
    verdict(page)
    page.locator("#verdict-details summary").click()
    page.locator("#identity-check summary").click()
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)
    page.context.close()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("award", [VALID, EXPIRED, REVOKED], ids=["valid", "expired", "revoked"])
def test_award_verdict_fits_phone_and_desktop(served_example, browser, award, width):
    page = browser.page(width=width, height=900 if width > 360 else 800)
    page.goto(served_example + f"awards/{award.id}/")
    verdict(page)
    page.locator("#verdict-details summary").click()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = f"live-{award.id}-{width}.png"
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    page.context.close()


# ---- the verify page


def open_verify_page(browser: object, base_url: str, **options: object) -> object:
    page = browser.page(**options)  # type: ignore[attr-defined]
    response = page.goto(base_url + "verify/")
    assert response.status == 200
    page.locator("#verify-form").wait_for()
    return page


def upload(page: object, name: str, data: bytes, mime: str) -> None:
    page.set_input_files(  # type: ignore[attr-defined]
        "#verify-file", files=[{"name": name, "mimeType": mime, "buffer": data}]
    )


def test_verify_page_accepts_a_baked_png(served_example, browser):
    page = open_verify_page(browser, served_example)
    upload(page, "badge.png", fetch(served_example + f"awards/{VALID.id}/badge.png"), "image/png")
    text = verdict(page, "#verify-verdict")
    assert "Valide" in text
    card = page.locator("#verify-badge")
    assert card.is_visible()
    assert VALID.badge.name.get("fr", "fr") in card.inner_text()
    assert VALID.badge.issuer.name.get("fr", "fr") in card.inner_text()
    assert "adresse électronique (non publiée)" in card.inner_text()
    checks = page.locator("#verdict-checks").evaluate("e => e.textContent")
    assert "une image de badge (PNG) contenant son justificatif" in checks
    assert "comparé à la copie signée par l’émetteur" in checks
    assert page.locator("#verdict-checks .check-fail").count() == 0
    assert browser.foreign == []
    page.context.close()


def test_verify_page_rejects_a_png_baked_with_an_altered_credential(served_example, browser):
    png = fetch(served_example + f"awards/{VALID.id}/badge.png")
    text = unbake_png(png, OB3)
    assert text is not None
    credential = json.loads(text)
    credential["credentialSubject"]["achievement"]["name"] = "Expert en tout"
    forged = bake_png(png, json.dumps(credential, ensure_ascii=False), OB3)
    page = open_verify_page(browser, served_example)
    upload(page, "badge.png", forged, "image/png")
    text = verdict(page, "#verify-verdict")
    assert "Justificatif modifié" in text
    assert "diffère de celui que son émetteur a signé" in text
    assert "credentialSubject.achievement.name" in text
    assert page.locator("#verify-badge").is_hidden()
    page.locator("#verdict-details summary").click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "verify-altered-1200.png"), full_page=True)
    page.context.close()


def test_verify_page_accepts_a_pasted_jwt(served_example, browser):
    token = fetch(served_example + f"awards/{EXPIRED.id}/credential.jwt").decode("ascii")
    page = open_verify_page(browser, served_example)
    page.locator("#verify-text").fill(token)
    page.locator("#verify-form button[type=submit]").click()
    text = verdict(page, "#verify-verdict")
    assert "Ce badge a expiré le 14 mars 2025" in text
    assert "un justificatif (VC-JWT)" in page.locator("#verdict-checks").evaluate(
        "e => e.textContent"
    )
    page.context.close()


def test_verify_page_accepts_a_baked_svg_and_checks_its_recipient(served_example, browser):
    svg = fetch(served_example + f"awards/{REVOKED.id}/badge.svg")
    page = open_verify_page(browser, served_example)
    upload(page, "badge.svg", svg, "image/svg+xml")
    assert "Retiré" in verdict(page, "#verify-verdict")
    page.locator("#identity-check summary").click()
    page.locator("#identity-email").fill(REVOKED.recipient.email)
    page.locator("#identity-form button").click()
    page.wait_for_function("document.getElementById('identity-result').textContent !== ''")
    assert "Cette adresse correspond" in page.locator("#identity-result").inner_text()
    page.context.close()


def test_verify_page_says_when_a_file_holds_no_credential(served_example, browser):
    page = open_verify_page(browser, served_example)
    upload(page, "notes.txt", b"bonjour", "text/plain")
    text = verdict(page, "#verify-verdict")
    assert "Vérification impossible" in text
    assert "ni une image de badge" in text
    page.context.close()


def test_verify_page_without_javascript_says_how_to_verify(served_example, browser):
    page = browser.page(javascript=False)
    page.goto(served_example + "verify/")
    assert page.locator("#verify-nojs").is_visible()
    assert page.locator("#verify-form").is_hidden()
    page.context.close()


def test_verify_page_is_accessible(served_example, browser):
    page = open_verify_page(browser, served_example, bypass_csp=True)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)
    upload(page, "badge.png", fetch(served_example + f"awards/{VALID.id}/badge.png"), "image/png")
    verdict(page, "#verify-verdict")
    page.locator("#verdict-details summary").click()
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)
    page.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_verify_page_fits_phone_and_desktop(served_example, browser, width):
    page = open_verify_page(
        browser, served_example, width=width, height=900 if width > 360 else 800
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"verify-empty-{width}.png"), full_page=True)
    upload(page, "badge.png", fetch(served_example + f"awards/{VALID.id}/badge.png"), "image/png")
    verdict(page, "#verify-verdict")
    page.locator("#verdict-details summary").click()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.screenshot(path=str(SCREENSHOTS / f"verify-valid-{width}.png"), full_page=True)
    page.context.close()


def test_award_page_stays_light(served_example):
    """HTML, style sheets and scripts of an award page, images aside, weigh under 100 KB."""
    url = served_example + f"awards/{VALID.id}/"
    html = fetch(url)
    assets = re.findall(rb'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html)
    assert any(a.endswith(b"verify.js") for a in assets)
    weight = len(html) + sum(len(fetch(urljoin(url, a.decode()))) for a in assets)
    assert weight < 100_000


def test_verify_script_is_small_and_self_contained():
    script = (ROOT / "themes/default/static/verify.js").read_bytes()
    # It also makes the parts of award pages that only a script fills (1 KB less per page).
    assert len(script) < 32_000
    for forbidden in (b"eval(", b"new Function", b"innerHTML", b"document.write", b"import("):
        assert forbidden not in script, forbidden
    # verify.js took over the expiry logic of the former status.js.
    assert not (ROOT / "themes/default/static/status.js").exists()


def test_verify_page_explains_that_other_sites_must_allow_it(served_example, browser):
    credential = fetch(served_example + f"awards/{VALID.id}/credential.json").decode("utf-8")
    elsewhere = credential.replace(served_example, "https://badges.example.org/")
    page = open_verify_page(browser, served_example)
    page.locator("#verify-text").fill(elsewhere)
    page.locator("#verify-form button[type=submit]").click()
    text = verdict(page, "#verify-verdict")
    assert "Vérification impossible" in text
    assert "https://badges.example.org/" in text and "en-têtes CORS" in text
    page.context.close()


def test_sharing_is_offered_only_while_the_badge_holds(served_example, browser):
    page = browser.page()
    page.goto(served_example + "awards/2024-03-ser-uc1l0x53/")  # expired on 14 March 2025
    page.wait_for_selector("#live-verdict .status-expired")
    assert page.locator("section.share").is_hidden()
    page.goto(served_example + "awards/2024-03-ind-8vh6r930/")
    page.wait_for_selector("#live-verdict .status-valid")
    assert page.locator("section.share").is_visible()
    page.context.close()
