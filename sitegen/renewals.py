"""Renewals: an award that validates again an earlier award of the same badge to the same person.

Each award renews at most one earlier award and is renewed by at most one, so the
awards of one person and one badge form a chain, oldest first. An award's page
depends on its neighbours in the chain, so what :func:`link_renewals` gives an
award is part of what decides whether the award must be made again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sitegen.content import Repository, read_document
from sitegen.diagnostics import Diagnostics, Span, suggest
from sitegen.memo import digest
from sitegen.model import AwardSummary


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewalLink:
    """Another award of the chain, as an award's page mentions it."""

    id: str
    issued: datetime
    listed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Renewals:
    """An award's place in its chain of renewals."""

    renewed_on: datetime | None = None
    """When the award that renews this one was issued."""
    latest: RenewalLink | None = None
    """The most recent award of the chain, when it is not this one."""
    history: tuple[RenewalLink, ...] = ()
    """The earlier awards this one renews, most recent first."""

    def key(self) -> str:
        """A digest of everything the award's page shows of the chain."""
        parts = [self.renewed_on.isoformat() if self.renewed_on else ""]
        for link in ((self.latest,) if self.latest else ()) + self.history:
            parts += [link.id, link.issued.isoformat(), str(link.listed)]
        return digest("renewals", *parts)


NO_RENEWALS = Renewals()


def renewal_key(renewals: Renewals | None) -> str:
    """The digest of an award's renewals, the same for none and an empty record."""
    return (renewals or NO_RENEWALS).key()


def check_renewals(
    awards: Iterable[tuple[str, AwardSummary]], repo: Repository, diags: Diagnostics,
    *, badge_ids: Callable[[str], Iterable[str]] | None = None,
) -> None:
    """Report renewals of an unknown award, of another badge or person, of a later award,
    and awards renewed twice. ``awards`` pairs each award's file with its summary: every
    award, or (with ``badge_ids``, which gives the ids of a badge's awards for hints) at
    least every award that renews or is renewed."""
    by_id = {summary.id: (rel, summary) for rel, summary in awards}
    renewed_by: dict[str, str] = {}
    for rel, award in sorted(by_id.values(), key=lambda pair: pair[0].split("/")):
        if award.renews is None:
            continue
        target = by_id.get(award.renews)
        if target is None:
            same_badge = list(badge_ids(award.badge.slug)) if badge_ids is not None else [
                a.id for _, a in by_id.values() if a.badge.slug == award.badge.slug
            ]
            diags.error(
                _renews_span(repo, rel),
                "award.unknown-renewed",
                f"award '{award.renews}' does not exist",
                suggest(award.renews, same_badge)
                or "write the id of the earlier award: its file name, or its 'id'",
            )
            continue
        old = target[1]
        problem = _mismatch(award, old)
        if problem is not None:
            diags.error(_renews_span(repo, rel), *problem)
            continue
        if old.id in renewed_by:
            first = by_id[renewed_by[old.id]][0]
            diags.error(
                _renews_span(repo, rel),
                "award.renewed-twice",
                f"award '{old.id}' is already renewed by {first}",
                "an award is renewed once: renew the most recent award of the badge instead",
            )
            continue
        renewed_by[old.id] = award.id


def _mismatch(award: AwardSummary, old: AwardSummary) -> tuple[str, str, str] | None:
    """The code, message and hint of a renewal that does not fit, or None."""
    if old.badge.slug != award.badge.slug:
        return (
            "award.renews-other-badge",
            f"award '{old.id}' is of the badge '{old.badge.slug}', not '{award.badge.slug}'",
            "a renewal validates the same badge again; an award of another badge is new",
        )
    if old.recipient_key != award.recipient_key:
        return (
            "award.renews-other-recipient",
            f"award '{old.id}' was given to another email address",
            "a renewal is for the same person: use the email address of the earlier award",
        )
    if old.issued >= award.issued:
        return (
            "award.renews-later-award",
            f"award '{old.id}' was issued on {old.issued.date().isoformat()}, "
            f"not before this one ({award.issued.date().isoformat()})",
            "the earlier award is the one renewed: check the dates, or swap the renewal",
        )
    return None


def _renews_span(repo: Repository, rel: str) -> Span:
    """Where an award file writes ``renews`` (read again: only for a file with a problem)."""
    doc = read_document(repo, "award", rel, Diagnostics())
    entries = doc.node.value if doc is not None else None
    if isinstance(entries, dict) and "renews" in entries:
        span: Span = entries["renews"].node.span
        return span
    return Span(rel)


def link_renewals(awards: Iterable[AwardSummary]) -> dict[str, Renewals]:
    """The renewals of every award that renews or is renewed (checked ones: a chain each)."""
    by_id: Mapping[str, AwardSummary] = {a.id: a for a in awards}
    newer: dict[str, AwardSummary] = {}
    for award in by_id.values():
        if award.renews is not None and award.renews in by_id:
            newer.setdefault(award.renews, award)
    found: dict[str, Renewals] = {}
    for award in by_id.values():
        history: list[RenewalLink] = []
        seen = {award.id}
        older = by_id.get(award.renews) if award.renews else None
        while older is not None and older.id not in seen:
            history.append(_link(older))
            seen.add(older.id)
            older = by_id.get(older.renews) if older.renews else None
        latest = award
        while latest.id in newer and newer[latest.id].id not in seen:
            latest = newer[latest.id]
            seen.add(latest.id)
        renewed = newer.get(award.id)
        if history or renewed is not None:
            found[award.id] = Renewals(
                renewed_on=renewed.issued if renewed is not None else None,
                latest=_link(latest) if latest is not award else None,
                history=tuple(history),
            )
    return found


def _link(award: AwardSummary) -> RenewalLink:
    return RenewalLink(id=award.id, issued=award.issued, listed=award.listed)
