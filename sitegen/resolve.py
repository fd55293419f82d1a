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
    Evidence,
    Image,
    Issuer,
    Localized,
    NameDisplay,
    PublicKeyEntry,
    Recipient,
    Revocation,
    Site,
    SiteConfig,
)
from sitegen.renewals import check_renewals
from sitegen.validation import read_observed, read_validation
from sitegen.yamlsrc import Entry, Node

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
AWARD_KEYS = (
    "id", "badge", "recipient", "issued", "expires", "narrative", "evidence",
    "optional_criteria", "revoked", "listed", "validation", "renews",
)
IMAGE_KEYS = ("file", "alt")
CRITERIA_KEYS = ("narrative", "items")
CRITERION_KEYS = ("id", "name", "description", "period", "optional")
ALIGNMENT_KEYS = ("name", "url", "framework", "code", "description")
RECIPIENT_KEYS = ("email", "hashed", "salt", "name", "display")
# An earlier platform's hashed email, kept as it was (OB 2.0 IdentityHash, SHA-256 only).
IMPORTED_HASH = re.compile(r"sha256\$[0-9a-fA-F]{64}")
EVIDENCE_KEYS = ("name", "narrative", "url", "file", "criterion", "observed")
REVOKED_KEYS = ("date", "reason")


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


def resolve_award(
    doc: SourceDocument,
    catalog: Catalog,
    repo: Repository,
    diags: Diagnostics,
    *,
    now: datetime | None = None,
) -> Award | None:
    """Validate one award document against the catalog (ids are checked by the caller)."""
    ctx = _Context(repo, catalog.config, diags, now)
    return _read_award(doc, ctx, catalog.badges, catalog.badge_slugs)


