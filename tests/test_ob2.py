from sitegen import ob2
from sitegen.i18n import make_translator
from sitegen.identity import recipient_identity, recipient_salt
from sitegen.theme import builtin_theme_dir
from sitegen.urls import Urls
from tests.test_resolve import load

BASE = "https://badges.example.org/"


def documents(site_factory, files=None):
    site, problems = load(site_factory(files))
    assert problems == []
    tr = make_translator("fr", [builtin_theme_dir() / "locales"])
    return site, Urls(BASE), tr


def test_assertion_is_hosted_with_hashed_salted_recipient(site_factory):
    site, urls, tr = documents(site_factory)
    award = site.awards[0]
    doc = ob2.to_assertion(award, urls, tr)
    assert doc["@context"] == "https://w3id.org/openbadges/v2"
    assert doc["type"] == "Assertion"
    assert doc["id"] == BASE + "awards/a1/assertion.json"
    assert doc["badge"] == BASE + "badges/ponctuel/badgeclass.json"
    assert doc["verification"] == {"type": "HostedBadge"}
    assert doc["recipient"] == {
        "type": "email", "hashed": True, "salt": recipient_salt(award),
        "identity": recipient_identity(award),
    }
    assert doc["issuedOn"] == "2024-03-14T00:00:00+01:00"
    assert doc["image"] == BASE + "awards/a1/badge.png"
    assert "expires" not in doc and "revoked" not in doc
    assert "ada" not in str(doc).lower()  # the email never appears in clear


def test_revoked_assertion_keeps_data_and_is_listed(site_factory):
    site, urls, tr = documents(site_factory, {"content/awards/2024/a1.yaml": (
        "badge: ponctuel\nrecipient: {email: a@example.net}\nissued: 2024-03-14\n"
        "expires: 2026-03-14\nrevoked: {date: 2024-05-02, reason: Erreur de saisie}\n")})
    award = site.awards[0]
    doc = ob2.to_assertion(award, urls, tr)
    assert doc["revoked"] is True
    assert doc["revocationReason"] == "Erreur de saisie"
    assert doc["expires"] == "2026-03-14T00:00:00+01:00"
    assert "recipient" in doc and "badge" in doc  # still a complete assertion
    rl = ob2.to_revocation_list(site.issuers[0], site.awards, urls, tr)
    assert rl["type"] == "RevocationList"
    assert rl["revokedAssertions"] == [
        {"id": BASE + "awards/a1/assertion.json", "revocationReason": "Erreur de saisie"}]


def test_badge_class_criteria_link_page_and_list_items_with_periods(site_factory):
    site, urls, tr = documents(site_factory)
    doc = ob2.to_badge_class(site.badges[0], urls, tr)
    assert doc["criteria"]["id"] == BASE + "badges/ponctuel/"
    assert doc["criteria"]["narrative"] == (
        "Validé par l'équipe.\n\n- **Ponctualité** (constaté sur 6 mois)\n"
        "- **Communication** (facultatif)"
    )
    assert doc["issuer"] == BASE + "issuers/atelier/profile.json"
    assert doc["image"] == BASE + "badges/ponctuel/image.png"


def test_profile_has_fields_the_validator_requires(site_factory):
    site, urls, tr = documents(site_factory)
    doc = ob2.to_profile(site.issuers[0], urls, tr)
    assert {k: doc[k] for k in ("type", "id", "name", "url", "email")} == {
        "type": "Issuer", "id": BASE + "issuers/atelier/profile.json", "name": "Atelier Test",
        "url": "https://atelier.example.org/", "email": "contact@atelier.example.org",
    }
    assert doc["revocationList"] == BASE + "issuers/atelier/revocations.json"


def test_evidence_names_the_criterion(site_factory):
    site, urls, tr = documents(site_factory, {"content/awards/2024/a1.yaml": (
        "badge: ponctuel\nrecipient: {email: a@example.net}\nissued: 2024-03-14\n"
        "evidence:\n  - narrative: Aucun retard.\n    criterion: ponctualite\n"
        "    url: https://atelier.example.org/preuve\n")})
    (evidence,) = ob2.to_assertion(site.awards[0], urls, tr)["evidence"]
    assert evidence == {"type": "Evidence", "id": "https://atelier.example.org/preuve",
                        "narrative": "Critère : Ponctualité\n\nAucun retard."}


def test_assertion_keeps_an_imported_hash_and_omits_a_missing_salt(site_factory):
    kept = "sha256$" + "ab" * 32
    site, urls, tr = documents(site_factory, {"content/awards/2024/a1.yaml": (
        f"badge: ponctuel\nrecipient: {{hashed: '{kept}'}}\nissued: 2024-03-14\n")})
    doc = ob2.to_assertion(site.awards[0], urls, tr)
    assert doc["recipient"] == {"type": "email", "hashed": True, "identity": kept}
