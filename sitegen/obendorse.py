"""Endorsements serialized as Open Badges documents: OB 3.0 EndorsementCredentials (unsigned)
and OB 2.0 hosted Endorsements, with the endorsers' profiles."""

from __future__ import annotations

from collections.abc import Iterable

from sitegen import ob2, ob3
from sitegen.i18n import Translator
from sitegen.model import Endorsement, Endorser, Localized
from sitegen.urls import Urls

ENDORSEMENT_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
)

JsonObject = dict[str, object]


def _text(value: Localized, tr: Translator) -> str:
    return value.get(tr.language, tr.language)


def endorsed_name(endorsement: Endorsement, tr: Translator) -> str:
    """The name of what is endorsed: the badge's, or the issuer's."""
    if endorsement.badge is not None:
        return _text(endorsement.badge.name, tr)
    assert endorsement.issuer is not None  # noqa: S101 - one of the two, checked when read
    return _text(endorsement.issuer.name, tr)


def endorsed_ob3_id(endorsement: Endorsement, urls: Urls) -> str:
    """The OB 3.0 id of what is endorsed: the Achievement's, or the issuer Profile's did:web
    (the ids award credentials give them)."""
    if endorsement.badge is not None:
        return urls.absolute(urls.badge_page(endorsement.badge))
    assert endorsement.issuer is not None  # noqa: S101 - one of the two, checked when read
    return urls.did(endorsement.issuer)


def endorsed_ob2_id(endorsement: Endorsement, urls: Urls) -> str:
    """The OB 2.0 id of what is endorsed: the hosted BadgeClass, or the issuer Profile."""
    if endorsement.badge is not None:
        return urls.absolute(urls.badge_class(endorsement.badge))
    assert endorsement.issuer is not None  # noqa: S101 - one of the two, checked when read
    return urls.absolute(urls.issuer_profile(endorsement.issuer))


def to_endorser_profile(endorser: Endorser, urls: Urls, tr: Translator) -> JsonObject:
    """The endorser's Profile embedded in its credentials; its id is its did:web."""
    profile: JsonObject = {
        "id": urls.endorser_did(endorser),
        "type": ["Profile"],
        "name": _text(endorser.name, tr),
        "url": endorser.url,
        "email": endorser.email,
    }
    if endorser.telephone:
        profile["phone"] = endorser.telephone
    if endorser.description:
        profile["description"] = _text(endorser.description, tr)
    return profile


def to_endorsement_credential(endorsement: Endorsement, urls: Urls, tr: Translator) -> JsonObject:
    """The unsigned EndorsementCredential: the endorser's comment on an issuer or a badge."""
    endorser = endorsement.endorser
    credential: JsonObject = {
        "@context": [ob3.VC_CONTEXT, ob3.OB_CONTEXT, ob3.OB_EXTENSIONS],
        "id": urls.absolute(urls.endorsement_credential(endorsement)),
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": tr.gettext("Endorsement of %(endorsed)s by %(endorser)s")
        % {
            "endorsed": endorsed_name(endorsement, tr),
            "endorser": _text(endorser.name, tr),
        },
        "issuer": to_endorser_profile(endorser, urls, tr),
        "validFrom": ob3.date_time(endorsement.issued),
        "credentialSubject": {
            "id": endorsed_ob3_id(endorsement, urls),
            "type": ["EndorsementSubject"],
            "endorsementComment": _text(endorsement.comment, tr),
        },
    }
    if endorsement.expires:
        credential["validUntil"] = ob3.date_time(endorsement.expires)
    credential["credentialSchema"] = [
        {"id": ENDORSEMENT_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}
    ]
    return credential


def to_ob2_endorser_profile(endorser: Endorser, urls: Urls, tr: Translator) -> JsonObject:
    """The endorser's OB 2.0 Profile, which its hosted Endorsements name as their issuer."""
    doc: JsonObject = {
        "@context": ob2.CONTEXT,
        "type": "Profile",
        "id": urls.absolute(urls.endorser_profile(endorser)),
        "name": _text(endorser.name, tr),
        "url": endorser.url,
        "email": endorser.email,
    }
    if endorser.telephone:
        doc["telephone"] = endorser.telephone
    if endorser.description:
        doc["description"] = _text(endorser.description, tr)
    return doc


def to_ob2_endorsement(endorsement: Endorsement, urls: Urls, tr: Translator) -> JsonObject:
    """The hosted OB 2.0 Endorsement (OB 2.0 has no expiry for endorsements)."""
    return {
        "@context": ob2.CONTEXT,
        "type": "Endorsement",
        "id": urls.absolute(urls.endorsement_ob2(endorsement)),
        "claim": {
            "id": endorsed_ob2_id(endorsement, urls),
            "endorsementComment": _text(endorsement.comment, tr),
        },
        "issuedOn": endorsement.issued.isoformat(),
        "issuer": urls.absolute(urls.endorser_profile(endorsement.endorser)),
        "verification": {"type": "HostedBadge"},
    }


def with_endorsements(
    document: JsonObject, endorsements: Iterable[Endorsement], urls: Urls
) -> JsonObject:
    """An OB 2.0 BadgeClass or issuer Profile with ``endorsement`` links to its Endorsements."""
    links = [urls.absolute(urls.endorsement_ob2(e)) for e in endorsements]
    return {**document, "endorsement": links} if links else document
