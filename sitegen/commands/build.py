"""``sitegen build``: load, validate, serialize, bake, render and write the whole site."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sitegen import hosting, ob2, ob3
from sitegen.bake import OB2, OB3, bake_png, bake_svg
from sitegen.config import resolve_config
from sitegen.content import Repository, SourceDocument, read_documents, read_site_file
from sitegen.crypto.jwt import encode_vc_jwt
from sitegen.crypto.loader import make_document_loader
from sitegen.crypto.proof import create_proof
from sitegen.diagnostics import ContentError, Diagnostic, Diagnostics
from sitegen.did import to_did_document
from sitegen.i18n import Translator, make_translator
from sitegen.images import PreparedImage, read_images
from sitegen.jsonout import to_json_bytes
from sitegen.keyring import Keyring, read_keyring
from sitegen.memo import Memo, digest, tree_digest
from sitegen.model import Issuer, Site
from sitegen.output import MARKER, OutputPlan, check_output_dir, write_plan
from sitegen.render import Renderer
from sitegen.resolve import resolve_site
from sitegen.share import render_share_image, share_tagline
from sitegen.status import (
    LIST_SIZE,
    LOCK_FILE,
    StatusIndexes,
    allocate_indexes,
    encode_bitstring,
    read_lock,
    render_lock,
    report_removed_awards,
)
from sitegen.theme import Theme, read_theme
from sitegen.urls import Urls
from sitegen.yamlsrc import parse_yaml

# The status list of an issuer with no award yet is dated this (builds never read the clock).
NO_AWARD_DATE = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedSite:
    """A validated site and what was read with it."""

    site: Site
    repo: Repository
    images: dict[str, PreparedImage]
    indexes: StatusIndexes
    """Status-list index of every award, locked ones first."""
    lock_changed: bool
    """True when new awards got indexes that the lock file does not record yet."""
    diagnostics: tuple[Diagnostic, ...]
    """Warnings (errors stop loading)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildResult:
    """What a build wrote."""

    loaded: LoadedSite
    files: int
    bytes: int
    development: bool
    """True when signed with a development key (pages say so)."""
    warnings: tuple[Diagnostic, ...]
    reused: int = 0
    """Signatures, images and pages taken from the cache."""
    made: int = 0
    """Signatures, images and pages computed by this build."""


def load_site(
    source: Path, *, base_url: str | None = None, now: datetime | None = None
) -> LoadedSite:
    """Read and validate everything; raise :class:`ContentError` listing every problem.

    ``now`` (from the command line, never read here) enables the checks that
    depend on the date, like awards dated in the future.
    """
    diags = Diagnostics()
    repo = Repository(root=source)
    config = resolve_config(read_site_file(repo, diags), diags, base_url=base_url)
    documents = read_documents(repo, diags)
    if config is None:
        diags.raise_if_errors()
        raise AssertionError("a missing config is always reported")
    site = resolve_site(documents, repo, config, diags, now=now)
    images = read_images(site, repo, diags)
    lock_path = source / LOCK_FILE
    lock_node = None
    if lock_path.is_file():
        lock_node = parse_yaml(lock_path.read_bytes(), LOCK_FILE, diags)
    locked = read_lock(lock_node, LOCK_FILE, diags)
    report_removed_awards(_award_ids(documents), locked, lock_node, diags)
    diags.raise_if_errors()  # stage boundary: nothing invalid is signed or published
    indexes = allocate_indexes(site, locked)
    return LoadedSite(
        site=site, repo=repo, images=images, indexes=indexes,
        lock_changed=indexes != locked, diagnostics=diags.sorted(),
    )


def _award_ids(documents: list[SourceDocument]) -> set[str]:
    """The id of every award file, as written (its ``id`` key, else its file name)."""
    ids = set()
    for doc in documents:
        if doc.kind != "award":
            continue
        entries = doc.node.value
        explicit = entries.get("id") if isinstance(entries, dict) else None
        value = explicit.node.value if explicit is not None else None
        ids.add(value if isinstance(value, str) else doc.stem)
    return ids


