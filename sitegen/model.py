"""The immutable content model: issuers, badges and awards, resolved and validated."""

from __future__ import annotations

import calendar
import enum
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sitegen.diagnostics import Span


@dataclass(frozen=True, slots=True)
class Localized:
    """A text in one or more languages; ``values`` is sorted by language code."""

    values: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, language: str, text: str) -> Localized:
        """A text written in a single language."""
        return cls(((language, text),))

    def get(self, language: str, fallback: str) -> str:
        """The text in ``language``, else in ``fallback``, else the first one."""
        table = dict(self.values)
        return table.get(language) or table.get(fallback) or self.values[0][1]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this text is written in."""
        return tuple(lang for lang, _ in self.values)


@dataclass(frozen=True, slots=True, kw_only=True)
class Duration:
    """A calendar duration (ISO 8601 ``P1Y6M``, ``P6M``, ``P2W``, ``P90D``)."""

    years: int = 0
    months: int = 0
    days: int = 0
    text: str

    def add_to(self, moment: datetime) -> datetime:
        """Add this duration to ``moment``, clamping the day to the target month."""
        total_months = moment.month - 1 + self.months + 12 * self.years
        year, month = moment.year + total_months // 12, total_months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day) + timedelta(days=self.days)


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig:
    """Settings from ``site.yaml``."""

    title: Localized
    """The site's name, shown in every page header."""
    base_url: str
    """Absolute URL the site is published at, ending with ``/``."""
    language: str = "fr"
    """Default language of pages and of untranslated content."""
    languages: tuple[str, ...] = ("fr",)
    """Every language pages are written in, the default first; others live under /<lang>/."""
    timezone: str = "UTC"
    """IANA time zone in which plain dates (``2024-03-14``) are read."""
    theme: str = "default"
    """Theme name: ``themes/<name>/`` in the site, else the built-in one."""
    description: Localized | None = None
    """A sentence about the site, for the home page and search engines."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """An image file in the repository and its alternative text."""

    path: str
    """Site-relative POSIX path of the file."""
    alt: Localized
    source: Span

    @property
    def is_svg(self) -> bool:
        """True for an SVG file (else PNG)."""
        return self.path.lower().endswith(".svg")


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicKeyEntry:
    """A signing key an issuer declares: its public half only, never the secret."""

    id: str
    """Fragment of the verification method in the issuer's DID document (``key-2024``)."""
    multikey: str
    """Ed25519 public key as a Multikey (``z6Mk...``)."""
    created: datetime | None = None
    retired: datetime | None = None
    """Set when the key no longer signs; it stays published so old credentials verify."""

    @property
    def is_active(self) -> bool:
        """True while the key may sign new credentials."""
        return self.retired is None


@dataclass(frozen=True, slots=True, kw_only=True)
class Issuer:
    """An organization that awards badges."""

    slug: str
    name: Localized
    url: str
    email: str
    telephone: str | None = None
    description: Localized | None = None
    image: Image | None = None
    location: str | None = None
    request_url: str | None = None
    """Where a person asks for a badge (a form, a page, or a mailto: link)."""
    linkedin_id: str | None = None
    """The issuer's LinkedIn page id (digits), so "add to profile" links to that page."""
    keys: tuple[PublicKeyEntry, ...] = ()
    source: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """One requirement of a badge, validated over an observation period."""

    id: str
    name: Localized
    description: Localized | None = None
    period: Duration | None = None
    optional: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Alignment:
    """A link from a badge to a skill in a framework (ESCO, ROME, ...)."""

    name: Localized
    url: str
    framework: str | None = None
    code: str | None = None
    description: Localized | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Badge:
    """An achievement that an issuer awards, with its criteria."""

    slug: str
    issuer: Issuer
    name: Localized
    description: Localized
    image: Image
    criteria_narrative: Localized | None = None
    criteria: tuple[Criterion, ...] = ()
    how_to_obtain: Localized | None = None
    tags: tuple[str, ...] = ()
    alignments: tuple[Alignment, ...] = ()
    validity: Duration | None = None
    """How long an award stays valid; gives each award its expiry date."""
    source: Span


