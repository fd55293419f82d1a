"""The validation trail, skills and renewals on the example's award pages, in a real browser."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sitegen.commands.load import load_site
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_pages import axe_violations
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SITE = load_site(ROOT).site
TRAIL = next(a for a in SITE.awards if a.validation and a.listed and len(a.evidence) > 3)
RENEWAL = next(a for a in SITE.awards if a.renews)
RENEWED = next(a for a in SITE.awards if a.id == RENEWAL.renews)


def check_accessible(page) -> None:  # type: ignore[no-untyped-def]
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)


@pytest.mark.parametrize(
    ("prefix", "heading", "decision", "person", "period"),
    [
        (
            "",
            "Comment ce badge a été validé",
            "Décision collégiale du 1er mars 2024, prise par :",
            "Claire Martin, encadrante technique",
            "Ponctualité : observation sur 6 mois, du 1er septembre 2023 au 29 février 2024",
        ),
        (
            "en/",
            "How this badge was validated",
            "Collegial decision of March 1, 2024, taken by:",
            "Claire Martin, technical supervisor",
            "Punctuality: observed over 6 months, from September 1, 2023 to February 29, 2024",
        ),
    ],
)
def test_award_page_shows_the_validation_trail_and_skills(
    served_example, browser, prefix, heading, decision, person, period
):
    page = browser.page(bypass_csp=True)
    page.goto(served_example + f"{prefix}awards/{TRAIL.id}/")
    section = page.locator("section", has=page.get_by_role("heading", name=heading, exact=True))
    text = section.inner_text()
    assert decision in text and person in text and period in text
    skills = page.locator("section[aria-labelledby=skills]").inner_text()
    assert ("compétence ESCO" if not prefix else "ESCO skill") in skills
    check_accessible(page)
    assert browser.foreign == []
    page.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_trail_and_renewal_pages_fit_phone_and_desktop(served_example, browser, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in [
        ("trail", f"awards/{TRAIL.id}/"),
        ("renewed", f"awards/{RENEWED.id}/"),
        ("renewal", f"en/awards/{RENEWAL.id}/"),
        ("certificate-trail", f"awards/{TRAIL.id}/#certificate"),
    ]:
        page = browser.page(width=width, height=800)
        page.goto(served_example + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, name
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        page.context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_renewed_award_leads_to_the_renewal_and_back_in_both_languages(
    served_example, browser, javascript
):
    page = browser.page(javascript=javascript, bypass_csp=True)
    page.goto(served_example + f"awards/{RENEWED.id}/")
    notice = page.locator("#renewed")
    assert "Ce badge a été renouvelé le 12 mars 2026." in notice.inner_text()
    assert page.locator("section[aria-labelledby=renew]").count() == 0  # renewed already
    if javascript:
        check_accessible(page)
    notice.get_by_role("link", name="Voir l’attribution la plus récente (12 mars 2026)").click()
    assert page.url == served_example + f"awards/{RENEWAL.id}/"
    history = page.locator("section[aria-labelledby=history]")
    assert "Attributions précédentes de ce badge" in history.inner_text()
    page.get_by_role("link", name="English").click()
    assert page.url == served_example + f"en/awards/{RENEWAL.id}/"
    if javascript:
        check_accessible(page)
    page.get_by_role("link", name="Award of March 14, 2024").click()
    assert page.url == served_example + f"en/awards/{RENEWED.id}/"
    text = page.locator("#renewed").inner_text()
    assert "This badge was renewed on March 12, 2026." in text
    assert browser.foreign == []
    page.context.close()


def test_an_expiring_award_says_how_to_renew_and_turns_expired_on_time(served_example, browser):
    page = browser.page(javascript=False)
    page.goto(served_example + f"awards/{RENEWAL.id}/")
    renew = page.locator("section[aria-labelledby=renew]")
    contact = renew.get_by_role("link", name="Contacter Les Valoristes Bourguignons")
    assert not contact.is_visible(), "folded while the award is valid"
    page.locator("#renew").click()  # opens without JavaScript too
    assert renew.get_by_role("heading").inner_text() == "Renouveler ce badge"
    assert "Après le 12 mars 2027, l’organisme peut valider à nouveau" in renew.inner_text()
    assert contact.is_visible()
    page.context.close()

    page = browser.page(bypass_csp=True)
    later = datetime(2027, 4, 1, tzinfo=UTC)  # the reader's clock decides "expired"
    page.clock.install(time=later)
    page.goto(served_example + f"awards/{RENEWAL.id}/")
    assert page.locator("#renew").inner_text() == "Ce badge a expiré : comment le renouveler"
    assert page.get_by_role("link", name="Contacter Les Valoristes Bourguignons").is_visible()
    check_accessible(page)
    page.context.close()