def plan_site(
    loaded: LoadedSite,
    theme: Theme,
    translators: Mapping[str, Translator],
    keyring: Keyring,
    memo: Memo | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> OutputPlan:
    """Every output file of the site, in memory: documents once, pages in every language.

    Signatures, share images and pages come from ``memo`` when their inputs
    (content, theme files, keys, settings) are unchanged.
    """
    memo = memo or Memo(None)
    site, images = loaded.site, loaded.images
    urls = Urls(site.config.base_url, default_language=site.config.language)
    tr = translators[site.config.language]  # credentials speak the site's language
    loader = make_document_loader()
    fonts_dir = next(d / "fonts" for d in theme.dirs if (d / "fonts").is_dir())
    theme_key = tree_digest(theme.dirs)
    plan = OutputPlan()

    def sign(issuer: Issuer, document: dict[str, object], created: str) -> bytes:
        signer = keyring.signers[issuer.slug]
        method = f"{urls.did(issuer)}#{signer.fragment}"
        key = digest("proof", _canonical_json(document), method, created,
                     signer.key.public_key.multibase)
        return memo.get_or_make("proof", key, lambda: to_json_bytes(create_proof(
            document, signer.key, verification_method=method, created=created, loader=loader
        )))

    def sign_jwt(issuer: Issuer, credential: dict[str, object]) -> bytes:
        signer = keyring.signers[issuer.slug]
        kid = f"{urls.did(issuer)}#{signer.fragment}"
        key = digest("jwt", _canonical_json(credential), kid, signer.key.public_key.multibase)
        return memo.get_or_make(
            "jwt", key, lambda: encode_vc_jwt(credential, signer.key, kid=kid).encode("ascii")
        )

    for issuer in site.issuers:
        plan.add(
            urls.did_document(issuer),
            to_json_bytes(to_did_document(urls.did(issuer), keyring.published_keys(issuer))),
        )
        for number, status_list in _status_lists(issuer, loaded, urls).items():
            signed = sign(issuer, status_list, status_list["validFrom"])  # type: ignore[arg-type]
            plan.add(urls.status_list(issuer, number), signed)
        plan.add(urls.issuer_profile(issuer), to_json_bytes(ob2.to_profile(issuer, urls, tr)))
        plan.add(
            urls.revocation_list(issuer),
            to_json_bytes(ob2.to_revocation_list(issuer, site, urls, tr)),
        )
        if issuer.image:
            image = images[issuer.image.path]
            plan.add(urls.issuer_image(issuer), image.svg if image.is_svg else image.png)
    for badge in site.badges:
        image = images[badge.image.path]
        plan.add(urls.badge_class(badge), to_json_bytes(ob2.to_badge_class(badge, urls, tr)))
        plan.add(urls.badge_image_png(badge), image.png)
        plan.add(urls.badge_image_svg(badge), image.svg)
    for done, award in enumerate(site.awards, 1):
        if progress is not None:
            progress(done, len(site.awards))
        issuer = award.badge.issuer
        image = images[award.badge.image.path]
        assertion = to_json_bytes(ob2.to_assertion(award, urls, tr))
        text = assertion.decode("utf-8")
        plan.add(urls.assertion(award), assertion)
        index = loaded.indexes.index_of(issuer.slug, award.id)
        list_url = urls.absolute(urls.status_list(issuer, index // LIST_SIZE + 1))
        status = ob3.status_entry(list_url, index % LIST_SIZE)
        credential = ob3.to_credential(award, urls, tr, status=status)
        signed_json = sign(issuer, credential, ob3.date_time(award.issued))
        signed_text = signed_json.decode("utf-8")
        plan.add(urls.credential(award), signed_json)
        plan.add(urls.credential_jwt(award), sign_jwt(issuer, credential))
        png = bake_png(bake_png(image.png, text, OB2), signed_text, OB3)
        plan.add(urls.baked_png(award), png)
        svg = bake_svg(image.svg, text, OB2, verify=urls.absolute(urls.assertion(award)))
        plan.add(urls.baked_svg(award), bake_svg(svg, signed_text, OB3))
        share_texts = (
            award.badge.name.get(tr.language, tr.language),
            issuer.name.get(tr.language, tr.language),
            share_tagline(tr),
        )
        plan.add(urls.share_image(award), memo.get_or_make(
            "share", digest("share", theme_key, image.png, *share_texts),
            lambda texts=share_texts, png=image.png: render_share_image(  # type: ignore[misc]
                badge_png=png, badge_name=texts[0], issuer_name=texts[1], tagline=texts[2],
                fonts_dir=fonts_dir,
            ),
        ))
        for evidence in award.evidence:
            if evidence.file:
                plan.add(urls.evidence_file(award, evidence.file),
                         loaded.repo.read_bytes(evidence.file))
    for language in site.config.languages:
        renderer = Renderer(
            theme.template_dirs, site, urls, translators[language],
            development=keyring.is_development,
        )
        page_key = digest("page", theme_key, language, repr(site.config),
                          str(keyring.is_development))
        _plan_pages(plan, site, urls, renderer, memo, page_key)
    for name, path in theme.static_files().items():
        plan.add(urls.static(name), path.read_bytes())
    plan.add("robots.txt", hosting.render_robots(urls))
    plan.add("sitemap.xml", hosting.render_sitemap(site, urls))
    plan.add("_headers", hosting.render_netlify_headers())
    plan.add(".htaccess", hosting.render_htaccess(urls))
    plan.add(MARKER, b"")
    return plan


def _plan_pages(
    plan: OutputPlan, site: Site, urls: Urls, renderer: Renderer, memo: Memo, page_key: str
) -> None:
    """Every page in the renderer's language (the 404 page only in the default one).

    A page is rendered again only when what it shows changed: its key is the
    theme, language and settings (``page_key``) plus the model objects it reads.
    """
    language = renderer.tr.language

    def add(path: str, inputs: object, render: Callable[[], bytes]) -> None:
        key = digest(page_key, path, repr(inputs))
        plan.add(urls.localized(path, language), memo.get_or_make("page", key, render))

    add(urls.home(), (site.issuers, site.badges), renderer.home)
    add(urls.verify_page(), (), renderer.verify)
    for issuer in site.issuers:
        add(urls.issuer_page(issuer), (issuer, site.badges_of(issuer)),
            lambda i=issuer: renderer.issuer(i))  # type: ignore[misc]
    for badge in site.badges:
        listed = tuple(a for a in site.awards_of(badge) if a.listed)
        add(urls.badge_page(badge), (badge, listed), lambda b=badge: renderer.badge(b))  # type: ignore[misc]
    for award in site.awards:
        add(urls.award_page(award), award, lambda a=award: renderer.award(a))  # type: ignore[misc]
        add(urls.certificate_page(award), award,
            lambda a=award: renderer.certificate(a))  # type: ignore[misc]
    if language == site.config.language:
        plan.add(urls.not_found_page(), renderer.not_found())


def _canonical_json(document: object) -> str:
    """A stable text of a JSON value, for cache keys."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _status_lists(
    issuer: Issuer, loaded: LoadedSite, urls: Urls
) -> dict[int, dict[str, object]]:
    """The issuer's unsigned status lists, each dated by its latest change."""
    table = loaded.indexes.by_issuer.get(issuer.slug, {})
    awards = [a for a in loaded.site.awards if a.badge.issuer.slug == issuer.slug]
    revoked = {table[a.id] for a in awards if a.revocation is not None}
    numbers = {index // LIST_SIZE + 1 for index in table.values()} or {1}
    changes = [a.issued for a in awards] + [a.revocation.date for a in awards if a.revocation]
    lists = {}
    for number in sorted(numbers):
        low = (number - 1) * LIST_SIZE
        bits = [i - low for i in revoked if low <= i < low + LIST_SIZE]
        lists[number] = ob3.to_status_list(
            issuer, urls, number=number, encoded=encode_bitstring(bits),
            valid_from=max(changes, default=NO_AWARD_DATE),
        )
    return lists


def build_site(
    source: Path,
    out_dir: Path,
    *,
    base_url: str | None = None,
    environ: Mapping[str, str] | None = None,
    production: bool = False,
    now: datetime | None = None,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the site in ``source`` into ``out_dir``, replacing it atomically.

    New awards get status-list indexes, recorded in the lock file so that they
    never move; ``environ`` supplies signing keys (CI secrets).
    """
    check_output_dir(out_dir, source)
    loaded = load_site(source, base_url=base_url, now=now)
    diags = Diagnostics()
    keyring = read_keyring(loaded.site, source, environ or {}, diags, production=production)
    diags.raise_if_errors()
    theme = read_theme(source, loaded.site.config.theme)
    translators = {
        language: make_translator(language, theme.locale_dirs)
        for language in loaded.site.config.languages
    }
    memo = Memo(cache_dir)
    plan = plan_site(loaded, theme, translators, keyring, memo, progress)
    write_plan(plan, out_dir)
    memo.prune()
    if loaded.lock_changed:
        write_lock(source, loaded.indexes)
    warnings = tuple(sorted((*loaded.diagnostics, *diags.sorted()), key=Diagnostic.sort_key))
    return BuildResult(
        loaded=loaded, files=len(plan.files), bytes=plan.total_bytes(),
        development=keyring.is_development, warnings=warnings,
        reused=memo.hits, made=memo.misses,
    )


def write_lock(source: Path, indexes: StatusIndexes) -> None:
    """Record status indexes in the repository (atomically), for CI to commit back."""
    path = source / LOCK_FILE
    staging = path.with_name(f".{LOCK_FILE}.tmp")
    staging.write_bytes(render_lock(indexes))
    staging.replace(path)


__all__ = ["BuildResult", "ContentError", "LoadedSite", "build_site", "load_site", "plan_site"]