class NameDisplay(enum.Enum):
    """How an earner agreed to have their name shown."""

    FULL = "full"
    INITIAL = "initial"
    NONE = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """The earner: an email (published only salted and hashed) and an optional name.

    An award imported from another platform may instead carry the hashed email
    that platform published (``hashed``, with its ``salt``), kept as it was,
    since a hash cannot be turned back into the address.
    """

    email: str | None = None
    """Trimmed and lower-cased: the exact form that is hashed. None with ``hashed``."""
    hashed: str | None = None
    """An earlier platform's ``sha256$…`` hash of the email, published as is."""
    salt: str | None = None
    """The salt of ``hashed`` (None when that platform used none)."""
    name: str | None = None
    display: NameDisplay = NameDisplay.NONE

    @property
    def key(self) -> str:
        """What identifies the earner within one site: the email, or the kept hash."""
        return self.email if self.email is not None else f"{self.hashed}${self.salt or ''}"

    @property
    def shown_name(self) -> str | None:
        """The name in the form the earner consented to, or None."""
        if self.name is None or self.display is NameDisplay.NONE:
            return None
        if self.display is NameDisplay.FULL:
            return self.name
        first, _, rest = self.name.partition(" ")
        return f"{first} {rest.strip()[0]}." if rest.strip() else first


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """What shows that a criterion was met: a text, a link or a file."""

    name: Localized | None = None
    narrative: Localized | None = None
    url: str | None = None
    file: str | None = None
    """Site-relative path of a file published with the award."""
    criterion: Criterion | None = None
    observed: ObservationPeriod | None = None
    """When the criterion was observed, for evidence of an observation at work."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ObservationPeriod:
    """The days over which a criterion was observed, both included."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Validator:
    """A member of the issuer's staff who took part in the decision to award."""

    name: str
    role: Localized | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Validation:
    """Who decided to award the badge, and when (the collegial decision)."""

    date: datetime
    validators: tuple[Validator, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Revocation:
    """Why and when an award was withdrawn."""

    date: datetime
    reason: Localized


@dataclass(frozen=True, slots=True, kw_only=True)
class Award:
    """One badge awarded to one person."""

    id: str
    badge: Badge
    recipient: Recipient
    issued: datetime
    expires: datetime | None = None
    """From the award, else from the badge's validity, else None."""
    narrative: Localized | None = None
    evidence: tuple[Evidence, ...] = ()
    met_criteria: tuple[Criterion, ...] = ()
    """Criteria met: the required ones plus any optional ones the award names."""
    revocation: Revocation | None = None
    listed: bool = False
    """Shown in indexes and to search engines (only with the earner's consent)."""
    validation: Validation | None = None
    renews: str | None = None
    """The id of the earlier award of the same badge to the same person that this renews."""
    source: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class AwardSummary:
    """What pages and lists about many awards need of one, kept for every award of a build.

    A build holds this small record, not the whole award, for each award it does
    not redo, so that memory stays flat however many awards a site has.
    """

    id: str
    badge: Badge
    issued: datetime
    expires: datetime | None = None
    revocation: Revocation | None = None
    listed: bool = False
    shown_name: str | None = None
    """The earner's name as they consented to show it, or None."""
    renews: str | None = None
    recipient_key: str = ""
    """A digest of the recipient's email: renewals must be of the same person."""

    @classmethod
    def of(cls, award: Award) -> AwardSummary:
        """The summary of a full award."""
        return cls(
            id=award.id, badge=award.badge, issued=award.issued, expires=award.expires,
            revocation=award.revocation, listed=award.listed,
            shown_name=award.recipient.shown_name, renews=award.renews,
            recipient_key=recipient_key(award.recipient.key),
        )


def recipient_key(email: str) -> str:
    """A short digest of a normalized email, to compare recipients without keeping emails."""
    return hashlib.sha256(email.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True, slots=True, kw_only=True)
class Endorser:
    """A partner organization that endorses issuers or badges.

    It is hosted on this site like an issuer: its own did:web and its own signing
    key, declared by its public half, with the secret from outside git.
    """

    slug: str
    name: Localized
    url: str
    email: str
    telephone: str | None = None
    description: Localized | None = None
    location: str | None = None
    keys: tuple[PublicKeyEntry, ...] = ()
    source: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Endorsement:
    """A partner's signed statement backing one issuer or one badge, with a comment."""

    slug: str
    endorser: Endorser
    issuer: Issuer | None = None
    """The endorsed issuer, when the endorsement is not of a badge."""
    badge: Badge | None = None
    """The endorsed badge, when the endorsement is not of an issuer."""
    comment: Localized
    """Markdown."""
    issued: datetime
    expires: datetime | None = None
    source: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """Everything a build publishes, sorted by slug or id for deterministic output."""

    config: SiteConfig
    issuers: tuple[Issuer, ...] = ()
    badges: tuple[Badge, ...] = ()
    awards: tuple[Award, ...] = ()
    files: tuple[str, ...] = field(default=())
    """Site-relative paths of every content file read, for change detection."""
    endorsers: tuple[Endorser, ...] = ()
    endorsements: tuple[Endorsement, ...] = ()

    def badges_of(self, issuer: Issuer) -> tuple[Badge, ...]:
        """The badges an issuer awards."""
        return tuple(b for b in self.badges if b.issuer.slug == issuer.slug)

    def awards_of(self, badge: Badge) -> tuple[Award, ...]:
        """The awards of a badge."""
        return tuple(a for a in self.awards if a.badge.slug == badge.slug)

    def endorsements_of(self, endorsed: Issuer | Badge) -> tuple[Endorsement, ...]:
        """The endorsements of an issuer or of a badge, oldest first."""
        if isinstance(endorsed, Issuer):
            found = [e for e in self.endorsements if e.issuer and e.issuer.slug == endorsed.slug]
        else:
            found = [e for e in self.endorsements if e.badge and e.badge.slug == endorsed.slug]
        return tuple(sorted(found, key=lambda e: (e.issued, e.slug)))
