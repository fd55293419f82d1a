"""Turning one award document into a validated award, linked to its badge."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sitegen.content import Repository, SourceDocument
from sitegen.diagnostics import Diagnostics, Span, suggest
from sitegen.fields import SLUG, Fields
from sitegen.model import (
    Award,
    Badge,
    Criterion,
    Evidence,
    NameDisplay,
    Recipient,
    Revocation,
)
from sitegen.resolve import Catalog, _check_slug, _Context, _reference
from sitegen.validation import read_observed, read_validation
from sitegen.yamlsrc import Entry, Node

AWARD_KEYS = (
    "id", "badge", "recipient", "issued", "expires", "narrative", "evidence",
    "optional_criteria", "revoked", "listed", "validation", "renews",
)
RECIPIENT_KEYS = ("email", "hashed", "salt", "name", "display")
# An earlier platform's hashed email, kept as it was (OB 2.0 IdentityHash, SHA-256 only).
IMPORTED_HASH = re.compile(r"sha256\$[0-9a-fA-F]{64}")
EVIDENCE_KEYS = ("name", "narrative", "url", "file", "criterion", "observed")
REVOKED_KEYS = ("date", "reason")


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


def _id_span(doc: SourceDocument) -> Span:
    entries = doc.node.value
    if isinstance(entries, dict) and "id" in entries:
        entry: Entry = entries["id"]
        return entry.node.span
    return Span(doc.path)


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
