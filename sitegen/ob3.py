"""The model serialized as Open Badges 3.0 credentials (VC Data Model 2.0), unsigned."""

from __future__ import annotations

from datetime import UTC, datetime

from sitegen.i18n import Translator
from sitegen.identity import recipient_identity, recipient_salt
from sitegen.model import Award, Badge, Issuer, Localized
from sitegen.ob2 import alignment_fields, criteria_narrative, evidence_list
from sitegen.urls import Urls

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Defines 1EdTechJsonSchemaValidator2019: without it verifiers in safe mode reject the proof.
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential_schema.json"
)

JsonObject = dict[str, object]


def _text(value: Localized, tr: Translator) -> str:
    return value.get(tr.language, tr.language)


def date_time(moment: datetime) -> str:
    """An xsd:dateTime in UTC without fractions (``2024-03-13T23:00:00Z``)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def to_profile(issuer: Issuer, urls: Urls, tr: Translator) -> JsonObject:
    """The issuer Profile embedded in credentials; its id is the issuer's did:web."""
    profile: JsonObject = {
        "id": urls.did(issuer),
        "type": ["Profile"],
        "name": _text(issuer.name, tr),
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.telephone:
        profile["phone"] = issuer.telephone
    if issuer.description:
        profile["description"] = _text(issuer.description, tr)
    if issuer.image:
        profile["image"] = {
            "id": urls.absolute(urls.issuer_image(issuer)),
            "type": "Image",
            "caption": _text(issuer.image.alt, tr),
        }
    return profile


def to_achievement(badge: Badge, urls: Urls, tr: Translator) -> JsonObject:
    """The Achievement: what the badge certifies, its criteria and image."""
    page = urls.absolute(urls.badge_page(badge))
    achievement: JsonObject = {
        "id": page,
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": _text(badge.name, tr),
        "description": _text(badge.description, tr),
        "criteria": {"id": page, "narrative": criteria_narrative(badge, tr)},
        "image": {
            "id": urls.absolute(urls.badge_image_png(badge)),
            "type": "Image",
            "caption": _text(badge.image.alt, tr),
        },
        "inLanguage": tr.language,
    }
    if badge.tags:
        achievement["tag"] = list(badge.tags)
    if badge.alignments:
        achievement["alignment"] = [
            {"type": ["Alignment"], **alignment_fields(a, tr)} for a in badge.alignments
        ]
    return achievement


def status_entry(list_url: str, index: int) -> JsonObject:
    """The credential's ``credentialStatus``: its bit in the issuer's revocation list."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def to_credential(
    award: Award, urls: Urls, tr: Translator, *, status: JsonObject
) -> JsonObject:
    """The unsigned OpenBadgeCredential of an award."""
    badge = award.badge
    subject: JsonObject = {
        "type": ["AchievementSubject"],
        "identifier": [{
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "identityHash": recipient_identity(award),
            **({"salt": salt} if (salt := recipient_salt(award)) else {}),
        }],
        "achievement": to_achievement(badge, urls, tr),
    }
    if award.narrative:
        subject["narrative"] = _text(award.narrative, tr)
    credential: JsonObject = {
        "@context": [VC_CONTEXT, OB_CONTEXT, OB_EXTENSIONS],
        "id": urls.absolute(urls.credential(award)),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _text(badge.name, tr),
        "description": _text(badge.description, tr),
        "image": {
            "id": urls.absolute(urls.baked_png(award)),
            "type": "Image",
            "caption": _text(badge.image.alt, tr),
        },
        "issuer": to_profile(badge.issuer, urls, tr),
        "validFrom": date_time(award.issued),
        "awardedDate": date_time(award.issued),
        "credentialSubject": subject,
    }
    if award.expires:
        credential["validUntil"] = date_time(award.expires)
    evidence = evidence_list(award, urls, tr, evidence_type=["Evidence"])
    if evidence:
        credential["evidence"] = evidence
    credential["credentialSchema"] = [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}]
    credential["credentialStatus"] = status
    return credential


def to_status_list(
    issuer: Issuer, urls: Urls, *, number: int, encoded: str, valid_from: datetime
) -> JsonObject:
    """The unsigned BitstringStatusListCredential of an issuer."""
    list_url = urls.absolute(urls.status_list(issuer, number))
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": urls.did(issuer),
        "validFrom": date_time(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
