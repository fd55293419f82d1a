"""Turning parsed content documents into the validated, cross-referenced model."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sitegen.content import Repository, SourceDocument
from sitegen.crypto.keys import KeyMaterialError, PublicKey
from sitegen.diagnostics import Diagnostics, Span, suggest
from sitegen.fields import LANGUAGE, SLUG, Fields
from sitegen.frameworks import check_alignment
from sitegen.model import (
    Alignment,
    Award,
    AwardSummary,
    Badge,
    Criterion,
    Image,
    Issuer,
    Localized,
    PublicKeyEntry,
    Site,
    SiteConfig,
)
from sitegen.renewals import check_renewals
from sitegen.yamlsrc import Node

T = TypeVar("T")

ISSUER_KEYS = (
    "name", "url", "email", "telephone", "description", "image", "location", "request_url",
    "linkedin_id", "keys",
)
LINKEDIN_ID = re.compile(r"[0-9]{1,20}")
PUBLIC_KEY_KEYS = ("id", "multikey", "created", "retired")
BADGE_KEYS = (
    "issuer", "name", "description", "image", "criteria", "how_to_obtain", "tags",
    "alignments", "validity",
)
IMAGE_KEYS = ("file", "alt")
CRITERIA_KEYS = ("narrative", "items")
CRITERION_KEYS = ("id", "name", "description", "period", "optional")
ALIGNMENT_KEYS = ("name", "url", "framework", "code", "description")


class _Context:
    """What every reader needs: the repository, the settings and the collector."""

    def __init__(
        self, repo: Repository, config: SiteConfig, diags: Diagnostics, now: datetime | None
    ) -> None:
        self.repo = repo
        self.config = config
        self.diags = diags
        self.now = now
        self.zone = zoneinfo.ZoneInfo(config.timezone) if _is_zone(config.timezone) \
            else zoneinfo.ZoneInfo("UTC")

    def fields(self, node: Node, allowed: Sequence[str], what: str) -> Fields:
        return Fields(node, self.diags, allowed=allowed, what=what, language=self.config.language)


def _is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalog:
    """The validated issuers and badges, which every award is resolved against."""

    config: SiteConfig
    issuers: Mapping[str, Issuer]
    badges: Mapping[str, Badge]
    badge_slugs: frozenset[str]
    """Every badge file's slug, valid or not (an award naming a broken badge is not
    reported as naming an unknown one)."""


def resolve_catalog(
    documents: Iterable[SourceDocument], repo: Repository, config: SiteConfig, diags: Diagnostics
) -> Catalog:
    """Validate the issuer and badge documents (award documents are ignored)."""
    ctx = _Context(repo, config, diags, None)
    docs = sorted(documents, key=lambda d: d.path)
    issuers: dict[str, Issuer] = {}
    for doc in (d for d in docs if d.kind == "issuer"):
        if _check_slug(doc, diags):
            issuer = _read_issuer(doc, ctx)
            if issuer is not None:
                issuers[issuer.slug] = issuer
    issuer_slugs = {d.stem for d in docs if d.kind == "issuer"}
    badges: dict[str, Badge] = {}
    for doc in (d for d in docs if d.kind == "badge"):
        if _check_slug(doc, diags):
            badge = _read_badge(doc, ctx, issuers, issuer_slugs)
            if badge is not None:
                badges[badge.slug] = badge
    return Catalog(
        config=config,
        issuers={k: issuers[k] for k in sorted(issuers)},
        badges={k: badges[k] for k in sorted(badges)},
        badge_slugs=frozenset(d.stem for d in docs if d.kind == "badge"),
    )


def resolve_site(
    documents: Iterable[SourceDocument],
    repo: Repository,
    config: SiteConfig,
    diags: Diagnostics,
    *,
    now: datetime | None = None,
) -> Site:
    """Validate every document and link awards to badges to issuers.

    With ``now``, awards dated in the future are errors (verifiers reject them).

    Every problem is reported; objects with errors are left out of the model,
    and the caller stops at the stage boundary when ``diags`` has errors.
    """
    from sitegen.resolve_award import report_duplicate_award, resolve_award  # built on this

    docs = sorted(documents, key=lambda d: d.path)
    catalog = resolve_catalog(docs, repo, config, diags)
    awards: dict[str, Award] = {}
    for doc in (d for d in docs if d.kind == "award"):
        award = resolve_award(doc, catalog, repo, diags, now=now)
        if award is None:
            continue
        if award.id in awards:
            report_duplicate_award(doc, award.id, awards[award.id].source.path, diags)
            continue
        awards[award.id] = award
    check_renewals(((a.source.path, AwardSummary.of(a)) for a in awards.values()), repo, diags)
    from sitegen.endorsements import resolve_endorsements  # it builds on this module

    endorsers, endorsements = resolve_endorsements(docs, catalog, repo, diags, now=now)
    return Site(
        config=config,
        issuers=tuple(catalog.issuers.values()),
        badges=tuple(catalog.badges.values()),
        awards=tuple(awards[k] for k in sorted(awards)),
        files=tuple(d.path for d in docs),
        endorsers=endorsers,
        endorsements=endorsements,
    )


def _check_slug(doc: SourceDocument, diags: Diagnostics) -> bool:
    if SLUG.fullmatch(doc.stem):
        return True
    diags.error(
        Span(doc.path), f"{doc.kind}.bad-file-name",
        f"'{doc.stem}' cannot be used as an identifier in web addresses",
        "rename the file with lower-case letters, digits and hyphens, like 'my-badge.yaml'",
    )
    return False


def _read_image(f: Fields, ctx: _Context, base: str, *, required: bool) -> Image | None:
    node = f.get("image")
    if node is None:
        if required:
            f.report_missing("image", "add image: {file: badge.png, alt: 'what the image shows'}")
        return None
    if isinstance(node.value, str):
        ctx.diags.error(
            node.span, f"{f.what}.image-alt",
            "the image needs an alternative text",
            f"write image: {{file: {node.value}, alt: 'what the image shows'}}",
        )
        return None
    sub = ctx.fields(node, IMAGE_KEYS, f.what)
    ref = sub.text("file", required=True, max_len=500)
    alt = sub.localized("alt", max_len=300)
    if alt is None and sub.ok and sub.get("alt") is None:
        ctx.diags.error(
            node.span, f"{f.what}.image-alt",
            "the image has no alternative text ('alt')",
            "describe the image in a few words: it is read aloud to blind visitors "
            "and shown in the credential",
        )
    if ref is None:
        return None
    if not ref.lower().endswith((".png", ".svg")):
        ctx.diags.error(
            sub.span("file"), f"{f.what}.image-format",
            f"'{ref}' is not a PNG or SVG file", "badge images must be PNG or SVG",
        )
        return None
    path = ctx.repo.resolve_reference(
        ref, base=base, span=sub.span("file"), diags=ctx.diags, code=f.what
    )
    if path is None or alt is None:
        return None
    return Image(path=path, alt=alt, source=sub.span("file"))


def _read_issuer(doc: SourceDocument, ctx: _Context) -> Issuer | None:
    f = ctx.fields(doc.node, ISSUER_KEYS, "issuer")
    if not f.ok:
        return None
    name = f.localized("name", required=True, max_len=200)
    url = f.url("url", required=True)
    email = f.email("email", required=True)
    issuer = Issuer(
        slug=doc.stem,
        name=name,  # type: ignore[arg-type] # checked below
        url=url or "",
        email=email or "",
        telephone=f.telephone("telephone"),
        description=f.localized("description"),
        image=_read_image(f, ctx, doc.path, required=False),
        location=f.text("location", max_len=200),
        request_url=f.url("request_url", mailto=True),
        linkedin_id=_read_linkedin_id(f),
        keys=_read_public_keys(f, ctx),
        source=doc.node.span,
    )
    return issuer if name and url and email else None


def _read_linkedin_id(f: Fields) -> str | None:
    """A LinkedIn page id: digits, written as a number or as text."""
    node = f.get("linkedin_id")
    if node is None:
        return None
    value = node.value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and LINKEDIN_ID.fullmatch(value.strip()):
        return value.strip()
    found = f"'{value}'" if isinstance(value, str) else node.kind
    f.diags.error(
        node.span, "issuer.bad-linkedin-id", f"{found} is not a LinkedIn page id",
        "write only the digits of the id, as in linkedin.com/company/12345678/admin/",
    )
    return None


def _read_public_keys(f: Fields, ctx: _Context) -> tuple[PublicKeyEntry, ...]:
    keys: list[PublicKeyEntry] = []
    seen: dict[str, Span] = {}
    for node in f.items("keys"):
        k = ctx.fields(node, PUBLIC_KEY_KEYS, f.what)
        if not k.ok:
            continue
        key_id, multikey = k.slug("id", required=True), k.text("multikey", required=True)
        created, retired = k.moment("created", ctx.zone), k.moment("retired", ctx.zone)
        if multikey is not None:
            try:
                PublicKey.from_multibase(multikey)
            except KeyMaterialError as exc:
                ctx.diags.error(
                    k.span("multikey"), f"{f.what}.bad-public-key", str(exc),
                    f"paste the public key printed by 'sitegen keys show {f.what.upper()}' "
                    "(z6Mk...)",
                )
                multikey = None
        if key_id is not None and key_id in seen:
            ctx.diags.error(
                k.span("id"), f"{f.what}.duplicate-key-id",
                f"key id '{key_id}' is used twice (first at line {seen[key_id].line})",
                "give every key its own id, like key-2025",
            )
            continue
        if key_id is None or multikey is None:
            continue
        seen[key_id] = k.span("id")
        keys.append(PublicKeyEntry(id=key_id, multikey=multikey, created=created, retired=retired))
    return tuple(keys)


def _read_badge(
    doc: SourceDocument, ctx: _Context, issuers: dict[str, Issuer], issuer_slugs: set[str]
) -> Badge | None:
    f = ctx.fields(doc.node, BADGE_KEYS, "badge")
    if not f.ok:
        return None
    issuer = _reference(f, "issuer", issuers, issuer_slugs, "badge.unknown-issuer", "issuer")
    name = f.localized("name", required=True, max_len=200)
    description = f.localized("description", required=True)
    image = _read_image(f, ctx, doc.path, required=True)
    narrative, criteria = _read_criteria(f, ctx)
    alignments = tuple(
        a for a in (_read_alignment(n, ctx) for n in f.items("alignments")) if a is not None
    )
    badge_fields = {
        "how_to_obtain": f.localized("how_to_obtain"),
        "tags": f.texts("tags", max_len=60),
        "validity": f.duration("validity"),
    }
    if issuer is None or name is None or description is None or image is None:
        return None
    if narrative is None and not criteria:
        return None
    return Badge(
        slug=doc.stem, issuer=issuer, name=name, description=description, image=image,
        criteria_narrative=narrative, criteria=criteria, alignments=alignments,
        source=doc.node.span, **badge_fields,  # type: ignore[arg-type]
    )


def _read_criteria(
    f: Fields, ctx: _Context
) -> tuple[Localized | None, tuple[Criterion, ...]]:
    node = f.get("criteria")
    if node is None:
        f.report_missing(
            "criteria",
            "say what a person must do to earn the badge: criteria: {narrative: ..., items: [...]}",
        )
        return None, ()
    if isinstance(node.value, str) or _is_translation(node):  # a narrative alone is enough
        return f.localized("criteria"), ()
    sub = ctx.fields(node, CRITERIA_KEYS, "badge")
    narrative = sub.localized("narrative")
    criteria: list[Criterion] = []
    seen: dict[str, Span] = {}
    for item in sub.items("items"):
        c = ctx.fields(item, CRITERION_KEYS, "badge")
        if not c.ok:
            continue
        cid, name = c.slug("id", required=True), c.localized("name", required=True, max_len=300)
        criterion_values = {
            "description": c.localized("description"),
            "period": c.duration("period"),
            "optional": c.boolean("optional", default=False),
        }
        if cid in seen:
            ctx.diags.error(
                c.span("id"), "badge.duplicate-criterion",
                f"criterion id '{cid}' is used twice (first at line {seen[cid].line})",
            )
            continue
        if cid and name:
            seen[cid] = c.span("id")
            criteria.append(Criterion(id=cid, name=name, **criterion_values))  # type: ignore[arg-type]
    if sub.ok and narrative is None and not criteria:
        ctx.diags.error(
            node.span, "badge.empty-criteria",
            "criteria need a 'narrative' or at least one item in 'items'",
        )
    return narrative, tuple(criteria)


def _is_translation(node: Node) -> bool:
    """True for a mapping of language codes to text, like ``{fr: ..., en: ...}``."""
    return isinstance(node.value, dict) and bool(node.value) and all(
        LANGUAGE.fullmatch(key) and key not in CRITERIA_KEYS for key in node.value
    )


def _read_alignment(node: Node, ctx: _Context) -> Alignment | None:
    a = ctx.fields(node, ALIGNMENT_KEYS, "badge")
    if not a.ok:
        return None
    name, url = a.localized("name", required=True, max_len=300), a.url("url", required=True)
    framework, code = a.text("framework", max_len=200), a.text("code", max_len=100)
    description = a.localized("description")
    if name is None or url is None or not check_alignment(a, url, framework, code):
        return None
    return Alignment(name=name, url=url, framework=framework, code=code, description=description)


def _reference(
    f: Fields, key: str, known: Mapping[str, T], all_slugs: Set[str], code: str, noun: str
) -> T | None:
    slug = f.text(key, required=True, max_len=64)
    if slug is None:
        return None
    if slug in known:
        return known[slug]
    if slug not in all_slugs:  # a known file with its own errors is reported there
        f.diags.error(
            f.span(key), code, f"{noun} '{slug}' does not exist",
            suggest(slug, all_slugs) or f"create content/{noun}s/{slug}.yaml",
        )
    return None
