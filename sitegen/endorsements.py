"""Turning endorser and endorsement documents into the model, checked against the catalog.

An endorser (``content/endorsers/<slug>.yaml``) is a partner organization hosted
on this site with its own did:web and signing key; an endorsement
(``content/endorsements/<slug>.yaml``) is its comment on one issuer or one badge.
Endorsers share the issuers' name space (their keys are found by slug: the same
``.keys/<slug>.key`` file and ``SITEGEN_SIGNING_KEY_<SLUG>`` variable), so an
endorser may not take an issuer's slug.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sitegen.content import Repository, SourceDocument
from sitegen.diagnostics import Diagnostics, Span
from sitegen.model import Endorsement, Endorser
from sitegen.resolve import Catalog, _check_slug, _Context, _read_public_keys, _reference

ENDORSER_KEYS = ("name", "url", "email", "telephone", "description", "location", "keys")
ENDORSEMENT_KEYS = ("endorser", "badge", "issuer", "comment", "issued", "expires")


def resolve_endorsements(
    documents: Iterable[SourceDocument],
    catalog: Catalog,
    repo: Repository,
    diags: Diagnostics,
    *,
    now: datetime | None = None,
) -> tuple[tuple[Endorser, ...], tuple[Endorsement, ...]]:
    """Validate the endorser and endorsement documents (other kinds are ignored).

    Issuer and badge documents, when given, let an endorsement naming a broken
    issuer or badge be reported there only, not as naming an unknown one. With
    ``now``, endorsements dated in the future are errors (verifiers reject them).
    """
    ctx = _Context(repo, catalog.config, diags, now)
    docs = sorted(documents, key=lambda d: d.path)
    issuer_slugs = {d.stem for d in docs if d.kind == "issuer"} | set(catalog.issuers)
    endorsers: dict[str, Endorser] = {}
    for doc in (d for d in docs if d.kind == "endorser"):
        if not _check_slug(doc, diags):
            continue
        if doc.stem in issuer_slugs:
            diags.error(
                Span(doc.path),
                "endorser.slug-taken",
                f"'{doc.stem}' is already an issuer's name; an endorser needs its own",
                "rename this file: keys and secrets are found by this name, for issuers "
                "and endorsers alike",
            )
            continue
        endorser = _read_endorser(doc, ctx)
        if endorser is not None:
            endorsers[endorser.slug] = endorser
    endorser_slugs = {d.stem for d in docs if d.kind == "endorser"}
    endorsements: list[Endorsement] = []
    for doc in (d for d in docs if d.kind == "endorsement"):
        if _check_slug(doc, diags):
            endorsement = _read_endorsement(
                doc, ctx, catalog, endorsers, endorser_slugs, issuer_slugs
            )
            if endorsement is not None:
                endorsements.append(endorsement)
    return (
        tuple(endorsers[k] for k in sorted(endorsers)),
        tuple(sorted(endorsements, key=lambda e: e.slug)),
    )


def _read_endorser(doc: SourceDocument, ctx: _Context) -> Endorser | None:
    f = ctx.fields(doc.node, ENDORSER_KEYS, "endorser")
    if not f.ok:
        return None
    name = f.localized("name", required=True, max_len=200)
    url = f.url("url", required=True)
    email = f.email("email", required=True)
    telephone = f.telephone("telephone")
    description = f.localized("description")
    location = f.text("location", max_len=200)
    keys = _read_public_keys(f, ctx)
    if name is None or url is None or email is None:
        return None
    return Endorser(
        slug=doc.stem,
        name=name,
        url=url,
        email=email,
        telephone=telephone,
        description=description,
        location=location,
        keys=keys,
        source=doc.node.span,
    )


def _read_endorsement(
    doc: SourceDocument,
    ctx: _Context,
    catalog: Catalog,
    endorsers: dict[str, Endorser],
    endorser_slugs: set[str],
    issuer_slugs: set[str],
) -> Endorsement | None:
    f = ctx.fields(doc.node, ENDORSEMENT_KEYS, "endorsement")
    if not f.ok:
        return None
    endorser = _reference(
        f, "endorser", endorsers, endorser_slugs, "endorsement.unknown-endorser", "endorser"
    )
    badge = issuer = None
    named = [key for key in ("badge", "issuer") if f.get(key) is not None]
    if not named:
        ctx.diags.error(
            doc.node.span,
            "endorsement.missing-key",
            "the endorsement names neither a 'badge' nor an 'issuer'",
            "say what is endorsed: badge: <badge file name>, or issuer: <issuer file name>",
        )
    elif len(named) == 2:
        ctx.diags.error(
            f.span("issuer"),
            "endorsement.two-subjects",
            "an endorsement is of one badge or of one issuer, not both",
            "write two endorsement files, one for the badge and one for the issuer",
        )
    elif named == ["badge"]:
        badge = _reference(
            f, "badge", catalog.badges, catalog.badge_slugs, "endorsement.unknown-badge", "badge"
        )
    else:
        issuer = _reference(
            f, "issuer", catalog.issuers, issuer_slugs, "endorsement.unknown-issuer", "issuer"
        )
    if f.get("comment") is None:
        f.report_missing(
            "comment", "write what the partner says (Markdown), like comment: {fr: ..., en: ...}"
        )
    comment = f.localized("comment")
    issued = f.moment("issued", ctx.zone, required=True)
    expires = f.moment("expires", ctx.zone)
    if issued is not None and ctx.now is not None and issued > ctx.now:
        ctx.diags.error(
            f.span("issued"),
            "endorsement.future-date",
            f"the endorsement is dated {issued.date().isoformat()}, in the future",
            "date it on the day the partner gave it; verifiers reject credentials dated "
            "later than the moment they check them",
        )
    if issued is not None and expires is not None and expires <= issued:
        ctx.diags.error(
            f.span("expires"),
            "endorsement.expires-before-issued",
            "the endorsement expires before it was given",
        )
        return None
    if endorser is None or (badge is None and issuer is None):
        return None
    if comment is None or issued is None:
        return None
    return Endorsement(
        slug=doc.stem,
        endorser=endorser,
        issuer=issuer,
        badge=badge,
        comment=comment,
        issued=issued,
        expires=expires,
        source=doc.node.span,
    )
