"""Making the published files: those of one award, and those of the site around its awards.

An award's files all lie in its own folders (``awards/<id>/`` and the same under
each other language's prefix), so a build can make, write or replace one award
without touching any other. Everything here is computed in memory from the
validated model; writing is the caller's job.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sitegen import hosting, ob2, ob3
from sitegen.awardkeys import PageKeys, package_digest
from sitegen.bake import OB2, OB3, bake_png, bake_svg
from sitegen.content import Repository
from sitegen.crypto.fastcanon import Canonicalizer
from sitegen.crypto.jwt import encode_vc_jwt
from sitegen.crypto.loader import make_document_loader
from sitegen.crypto.proof import create_proof
from sitegen.did import to_did_document
from sitegen.endorsefiles import endorsement_files
from sitegen.i18n import Translator, make_translator
from sitegen.images import PreparedImage
from sitegen.jsonout import to_json_bytes
from sitegen.keyring import Keyring
from sitegen.memo import Memo, digest
from sitegen.model import Award, AwardSummary, Issuer, Site
from sitegen.obendorse import with_endorsements
from sitegen.output import MARKER
from sitegen.qr import qr_png
from sitegen.render import Renderer
from sitegen.renewals import Renewals
from sitegen.share import render_share_image, share_tagline
from sitegen.status import LIST_SIZE, encode_bitstring
from sitegen.statuslock import StatusIndexes
from sitegen.theme import Theme
from sitegen.urls import Urls

# The status list of an issuer with no award yet is dated this (builds never read the clock).
NO_AWARD_DATE = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Workshop:
    """What making any file of the site needs, shared by every award (and worker process)."""

    site: Site
    """Issuers, badges and settings; its ``awards`` are not used here."""
    repo: Repository
    images: Mapping[str, PreparedImage]
    theme: Theme
    theme_key: str
    """Digest of the theme's files."""
    keyring: Keyring
    template_cache: Path | None = None
    """The user's folder of compiled templates (see :mod:`sitegen.templatecache`)."""


