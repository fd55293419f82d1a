"""Which files an export becomes: slugs, ids, YAML text and copied images (no I/O here)."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import yaml

from sitegen.commands.importer import award_id
from sitegen.diagnostics import Diagnostics, Severity, Span
from sitegen.images import prepare_image
from sitegen.migrate.records import (
    Export,
    Note,
    SourceAward,
    SourceBadge,
    SourceImage,
    SourceIssuer,
)

ORIGINAL = re.compile(r"# original: (\S+)")
SLUG_LENGTH = 50
TEXTS = {
    "fr": {
        "original": "Attribution d’origine ({platform})",
        "description": "Badge importé de {platform}.",
        "criteria": "Les critères de ce badge n’ont pas été fournis par {platform}.",
        "alt": "Image du badge « {name} »",
        "logo": "Logo de {name}",
        "header": "# Importé par « sitegen import --from {kind} » ; gardez la ligne suivante.",
    },
    "en": {
        "original": "Original award ({platform})",
        "description": "Badge imported from {platform}.",
        "criteria": "The criteria of this badge were not given by {platform}.",
        "alt": "Image of the badge “{name}”",
        "logo": "Logo of {name}",
        "header": "# Imported by `sitegen import --from {kind}`; keep the next line as it is.",
    },
}


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedFile:
    """A file the import writes, and what it is."""

    path: str
    data: bytes
    what: str
    original: str
    origin: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Existing:
    """What the repository already holds: slugs, award ids and what earlier imports made."""

    issuer_slugs: frozenset[str]
    badge_slugs: frozenset[str]
    award_ids: frozenset[str]
    imported: Mapping[str, str] = field(default_factory=dict)
    """Original id → slug of issuers and badges written by an earlier import."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationPlan:
    """The files to write and the report of what was not imported."""

    files: tuple[PlannedFile, ...] = ()
    reused: tuple[str, ...] = ()
    """Issuers and badges already imported, used again."""
    already_there: tuple[str, ...] = ()
    """Original addresses of awards imported before."""
    notes: tuple[Note, ...] = ()


def slugify(text: str, fallback: str) -> str:
    """A lower-case identifier from a name: ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_LENGTH].strip("-")
    return slug or fallback


def unique(slug: str, taken: set[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3``... if taken; the result is added to ``taken``."""
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug[:SLUG_LENGTH - 1 - len(str(number))]}-{number}"
    taken.add(candidate)
    return candidate


def imported_award_id(award: SourceAward, badge_slug: str) -> str:
    """The award's id, derived from its original address: importing again gives the same id.

    The random-looking end is a digest of the address, never the person's name.
    """
    digest = hashlib.sha256(f"sitegen/import/v1\0{award.key}".encode()).digest()[:5]
    token = base64.b32hexencode(digest).decode("ascii").lower()
    return award_id(badge_slug, date.fromisoformat(award.issued[:10]), token)


def dump(header: Iterable[str], data: Mapping[str, object]) -> bytes:
    """YAML text that reads back as exactly ``data``, every value a string (deterministic)."""
    body = yaml.safe_dump(
        dict(data), allow_unicode=True, sort_keys=False, width=100, default_flow_style=False,
    )
    return ("\n".join(header) + "\n\n" + body).encode("utf-8")


def plan_migration(
    export: Export, existing: Existing, *, kind: str, language: str, placeholder: bytes
) -> MigrationPlan:
    """Plan every file of an export; what cannot be imported goes to the notes."""
    texts = TEXTS.get(language, TEXTS["en"])
    header = texts["header"].format(kind=kind)
    notes = list(export.notes)
    files: list[PlannedFile] = []
    reused: list[str] = []
    issuer_taken, badge_taken = set(existing.issuer_slugs), set(existing.badge_slugs)
    issuer_slugs: dict[str, str] = {}
    for issuer in export.issuers:
        if issuer.key in existing.imported:
            issuer_slugs[issuer.key] = existing.imported[issuer.key]
            reused.append(f"issuer {existing.imported[issuer.key]} ({issuer.key})")
            continue
        if issuer.url is None or issuer.email is None:
            notes.append(Note(origin=issuer.origin, subject=f"issuer {issuer.key}", message=(
                "skipped with its badges and awards: no valid web address (url) or email, "
                "which an issuer needs")))
            continue
        slug = unique(slugify(issuer.name, "issuer"), issuer_taken)
        issuer_slugs[issuer.key] = slug
        files += _issuer_files(issuer, slug, header, texts, notes)
    badge_slugs: dict[str, str] = {}
    for badge in export.badges:
        if badge.issuer_key not in issuer_slugs:
            continue
        if badge.key in existing.imported:
            badge_slugs[badge.key] = existing.imported[badge.key]
            reused.append(f"badge {existing.imported[badge.key]} ({badge.key})")
            continue
        slug = unique(slugify(badge.name, "badge"), badge_taken)
        badge_slugs[badge.key] = slug
        files += _badge_files(
            badge, slug, issuer_slugs[badge.issuer_key], header, texts, notes, placeholder,
            export.platform,
        )
    already: list[str] = []
    planned: dict[str, str] = {}
    folder = f"content/awards/imported-{kind}"
    for award in export.awards:
        badge_slug = badge_slugs.get(award.badge_key)
        if badge_slug is None:
            notes.append(Note(origin=award.origin, subject=f"assertion {award.key}",
                              message="skipped: its badge or issuer was not imported"))
            continue
        new_id = imported_award_id(award, badge_slug)
        if new_id in existing.award_ids:
            already.append(award.key)
            continue
        if new_id in planned:
            notes.append(Note(origin=award.origin, subject=f"assertion {award.key}",
                              message=f"skipped: the same award is also in {planned[new_id]}"))
            continue
        planned[new_id] = award.origin
        files.append(PlannedFile(
            path=f"{folder}/{new_id}.yaml", what=f"award {new_id}", original=award.key,
            origin=award.origin,
            data=dump([header, f"# original: {award.key}"],
                      _award_data(award, badge_slug, texts, export.platform)),
        ))
    return MigrationPlan(
        files=tuple(files), reused=tuple(reused), already_there=tuple(already),
        notes=tuple(notes),
    )


