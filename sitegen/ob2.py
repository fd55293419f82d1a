"""The model serialized as Open Badges 2.0 hosted JSON-LD documents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sitegen.frameworks import framework_of
from sitegen.i18n import Translator
from sitegen.identity import recipient_identity, recipient_salt
from sitegen.model import Alignment, Award, AwardSummary, Badge, Evidence, Issuer, Localized
from sitegen.trail import decision_evidence, evidence_observation, observation_genre
from sitegen.urls import Urls

CONTEXT = "https://w3id.org/openbadges/v2"

JsonObject = dict[str, object]


def _text(value: Localized, tr: Translator) -> str:
    return value.get(tr.language, tr.language)


def _moment(value: datetime) -> str:
    return value.isoformat()


def to_profile(issuer: Issuer, urls: Urls, tr: Translator) -> JsonObject:
    """The issuer's Profile (type Issuer)."""
    doc: JsonObject = {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": urls.absolute(urls.issuer_profile(issuer)),
        "name": _text(issuer.name, tr),
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.telephone:
        doc["telephone"] = issuer.telephone
    if issuer.description:
        doc["description"] = _text(issuer.description, tr)
    if issuer.image:
        doc["image"] = urls.absolute(urls.issuer_image(issuer))
    doc["revocationList"] = urls.absolute(urls.revocation_list(issuer))
    return doc


def criteria_narrative(badge: Badge, tr: Translator) -> str:
    """The criteria as Markdown: the narrative, then each item with its period."""
    parts = [_text(badge.criteria_narrative, tr)] if badge.criteria_narrative else []
    lines = []
    for c in badge.criteria:
        line = f"- **{_text(c.name, tr)}**"
        notes = []
        if c.optional:
            notes.append(tr.gettext("optional"))
        if c.period:
            notes.append(tr.gettext("observed over %(period)s") % {"period": tr.duration(c.period)})
        if notes:
            line += f" ({', '.join(notes)})"
        if c.description:
            line += f": {_text(c.description, tr)}"
        lines.append(line)
    if lines:
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def evidence_narrative(evidence: Evidence, tr: Translator) -> str:
    """An evidence's narrative, starting with the criterion it supports."""
    narrative = _text(evidence.narrative, tr) if evidence.narrative else ""
    if evidence.criterion:
        label = tr.gettext("Criterion: %(name)s") % {"name": _text(evidence.criterion.name, tr)}
        narrative = f"{label}\n\n{narrative}".strip()
    observation = evidence_observation(evidence, tr)
    if observation:
        narrative = f"{narrative}\n\n{observation}".strip()
    return narrative


def to_badge_class(badge: Badge, urls: Urls, tr: Translator) -> JsonObject:
    """The BadgeClass, with criteria pointing at the badge page."""
    doc: JsonObject = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": urls.absolute(urls.badge_class(badge)),
        "name": _text(badge.name, tr),
        "description": _text(badge.description, tr),
        "image": urls.absolute(urls.badge_image_png(badge)),
        "criteria": {
            "id": urls.absolute(urls.badge_page(badge)),
            "narrative": criteria_narrative(badge, tr),
        },
        "issuer": urls.absolute(urls.issuer_profile(badge.issuer)),
    }
    if badge.tags:
        doc["tags"] = list(badge.tags)
    if badge.alignments:
        doc["alignment"] = [alignment_fields(a, tr) for a in badge.alignments]
    return doc


def alignment_fields(alignment: Alignment, tr: Translator) -> JsonObject:
    """An alignment's fields, named alike in OB 2.0 and OB 3.0."""
    entry: JsonObject = {"targetName": _text(alignment.name, tr), "targetUrl": alignment.url}
    if alignment.description:
        entry["targetDescription"] = _text(alignment.description, tr)
    known = framework_of(alignment)
    framework = alignment.framework or (known.name_in_credentials if known else None)
    if framework:
        entry["targetFramework"] = framework
    if alignment.code:
        entry["targetCode"] = alignment.code
    return entry


def evidence_list(
    award: Award, urls: Urls, tr: Translator, *, evidence_type: object
) -> list[JsonObject]:
    """An award's evidence, with fields named alike in OB 2.0 and OB 3.0."""
    items = decision_evidence(award, tr, evidence_type=evidence_type)
    for e in award.evidence:
        item: JsonObject = {"type": evidence_type}
        if e.url:
            item["id"] = e.url
        elif e.file:
            item["id"] = urls.absolute(urls.evidence_file(award, e.file))
        if e.name:
            item["name"] = _text(e.name, tr)
        narrative = evidence_narrative(e, tr)
        if narrative:
            item["narrative"] = narrative
        if e.observed:
            item["genre"] = observation_genre(tr)
        items.append(item)
    return items


def to_assertion(award: Award, urls: Urls, tr: Translator) -> JsonObject:
    """The hosted Assertion; a revoked one keeps its data and says ``revoked``."""
    doc: JsonObject = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": urls.absolute(urls.assertion(award)),
        "recipient": {
            "type": "email",
            "hashed": True,
            **_salt(award),
            "identity": recipient_identity(award),
        },
        "badge": urls.absolute(urls.badge_class(award.badge)),
        "verification": {"type": "HostedBadge"},
        "issuedOn": _moment(award.issued),
        "image": urls.absolute(urls.baked_png(award)),
    }
    if award.expires:
        doc["expires"] = _moment(award.expires)
    if award.narrative:
        doc["narrative"] = _text(award.narrative, tr)
    evidence = evidence_list(award, urls, tr, evidence_type="Evidence")
    if evidence:
        doc["evidence"] = evidence
    if award.revocation:
        doc["revoked"] = True
        doc["revocationReason"] = _text(award.revocation.reason, tr)
    return doc


def to_revocation_list(
    issuer: Issuer, awards: Iterable[AwardSummary], urls: Urls, tr: Translator
) -> JsonObject:
    """The issuer's RevocationList of revoked assertions, with reasons."""
    revoked = [
        {
            "id": urls.absolute(urls.assertion(a)),
            "revocationReason": _text(a.revocation.reason, tr),
        }
        for a in awards
        if a.revocation is not None and a.badge.issuer.slug == issuer.slug
    ]
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": urls.absolute(urls.revocation_list(issuer)),
        "issuer": urls.absolute(urls.issuer_profile(issuer)),
        "revokedAssertions": revoked,
    }


def _salt(award: Award) -> JsonObject:
    """The salt of the recipient's hash; an imported hash made without one has none."""
    salt = recipient_salt(award)
    return {"salt": salt} if salt else {}
