"""The one source of truth for every public URL, JSON-LD id and output path."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from sitegen.model import Award, AwardSummary, Badge, Endorsement, Endorser, Issuer

# Output paths are site-relative POSIX paths; a trailing "/" names a page's
# folder, whose file is index.html.


@dataclass(frozen=True, slots=True)
class Urls:
    """Maps model objects to output paths and absolute URLs under ``base_url``."""

    base_url: str
    default_language: str = "fr"

    def localized(self, path: str, language: str) -> str:
        """A page's path in ``language``: the default language at the root, others under it."""
        return path if language == self.default_language else f"{language}/{path}"

    def verify_page(self) -> str:
        """The page where anyone can check a badge file or credential."""
        return "verify/index.html"

    def guide_page(self) -> str:
        """The page that explains how to share a badge and how anyone can check it."""
        return "guide/index.html"

    def absolute(self, path: str) -> str:
        """The absolute URL of a site-relative output path."""
        return self.base_url + (path[:-10] if path.endswith("index.html") else path)

    # pages
    def home(self) -> str:
        """The home page."""
        return "index.html"

    def issuer_page(self, issuer: Issuer) -> str:
        """An issuer's page."""
        return f"issuers/{issuer.slug}/index.html"

    def badge_page(self, badge: Badge) -> str:
        """A badge's page (also the OB2 criteria URL)."""
        return f"badges/{badge.slug}/index.html"

    def award_page(self, award: Award | AwardSummary) -> str:
        """An award's verification page."""
        return f"awards/{award.id}/index.html"

    def award_folder(self, award_id: str) -> str:
        """The folder that holds every file of one award, and nothing else, in the main language.

        Pages in other languages sit in the same folder under the language's prefix
        (:meth:`localized`); builds replace an award by replacing its folders.
        """
        return f"awards/{award_id}"

    def not_found_page(self) -> str:
        """The page hosts serve for unknown paths."""
        return "404.html"

    # Open Badges 2.0 documents
    def issuer_profile(self, issuer: Issuer) -> str:
        """OB2 issuer Profile."""
        return f"issuers/{issuer.slug}/profile.json"

    def revocation_list(self, issuer: Issuer) -> str:
        """OB2 RevocationList of an issuer."""
        return f"issuers/{issuer.slug}/revocations.json"

    def badge_class(self, badge: Badge) -> str:
        """OB2 BadgeClass."""
        return f"badges/{badge.slug}/badgeclass.json"

    def assertion(self, award: Award | AwardSummary) -> str:
        """OB2 hosted Assertion."""
        return f"awards/{award.id}/assertion.json"

    # Open Badges 3.0 documents
    def did(self, issuer: Issuer) -> str:
        """The issuer's ``did:web`` identifier, served by this site (did:web path rules)."""
        return self._did_web("issuers", issuer.slug)

    def _did_web(self, *path: str) -> str:
        parts = urlsplit(self.base_url)
        host = (parts.hostname or "").lower()
        if parts.port is not None:
            host += f"%3A{parts.port}"
        segments = [quote(s, safe="") for s in parts.path.split("/") if s]
        return ":".join(["did:web", host, *segments, *path])

    def did_document(self, issuer: Issuer) -> str:
        """Where the DID document is served: the did:web URL of the issuer's DID."""
        return f"issuers/{issuer.slug}/did.json"

    def status_list(self, issuer: Issuer, number: int) -> str:
        """A signed BitstringStatusListCredential of the issuer (numbered from 1)."""
        return f"issuers/{issuer.slug}/status/{number}.json"

    def credential(self, award: Award) -> str:
        """OB 3.0 OpenBadgeCredential with a Data Integrity proof."""
        return f"awards/{award.id}/credential.json"

    def credential_jwt(self, award: Award) -> str:
        """The same credential as a VC-JWT."""
        return f"awards/{award.id}/credential.jwt"

    # endorsements: the endorser's identity, and each endorsement's documents
    def endorser_did(self, endorser: Endorser) -> str:
        """The endorser's ``did:web`` identifier, served by this site."""
        return self._did_web("endorsers", endorser.slug)

    def endorser_did_document(self, endorser: Endorser) -> str:
        """Where the endorser's DID document is served."""
        return f"endorsers/{endorser.slug}/did.json"

    def endorser_profile(self, endorser: Endorser) -> str:
        """OB2 Profile of an endorser (the issuer of its OB2 Endorsements)."""
        return f"endorsers/{endorser.slug}/profile.json"

    def endorsement_credential(self, endorsement: Endorsement) -> str:
        """OB 3.0 EndorsementCredential with a Data Integrity proof."""
        return f"endorsements/{endorsement.slug}/credential.json"

    def endorsement_jwt(self, endorsement: Endorsement) -> str:
        """The same endorsement credential as a VC-JWT."""
        return f"endorsements/{endorsement.slug}/credential.jwt"

    def endorsement_ob2(self, endorsement: Endorsement) -> str:
        """OB 2.0 hosted Endorsement."""
        return f"endorsements/{endorsement.slug}/endorsement.json"

    # images
    def issuer_image(self, issuer: Issuer) -> str:
        """An issuer's logo, as published."""
        assert issuer.image is not None  # noqa: S101 - callers check first
        return f"issuers/{issuer.slug}/logo.{'svg' if issuer.image.is_svg else 'png'}"

    def badge_image_png(self, badge: Badge) -> str:
        """A badge's image as PNG (unbaked)."""
        return f"badges/{badge.slug}/image.png"

    def badge_image_svg(self, badge: Badge) -> str:
        """A badge's image as SVG (unbaked)."""
        return f"badges/{badge.slug}/image.svg"

    def baked_png(self, award: Award) -> str:
        """The award's baked PNG."""
        return f"awards/{award.id}/badge.png"

    def baked_svg(self, award: Award) -> str:
        """The award's baked SVG."""
        return f"awards/{award.id}/badge.svg"

    def share_image(self, badge: Badge) -> str:
        """The preview image of a badge's pages and awards for social networks (Open Graph).

        One per badge: it never shows an earner's name, so every award shares it.
        """
        return f"badges/{badge.slug}/share.png"

    def qr_code(self, award: Award) -> str:
        """The QR code of the award's page, for its printed certificates."""
        return f"awards/{award.id}/qr.png"

    def evidence_file(self, award: Award, source_path: str) -> str:
        """Where an evidence file of an award is published."""
        return f"awards/{award.id}/evidence/{posixpath.basename(source_path)}"

    def verify_messages(self, language: str) -> str:
        """The script with every text verify.js shows, in one language (shared by all pages)."""
        return "static/verify-messages-" + language + ".js"

    def static(self, name: str) -> str:
        """A theme asset."""
        return f"static/{name}"


def relative_url(from_path: str, to_path: str) -> str:
    """A link from one output file to another that works under any sub-path.

    ``index.html`` targets become their folder (``../badges/x/``). Both paths are
    site-relative and normalized (as :class:`Urls` makes them), so this is plain string
    work: it runs for every link of every page.
    """
    start = from_path.split("/")[:-1]
    target = to_path.split("/")
    target_name = target.pop()
    common = 0
    for here, there in zip(start, target, strict=False):
        if here != there:
            break
        common += 1
    rel = "/".join([".."] * (len(start) - common) + target[common:]) or "."
    if target_name == "index.html":
        return "./" if rel == "." else rel + "/"
    return target_name if rel == "." else f"{rel}/{target_name}"
