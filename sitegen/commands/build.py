"""``sitegen build``: load, validate, serialize, bake, render and write the whole site."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sitegen import hosting, ob2
from sitegen.bake import OB2, bake_png, bake_svg
from sitegen.config import resolve_config
from sitegen.content import Repository, read_documents, read_site_file
from sitegen.diagnostics import ContentError, Diagnostic, Diagnostics
from sitegen.i18n import Translator, make_translator
from sitegen.images import PreparedImage, read_images
from sitegen.jsonout import to_json_bytes
from sitegen.model import Site
from sitegen.output import MARKER, OutputPlan, check_output_dir, write_plan
from sitegen.render import Renderer
from sitegen.resolve import resolve_site
from sitegen.theme import Theme, read_theme
from sitegen.urls import Urls


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedSite:
    """A validated site and what was read with it."""

    site: Site
    repo: Repository
    images: dict[str, PreparedImage]
    diagnostics: tuple[Diagnostic, ...]
    """Warnings (errors stop loading)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildResult:
    """What a build wrote."""

    loaded: LoadedSite
    files: int
    bytes: int


def load_site(source: Path, *, base_url: str | None = None) -> LoadedSite:
    """Read and validate everything; raise :class:`ContentError` listing every problem."""
    diags = Diagnostics()
    repo = Repository(root=source)
    config = resolve_config(read_site_file(repo, diags), diags, base_url=base_url)
    documents = read_documents(repo, diags)
    if config is None:
        diags.raise_if_errors()
        raise AssertionError("a missing config is always reported")
    site = resolve_site(documents, repo, config, diags)
    images = read_images(site, repo, diags)
    diags.raise_if_errors()  # stage boundary: nothing invalid is signed or published
    return LoadedSite(site=site, repo=repo, images=images, diagnostics=diags.sorted())


def plan_site(loaded: LoadedSite, theme: Theme, tr: Translator) -> OutputPlan:
    """Every output file of the site, in memory."""
    site, images = loaded.site, loaded.images
    urls = Urls(site.config.base_url)
    renderer = Renderer(theme.template_dirs, site, urls, tr)
    plan = OutputPlan()
    for issuer in site.issuers:
        plan.add(urls.issuer_profile(issuer), to_json_bytes(ob2.to_profile(issuer, urls, tr)))
        plan.add(
            urls.revocation_list(issuer),
            to_json_bytes(ob2.to_revocation_list(issuer, site, urls, tr)),
        )
        if issuer.image:
            image = images[issuer.image.path]
            plan.add(urls.issuer_image(issuer), image.svg if image.is_svg else image.png)
        plan.add(urls.issuer_page(issuer), renderer.issuer(issuer))
    for badge in site.badges:
        image = images[badge.image.path]
        plan.add(urls.badge_class(badge), to_json_bytes(ob2.to_badge_class(badge, urls, tr)))
        plan.add(urls.badge_image_png(badge), image.png)
        plan.add(urls.badge_image_svg(badge), image.svg)
        plan.add(urls.badge_page(badge), renderer.badge(badge))
    for award in site.awards:
        image = images[award.badge.image.path]
        assertion = to_json_bytes(ob2.to_assertion(award, urls, tr))
        text = assertion.decode("utf-8")
        plan.add(urls.assertion(award), assertion)
        plan.add(urls.baked_png(award), bake_png(image.png, text, OB2))
        plan.add(
            urls.baked_svg(award),
            bake_svg(image.svg, text, OB2, verify=urls.absolute(urls.assertion(award))),
        )
        for evidence in award.evidence:
            if evidence.file:
                plan.add(urls.evidence_file(award, evidence.file),
                         loaded.repo.read_bytes(evidence.file))
        plan.add(urls.award_page(award), renderer.award(award))
    plan.add(urls.home(), renderer.home())
    plan.add(urls.not_found_page(), renderer.not_found())
    for name, path in theme.static_files().items():
        plan.add(urls.static(name), path.read_bytes())
    plan.add("robots.txt", hosting.render_robots(urls))
    plan.add("sitemap.xml", hosting.render_sitemap(site, urls))
    plan.add("_headers", hosting.render_netlify_headers())
    plan.add(".htaccess", hosting.render_htaccess(urls))
    plan.add(MARKER, b"")
    return plan


def build_site(source: Path, out_dir: Path, *, base_url: str | None = None) -> BuildResult:
    """Build the site in ``source`` into ``out_dir``, replacing it atomically."""
    check_output_dir(out_dir, source)
    loaded = load_site(source, base_url=base_url)
    theme = read_theme(source, loaded.site.config.theme)
    tr = make_translator(loaded.site.config.language, theme.locale_dirs)
    plan = plan_site(loaded, theme, tr)
    write_plan(plan, out_dir)
    return BuildResult(loaded=loaded, files=len(plan.files), bytes=plan.total_bytes())


__all__ = ["BuildResult", "ContentError", "LoadedSite", "build_site", "load_site", "plan_site"]
