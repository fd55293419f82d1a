"""The keys that tell a build whether an award, or a badge's page, must be made again."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import sitegen
from sitegen.digests import InputDigests
from sitegen.inputs import FileStat
from sitegen.keyring import Keyring
from sitegen.memo import digest, tree_digest
from sitegen.model import AwardSummary
from sitegen.resolve import Catalog
from sitegen.theme import builtin_theme_dir


def package_dirs() -> tuple[Path, ...]:
    """sitegen's own code and built-in theme: a change there changes the output."""
    return (Path(sitegen.__file__).parent, builtin_theme_dir())


@cache
def package_digest() -> str:
    """Digest of sitegen's own code and built-in theme, by content (CI installs it afresh
    each run); taken once per process."""
    return tree_digest(package_dirs())


@dataclass(frozen=True, slots=True)
class AwardKeys:
    """The digests that tell whether an award must be made again."""

    badges: Mapping[str, str]
    """Per badge: its file and image, its issuer's, and everything every award depends
    on (settings, theme, sitegen itself, keys)."""
    digests: InputDigests
    pages: str = ""
    """What the pages about many awards (a badge's, with its earners) depend on but those
    awards: everything every award depends on, and every content file that is not an
    award's (issuers, badges, endorsements, their images)."""

    @classmethod
    def of(
        cls, fingerprint: str, inputs: Mapping[str, FileStat], digests: InputDigests,
        catalog: Catalog, keyring: Keyring, *, theme_key: str,
    ) -> AwardKeys:
        package = package_digest()
        keys_dir = json.dumps(sorted((k, v) for k, v in inputs.items() if k.startswith(".keys")))
        # An endorser's key signs no award: award pages depend on it only through the
        # "development build" banner, so adding or keying an endorser remakes no award.
        signers = json.dumps([sorted(
            (slug, s.fragment, s.key.public_key.multibase, s.is_development)
            for slug, s in keyring.signers.items() if slug in catalog.issuers
        ), keyring.is_development])
        everything = digest(
            "award", fingerprint, package, keys_dir, signers, theme_key,
            digests.of("site.yaml"), repr(catalog.config),
        )
        issuers = {
            slug: digest(everything, digests.of(issuer.source.path),
                         digests.of(issuer.image.path) if issuer.image else "")
            for slug, issuer in catalog.issuers.items()
        }
        badges = {
            slug: digest(issuers[badge.issuer.slug], digests.of(badge.source.path),
                         digests.of(badge.image.path))
            for slug, badge in catalog.badges.items()
        }
        pages = digest(everything, *(
            f"{rel}\0{digests.of(rel)}" for rel in sorted(inputs) if rel.startswith("content/")
        ))
        return cls(badges=badges, digests=digests, pages=pages)

    def award(
        self, summary: AwardSummary, rel: str, evidence: Sequence[str], index: int | None
    ) -> str:
        """The key of an award: its badge's, its file's and evidence files' digests, its status
        index."""
        return self.award_of(summary.badge.slug, self.digests.of(rel), evidence, index)

    def award_of(
        self, badge: str, file_digest: str, evidence: Sequence[str], index: int | None
    ) -> str:
        """The key of an award from its parts, its file's digest already taken ("" if its
        badge is gone or it has no status index)."""
        badge_key = self.badges.get(badge)
        if badge_key is None or index is None:
            return ""
        return digest(badge_key, file_digest, *(self.digests.of(e) for e in evidence), str(index))


@dataclass(slots=True)
class PageKeys:
    """The key each badge page is made from: its earners' summaries and everything else it
    depends on. Adding one award to a big site changes one badge's earners: the other
    badges' pages, lists of thousands of earners, are left as they are."""

    site: str
    """What every badge page depends on but its earners (see ``AwardKeys.pages``)."""
    previous: Mapping[str, str]
    """The keys of the pages in the output, by path (empty when the output is new)."""
    made: dict[str, str] = field(default_factory=dict)
    """This build's keys, by path, for the next."""

    def is_unchanged(self, path: str, key: str) -> bool:
        """Record the key of the page at ``path``; whether the output has it already."""
        self.made[path] = key
        return self.previous.get(path) == key
