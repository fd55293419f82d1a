"""Links an earner uses to share an award: LinkedIn's "add to profile" and independent verifiers."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from sitegen.i18n import Translator
from sitegen.identity import credential_code
from sitegen.model import Award
from sitegen.urls import Urls

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"
# The 1EdTech Open Badges 2.0 validator: takes a hosted assertion URL or a baked image.
OB2_VALIDATOR = "https://openbadgesvalidator.imsglobal.org/"
# VerifierPlus (Digital Credentials Consortium) reads the URL of a credential from
# "#verify?vc=" and fetches it (web-verifier-plus, pages/index.tsx).
VERIFIER_PLUS = "https://verifierplus.org/"


def linkedin_url(award: Award, urls: Urls, tr: Translator) -> str:
    """LinkedIn's "add licence or certification" form, filled in with the award.

    It names the badge and the issuer, never the earner. Without the issuer's
    LinkedIn page id, LinkedIn gets the issuer's name instead; LinkedIn may
    ignore any field, so pages show the same values to copy by hand.
    """
    issuer = award.badge.issuer
    params: list[tuple[str, str]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", award.badge.name.get(tr.language, tr.language)),
    ]
    if issuer.linkedin_id:
        params.append(("organizationId", issuer.linkedin_id))
    else:
        params.append(("organizationName", issuer.name.get(tr.language, tr.language)))
    params += [("issueYear", str(award.issued.year)), ("issueMonth", str(award.issued.month))]
    if award.expires is not None:
        params += [
            ("expirationYear", str(award.expires.year)),
            ("expirationMonth", str(award.expires.month)),
        ]
    params += [
        ("certUrl", urls.absolute(urls.award_page(award))),
        ("certId", credential_code(award)),
    ]
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params, quote_via=quote)}"


def verifierplus_url(award: Award, urls: Urls) -> str:
    """VerifierPlus, asked to fetch and check the award's signed Open Badges 3.0 credential."""
    credential = urls.absolute(urls.credential(award))
    return f"{VERIFIER_PLUS}#verify?vc={quote(credential, safe='')}"