class Maker:
    """Makes files from a workshop: one per process, since it holds caches and templates."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        site = workshop.site
        self.urls = Urls(site.config.base_url, default_language=site.config.language)
        self.translators: dict[str, Translator] = {
            language: make_translator(language, workshop.theme.locale_dirs)
            for language in site.config.languages
        }
        self.tr = self.translators[site.config.language]  # credentials speak the main language
        self.renderers = {
            language: Renderer(
                workshop.theme.template_dirs, site, self.urls, tr,
                development=workshop.keyring.is_development,
                template_cache=workshop.template_cache,
                code_key=digest(package_digest(), workshop.theme_key),
            )
            for language, tr in self.translators.items()
        }
        self.loader = make_document_loader()
        self.canonicalizer = Canonicalizer(self.loader)

    def sign(self, issuer: Issuer, document: dict[str, Any], created: str) -> bytes:
        """The document with its Data Integrity proof, as published JSON."""
        return self.sign_as(issuer.slug, self.key_id(issuer), document, created)

    def sign_as(self, slug: str, key_id: str, document: dict[str, Any], created: str) -> bytes:
        """The document signed by the key of issuer or endorser ``slug`` (DID URL ``key_id``)."""
        signer = self.workshop.keyring.signers[slug]
        return to_json_bytes(create_proof(
            document, signer.key, verification_method=key_id, created=created,
            loader=self.loader, canonicalizer=self.canonicalizer,
        ))

    def key_id(self, issuer: Issuer) -> str:
        """The DID URL of the key the issuer signs with (proof method and JWT ``kid``)."""
        signer = self.workshop.keyring.signers[issuer.slug]
        return f"{self.urls.did(issuer)}#{signer.fragment}"

    def award_folders(self, award_id: str) -> list[str]:
        """The folders that hold every file of an award, one per language."""
        folder = self.urls.award_folder(award_id)
        return [self.urls.localized(folder, lang) for lang in self.workshop.site.config.languages]

    def awards_files(
        self, batch: Sequence[tuple[Award, int, Renewals | None]]
    ) -> list[dict[str, bytes]]:
        """Every file of each award of ``batch`` (award, status index, renewals): OB 2.0
        assertion, signed OB 3.0 credential and JWT, baked images, evidence files and its
        pages in every language (which show its renewals).

        They are made a step at a time for the whole batch: all credentials signed, then
        all images baked, then all pages of a language rendered. The same bytes as award
        by award, made about a quarter faster: each step's code and data stay in the
        processor's caches instead of being pushed out by the other steps' at every award."""
        urls, tr, images = self.urls, self.tr, self.workshop.images
        awards = [award for award, _, _ in batch]
        assertions = [to_json_bytes(ob2.to_assertion(award, urls, tr)) for award in awards]
        credentials = [
            ob3.to_credential(award, urls, tr, status=self._status_entry(award, index))
            for award, index, _ in batch
        ]
        signed = [
            self.sign(award.badge.issuer, credential, ob3.date_time(award.issued))
            for award, credential in zip(awards, credentials, strict=True)
        ]
        jwts = [
            encode_vc_jwt(
                credential, self.workshop.keyring.signers[award.badge.issuer.slug].key,
                kid=self.key_id(award.badge.issuer),
            ).encode("ascii")
            for award, credential in zip(awards, credentials, strict=True)
        ]
        texts = [
            (assertion.decode("utf-8"), signed_credential.decode("utf-8"))
            for assertion, signed_credential in zip(assertions, signed, strict=True)
        ]
        pngs = [
            bake_png(bake_png(images[award.badge.image.path].png, ob2_text, OB2), ob3_text, OB3)
            for award, (ob2_text, ob3_text) in zip(awards, texts, strict=True)
        ]
        svgs = [
            bake_svg(
                bake_svg(images[award.badge.image.path].svg, ob2_text, OB2,
                         verify=urls.absolute(urls.assertion(award))),
                ob3_text, OB3,
            )
            for award, (ob2_text, ob3_text) in zip(awards, texts, strict=True)
        ]
        qr_codes = [qr_png(urls.absolute(urls.award_page(award))) for award in awards]
        pages = {
            language: [renderer.award(award, renewals) for award, _, renewals in batch]
            for language, renderer in self.renderers.items()
        }
        made = []
        for number, award in enumerate(awards):
            files = {
                urls.assertion(award): assertions[number],
                urls.credential(award): signed[number],
                urls.credential_jwt(award): jwts[number],
                urls.baked_png(award): pngs[number],
                urls.baked_svg(award): svgs[number],
            }
            for evidence in award.evidence:
                if evidence.file:
                    files[urls.evidence_file(award, evidence.file)] = (
                        self.workshop.repo.read_bytes(evidence.file)
                    )
            files[urls.qr_code(award)] = qr_codes[number]
            for language, rendered in pages.items():
                files[urls.localized(urls.award_page(award), language)] = rendered[number]
            made.append(files)
        return made

    def _status_entry(self, award: Award, index: int) -> dict[str, Any]:
        """The credential's entry at status-list index ``index`` of its issuer."""
        list_url = self.urls.absolute(
            self.urls.status_list(award.badge.issuer, index // LIST_SIZE + 1)
        )
        return ob3.status_entry(list_url, index % LIST_SIZE)

    def site_files(
        self, awards: AwardLists, indexes: StatusIndexes, memo: Memo, pages: PageKeys,
    ) -> Iterator[tuple[str, bytes | None]]:
        """Every file that is not an award's: issuers, badges, status and revocation lists,
        the pages listing them, static assets and hosting files. Each is given as soon as
        it is made, for the caller to write, so the site's files are never held all at once
        (at 100 000 awards, lists and site map weigh some 15 MB). A badge's page whose key
        ``pages`` says unchanged is not made: it is given as None, already in the output."""
        site, urls, tr, images = self.workshop.site, self.urls, self.tr, self.workshop.images
        given: set[str] = set()

        def add(path: str, data: bytes | None) -> tuple[str, bytes | None]:
            if path in given:
                raise ValueError(f"output path {path!r} planned twice")
            given.add(path)
            return path, data

        for issuer in site.issuers:
            revoked = awards.revoked(issuer.slug)
            yield add(urls.did_document(issuer), to_json_bytes(
                to_did_document(urls.did(issuer), self.workshop.keyring.published_keys(issuer))
            ))
            for number, status_list in status_lists(
                issuer, revoked, awards.latest_change(issuer.slug), indexes, urls
            ).items():
                yield add(urls.status_list(issuer, number),
                          self.sign(issuer, status_list, str(status_list["validFrom"])))
            yield add(urls.issuer_profile(issuer), to_json_bytes(with_endorsements(
                ob2.to_profile(issuer, urls, tr), site.endorsements_of(issuer), urls)))
            yield add(urls.revocation_list(issuer),
                      to_json_bytes(ob2.to_revocation_list(issuer, revoked, urls, tr)))
            if issuer.image:
                image = images[issuer.image.path]
                yield add(urls.issuer_image(issuer), image.svg if image.is_svg else image.png)
        fonts_dir = next(d / "fonts" for d in self.workshop.theme.dirs if (d / "fonts").is_dir())
        for badge in site.badges:
            image = images[badge.image.path]
            yield add(urls.badge_class(badge), to_json_bytes(with_endorsements(
                ob2.to_badge_class(badge, urls, tr), site.endorsements_of(badge), urls)))
            yield add(urls.badge_image_png(badge), image.png)
            yield add(urls.badge_image_svg(badge), image.svg)
            texts = (
                badge.name.get(tr.language, tr.language),
                badge.issuer.name.get(tr.language, tr.language),
                share_tagline(tr),
            )
            yield add(urls.share_image(badge), memo.get_or_make(
                "share", digest("share", self.workshop.theme_key, image.png, *texts),
                _share_maker(image.png, texts, fonts_dir),
            ))
        listed_key = functools.cache(awards.listed_digest)  # the same in every language
        for language, renderer in self.renderers.items():
            yield add(urls.localized(urls.home(), language), renderer.home())
            yield add(urls.localized(urls.verify_page(), language), renderer.verify())
            yield add(urls.localized(urls.guide_page(), language), renderer.guide())
            yield add(urls.verify_messages(language), renderer.verify_messages())
            for issuer in site.issuers:
                yield add(urls.localized(urls.issuer_page(issuer), language),
                          renderer.issuer(issuer))
            for badge in site.badges:
                page = urls.localized(urls.badge_page(badge), language)
                if pages.is_unchanged(page, digest(pages.site, language, listed_key(badge.slug))):
                    yield add(page, None)
                else:
                    yield add(page, renderer.badge(badge, list(awards.listed(badge.slug))))
            if language == site.config.language:
                yield add(urls.not_found_page(), renderer.not_found())
        for output, data in endorsement_files(self).items():
            yield add(output, data)
        for name, path in self.workshop.theme.static_files().items():
            yield add(urls.static(name), path.read_bytes())
        yield add("robots.txt", hosting.render_robots(urls))
        for output, data in hosting.sitemap_files(site, awards.listed(), urls):
            yield add(output, data)
        yield add("_headers", hosting.render_netlify_headers())
        yield add(".htaccess", hosting.render_htaccess(urls))
        yield add(MARKER, b"")


def _share_maker(png: bytes, texts: tuple[str, str, str], fonts_dir: Any) -> Callable[[], bytes]:
    def make() -> bytes:
        return render_share_image(
            badge_png=png, badge_name=texts[0], issuer_name=texts[1], tagline=texts[2],
            fonts_dir=fonts_dir,
        )
    return make


class AwardLists(Protocol):
    """The awards as the lists and pages about many of them need them (a build's
    :class:`~sitegen.ledger.Ledger` reads them back from its file, a badge or issuer at a
    time), each list by award id."""

    def revoked(self, issuer: str) -> list[AwardSummary]:
        """The issuer's revoked awards."""

    def latest_change(self, issuer: str) -> datetime | None:
        """The latest date an award of the issuer was issued or revoked."""

    def listed(self, badge: str | None = None) -> Iterable[AwardSummary]:
        """The awards whose earners chose to be listed (of one badge, or all)."""

    def listed_digest(self, badge: str) -> str:
        """A digest of what :meth:`listed` gives for one badge."""


def status_lists(
    issuer: Issuer, revoked: Iterable[AwardSummary], latest: datetime | None,
    indexes: StatusIndexes, urls: Urls,
) -> dict[int, dict[str, Any]]:
    """The issuer's unsigned status lists, each dated by its latest change (``latest``, the
    latest issuing or revocation of its awards)."""
    bits_set: set[int] = set()
    for award in revoked:
        index = indexes.index_of(issuer.slug, award.id)
        if index is None:  # every award was given one: a revocation is never left out
            raise ValueError(f"revoked award {award.id!r} has no status index")
        bits_set.add(index)
    lists = {}
    for number in indexes.list_numbers(issuer.slug):
        low = (number - 1) * LIST_SIZE
        bits = [i - low for i in bits_set if low <= i < low + LIST_SIZE]
        lists[number] = ob3.to_status_list(
            issuer, urls, number=number, encoded=encode_bitstring(bits),
            valid_from=latest or NO_AWARD_DATE,
        )
    return lists