def _checked_image(image: SourceImage, origin: str, subject: str, notes: list[Note]) -> bool:
    """True if the image passes the checks the build applies; else noted."""
    diags = Diagnostics()
    prepare_image(image.data, Span(origin), diags, is_svg=image.is_svg)
    problems = [d.message for d in diags if d.severity is Severity.ERROR]
    if problems:
        notes.append(Note(origin=origin, subject=subject,
                          message=f"image not imported: {'; '.join(problems)}"))
    return not problems


def _issuer_files(
    issuer: SourceIssuer, slug: str, header: str, texts: Mapping[str, str], notes: list[Note],
) -> list[PlannedFile]:
    data: dict[str, object] = {"name": issuer.name, "url": issuer.url, "email": issuer.email}
    if issuer.description:
        data["description"] = issuer.description
    files: list[PlannedFile] = []
    subject = f"issuer {issuer.key}"
    if issuer.image is not None and _checked_image(issuer.image, issuer.origin, subject, notes):
        name = f"{slug}.{'svg' if issuer.image.is_svg else 'png'}"
        data["image"] = {"file": name, "alt": texts["logo"].format(name=issuer.name)}
        files.append(PlannedFile(path=f"content/issuers/{name}", data=issuer.image.data,
                                 what=f"logo of issuer {slug}", original=issuer.key,
                                 origin=issuer.origin))
    files.insert(0, PlannedFile(
        path=f"content/issuers/{slug}.yaml", what=f"issuer {slug}", original=issuer.key,
        origin=issuer.origin, data=dump([header, f"# original: {issuer.key}"], data),
    ))
    return files


def _badge_files(
    badge: SourceBadge, slug: str, issuer: str, header: str, texts: Mapping[str, str],
    notes: list[Note], placeholder: bytes, platform: str,
) -> list[PlannedFile]:
    subject = f"badge class {badge.key}"
    image = badge.image
    if image is None:
        notes.append(Note(origin=badge.origin, subject=subject, message=(
            "image not in the export (addresses are never fetched): a placeholder was "
            "written; replace it with the badge's image")))
    elif not _checked_image(image, badge.origin, subject, notes):
        image = None
    if image is None:
        image = SourceImage(data=placeholder, is_svg=True)
    if badge.description is None:
        notes.append(Note(origin=badge.origin, subject=subject,
                          message="no description: a sentence naming the platform was written"))
    if badge.criteria is None:
        notes.append(Note(origin=badge.origin, subject=subject,
                          message="no criteria: a sentence saying so was written"))
    name = f"{slug}.{'svg' if image.is_svg else 'png'}"
    data: dict[str, object] = {
        "issuer": issuer, "name": badge.name,
        "description": badge.description or texts["description"].format(platform=platform),
        "image": {"file": name, "alt": texts["alt"].format(name=badge.name)},
        "criteria": badge.criteria or texts["criteria"].format(platform=platform),
    }
    if badge.tags:
        data["tags"] = list(badge.tags)
    if badge.validity:
        data["validity"] = badge.validity
    if badge.alignments:
        data["alignments"] = [
            {k: v for k, v in (("name", a.name), ("url", a.url), ("framework", a.framework),
                               ("code", a.code), ("description", a.description)) if v}
            for a in badge.alignments
        ]
    return [
        PlannedFile(path=f"content/badges/{slug}.yaml", what=f"badge {slug}", original=badge.key,
                    origin=badge.origin, data=dump([header, f"# original: {badge.key}"], data)),
        PlannedFile(path=f"content/badges/{name}", what=f"image of badge {slug}",
                    original=badge.key, origin=badge.origin, data=image.data),
    ]


def _award_data(
    award: SourceAward, badge: str, texts: Mapping[str, str], platform: str
) -> dict[str, object]:
    recipient: dict[str, object] = (
        {"email": award.email} if award.email is not None
        else {"hashed": award.hashed, **({"salt": award.salt} if award.salt else {})}
    )
    data: dict[str, object] = {"badge": badge, "recipient": recipient, "issued": award.issued}
    if award.expires:
        data["expires"] = award.expires
    if award.narrative:
        data["narrative"] = award.narrative
    evidence: list[dict[str, object]] = [
        {k: v for k, v in (("name", e.name), ("narrative", e.narrative), ("url", e.url)) if v}
        for e in award.evidence
    ]
    original = texts["original"].format(platform=platform)
    evidence.append({"name": original, "url": award.key} if award.key.startswith("http")
                    else {"name": original, "narrative": award.key})
    data["evidence"] = evidence
    return data