def report_duplicate_award(
    doc: SourceDocument, award_id: str, first: str, diags: Diagnostics
) -> None:
    """Report an award whose id another award file (``first``) already uses."""
    diags.error(
        _id_span(doc), "award.duplicate-id",
        f"award id '{award_id}' is already used by {first}",
        "each award needs its own id: rename the file or change its 'id'",
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


def _id_span(doc: SourceDocument) -> Span:
    entries = doc.node.value
    if isinstance(entries, dict) and "id" in entries:
        entry: Entry = entries["id"]
        return entry.node.span
    return Span(doc.path)


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


def _read_award(
    doc: SourceDocument, ctx: _Context, badges: Mapping[str, Badge], badge_slugs: frozenset[str]
) -> Award | None:
    f = ctx.fields(doc.node, AWARD_KEYS, "award")
    if not f.ok:
        return None
    award_id = f.slug("id") if f.get("id") is not None else doc.stem
    if f.get("id") is None and not SLUG.fullmatch(doc.stem):
        _check_slug(doc, ctx.diags)
        award_id = None
    badge = _reference(f, "badge", badges, badge_slugs, "award.unknown-badge", "badge")
    recipient = _read_recipient(f, ctx)
    issued = f.moment("issued", ctx.zone, required=True)
    if issued is not None and ctx.now is not None and issued > ctx.now:
        ctx.diags.error(
            f.span("issued"), "award.future-date",
            f"the award is dated {issued.date().isoformat()}, in the future",
            "date it on the day it is awarded; verifiers reject credentials issued later "
            "than the moment they check them",
        )
    expires = f.moment("expires", ctx.zone)
    revocation = _read_revocation(f, ctx)
    narrative = f.localized("narrative")
    listed = f.boolean("listed", default=False)
    validation = read_validation(f, ctx.zone, issued)
    renews = _read_renews(f, award_id)
    if badge is None:
        return None
    evidence = tuple(
        e for e in (
            _read_evidence(n, ctx, doc.path, badge, validation.date if validation else issued,
                           "decision" if validation else "award")
            for n in f.items("evidence")
        )
        if e is not None
    )
    met = _read_met_criteria(f, badge)
    if issued is not None:
        if expires is None and badge.validity is not None:
            expires = badge.validity.add_to(issued)
        elif expires is not None and expires <= issued:
            ctx.diags.error(
                f.span("expires"), "award.expires-before-issued",
                "the award expires before it was issued",
            )
        if revocation is not None and revocation.date < issued:
            ctx.diags.error(
                f.span("revoked"), "award.revoked-before-issued",
                "the award is revoked before it was issued",
            )
    if award_id is None or recipient is None or issued is None:
        return None
    return Award(
        id=award_id, badge=badge, recipient=recipient, issued=issued, expires=expires,
        narrative=narrative, evidence=evidence, met_criteria=met, revocation=revocation,
        listed=listed, validation=validation, renews=renews, source=doc.node.span,
    )


def _read_recipient(f: Fields, ctx: _Context) -> Recipient | None:
    node = f.get("recipient")
    if node is None:
        f.report_missing("recipient")
        return None
    r = ctx.fields(node, RECIPIENT_KEYS, "award")
    hashed, salt = _read_imported_hash(r, ctx)
    email = r.email("email", required=r.get("hashed") is None)
    name = r.text("name", max_len=200)
    display = NameDisplay(r.choice("display", tuple(d.value for d in NameDisplay), default="none"))
    # An invalid name was reported already; "no name" would only add noise.
    if display is not NameDisplay.NONE and r.get("name") is None and r.ok:
        ctx.diags.error(
            r.span("display"), "award.display-without-name",
            f"display is '{display.value}' but the recipient has no 'name'",
        )
    if email is not None and hashed is not None:
        ctx.diags.error(
            r.span("hashed"), "award.two-identities",
            "the recipient has both an 'email' and a 'hashed' email",
            "keep 'email' alone: 'hashed' is only for awards imported without the address",
        )
        return None
    if email is None and hashed is None:
        return None
    return Recipient(email=email, hashed=hashed, salt=salt, name=name, display=display)


def _read_imported_hash(r: Fields, ctx: _Context) -> tuple[str | None, str | None]:
    """``hashed`` and ``salt``: a hashed email kept from another platform."""
    hashed = r.text("hashed", max_len=100)
    salt = r.text("salt", max_len=200)
    if hashed is not None and not IMPORTED_HASH.fullmatch(hashed):
        ctx.diags.error(
            r.span("hashed"), "award.bad-hash",
            f"'{hashed}' is not a hashed email",
            "write 'sha256$' followed by the 64 hexadecimal digits of the hash",
        )
        return None, None
    if salt is not None and hashed is None:
        ctx.diags.error(
            r.span("salt"), "award.salt-without-hash",
            "'salt' goes only with a 'hashed' email", "remove it, or add the 'hashed' email",
        )
    return hashed, salt if hashed is not None else None


def _read_revocation(f: Fields, ctx: _Context) -> Revocation | None:
    node = f.get("revoked")
    if node is None:
        return None
    r = ctx.fields(node, REVOKED_KEYS, "award")
    when = r.moment("date", ctx.zone, required=True)
    reason = r.localized("reason", required=True, max_len=500)
    if when is None or reason is None:
        return None
    return Revocation(date=when, reason=reason)


def _read_evidence(
    node: Node, ctx: _Context, base: str, badge: Badge, limit: datetime | None, limit_name: str
) -> Evidence | None:
    e = ctx.fields(node, EVIDENCE_KEYS, "award")
    if not e.ok:
        return None
    name, narrative = e.localized("name", max_len=300), e.localized("narrative")
    url = e.url("url")
    ref = e.text("file", max_len=500)
    path = ctx.repo.resolve_reference(
        ref, base=base, span=e.span("file"), diags=ctx.diags, code="award"
    ) if ref else None
    criterion = None
    cid = e.text("criterion", max_len=64)
    if cid is not None:
        by_id = {c.id: c for c in badge.criteria}
        criterion = by_id.get(cid)
        if criterion is None:
            ctx.diags.error(
                e.span("criterion"), "award.unknown-criterion",
                f"badge '{badge.slug}' has no criterion '{cid}'",
                suggest(cid, by_id) or (f"criteria: {', '.join(by_id)}" if by_id else None),
            )
    observed = read_observed(
        e, ctx.zone, criterion=criterion, limit=limit, limit_name=limit_name
    )
    if not (narrative or url or path or (criterion and observed)):
        if e.get("observed") is not None and (observed is None or cid is not None):
            return None  # the period or the criterion was reported already
        ctx.diags.error(
            node.span, "award.empty-evidence",
            "evidence needs a 'narrative', a 'url' or a 'file' "
            "(or a 'criterion' with its 'observed' period)",
        )
        return None
    return Evidence(
        name=name, narrative=narrative, url=url, file=path, criterion=criterion,
        observed=observed,
    )


def _read_met_criteria(f: Fields, badge: Badge) -> tuple[Criterion, ...]:
    by_id = {c.id: c for c in badge.criteria}
    named = set()
    for item in f.items("optional_criteria"):
        cid = item.value if isinstance(item.value, str) else None
        criterion = by_id.get(cid) if cid else None
        if criterion is None or not criterion.optional:
            optional = [c.id for c in badge.criteria if c.optional]
            f.diags.error(
                item.span, "award.unknown-criterion",
                f"badge '{badge.slug}' has no optional criterion '{item.value}'",
                suggest(str(item.value), optional)
                or (f"optional criteria: {', '.join(optional)}" if optional else
                    "this badge has no optional criteria"),
            )
            continue
        named.add(criterion.id)
    return tuple(c for c in badge.criteria if not c.optional or c.id in named)


def _read_renews(f: Fields, award_id: str | None) -> str | None:
    """The id of the award this one renews (checked against the other awards later)."""
    renews = f.slug("renews")
    if renews is not None and renews == award_id:
        f.diags.error(
            f.span("renews"), "award.renews-itself", "an award cannot renew itself",
            "write the id of the earlier award of this badge to the same person",
        )
        return None
    return renews
