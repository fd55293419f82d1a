"""Rendering pages with Jinja2: one environment per language, typed page contexts in, HTML out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from sitegen.i18n import Translator
from sitegen.identity import credential_code, recipient_identity, recipient_salt
from sitegen.model import Award, Badge, Duration, Issuer, Localized, Site
from sitegen.richtext import render_markdown, to_plain_text
from sitegen.urls import Urls, relative_url


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """What every template knows about the page being rendered."""

    path: str
    """Site-relative output path: every link is made relative to it."""
    title: str
    description: str = ""
    noindex: bool = False
    canonical: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AwardView:
    """An award with the derived values its page shows."""

    award: Award
    code: str
    identity: str
    salt: str
    status: str
    """"revoked", "expiring" (has an expiry date) or "valid"."""

    @classmethod
    def of(cls, award: Award) -> AwardView:
        """Derive the displayed values of an award."""
        if award.revocation is not None:
            status = "revoked"
        elif award.expires is not None:
            status = "expiring"
        else:
            status = "valid"
        return cls(
            award=award, code=credential_code(award), identity=recipient_identity(award),
            salt=recipient_salt(award), status=status,
        )


class Renderer:
    """Renders the theme's templates for one site, urls scheme and language."""

    def __init__(
        self, template_dirs: list[str], site: Site, urls: Urls, tr: Translator,
        *, development: bool = False,
    ) -> None:
        self.site, self.urls, self.tr = site, urls, tr
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(template_dirs),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.env.install_gettext_callables(  # type: ignore[attr-defined]
            tr.gettext, tr.ngettext, newstyle=True
        )
        self.env.globals.update(
            site=site, urls=urls, lang=tr.language, language_name=tr.language_name,
            development=development,
        )
        self.env.filters.update(
            t=self.text, md=self.markdown, plain=self.plain, date=self.date,
            short_date=self.short_date, duration=self.duration, iso=self.iso,
        )

    def text(self, value: Localized | None) -> str:
        """A translatable text in the page's language."""
        return value.get(self.tr.language, self.site.config.language) if value else ""

    def markdown(self, value: Localized | None) -> Markup:
        """A translatable Markdown text as sanitized HTML."""
        return Markup(render_markdown(self.text(value)))  # noqa: S704 - sanitized by nh3

    def plain(self, value: Localized | None, limit: int = 300) -> str:
        """A translatable Markdown text as one line of plain text."""
        text = to_plain_text(self.text(value))
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    def date(self, value: datetime) -> str:
        """A date in words for the page's language."""
        return self.tr.date(value)

    def short_date(self, value: datetime) -> str:
        """A numeric date for the page's language."""
        return self.tr.short_date(value)

    def duration(self, value: Duration) -> str:
        """A duration in words for the page's language."""
        return self.tr.duration(value)

    @staticmethod
    def iso(value: datetime) -> str:
        """A machine-readable date-time (for ``<time datetime>`` and scripts)."""
        return value.isoformat()

    def render(
        self, template: str, page: Page, *, rooted: bool = False, **context: Any
    ) -> bytes:
        """Render one page to UTF-8 bytes.

        Links are relative so the site works under any sub-path; a ``rooted``
        page (served at any address, like the 404 page) gets root-relative links.
        """
        base_path = urlsplit(self.urls.base_url).path

        def link(path: str) -> str:
            if rooted:
                return base_path + (path[:-10] if path.endswith("index.html") else path)
            return relative_url(page.path, path)

        html = self.env.get_template(template).render(page=page, link=link, **context)
        return html.encode("utf-8")

    def home(self) -> bytes:
        """The home page: issuers and their badges."""
        page = Page(
            path=self.urls.home(),
            title=self.text(self.site.config.title),
            description=self.plain(self.site.config.description),
            canonical=self.urls.absolute(self.urls.home()),
        )
        return self.render("index.html", page)

    def issuer(self, issuer: Issuer) -> bytes:
        """An issuer's page."""
        path = self.urls.issuer_page(issuer)
        page = Page(
            path=path, title=self.text(issuer.name), description=self.plain(issuer.description),
            canonical=self.urls.absolute(path),
        )
        return self.render("issuer.html", page, issuer=issuer, badges=self.site.badges_of(issuer))

    def badge(self, badge: Badge) -> bytes:
        """A badge's page: what it certifies, its criteria and how to obtain it."""
        path = self.urls.badge_page(badge)
        page = Page(
            path=path, title=self.text(badge.name), description=self.plain(badge.description),
            canonical=self.urls.absolute(path),
        )
        listed = tuple(AwardView.of(a) for a in self.site.awards_of(badge) if a.listed)
        return self.render("badge.html", page, badge=badge, listed=listed)

    def award(self, award: Award) -> bytes:
        """An award's verification page."""
        view = AwardView.of(award)
        name = award.recipient.shown_name
        title = self.text(award.badge.name)
        if name:
            title = self.tr.gettext("%(badge)s awarded to %(name)s") % {
                "badge": title, "name": name,
            }
        path = self.urls.award_page(award)
        page = Page(
            path=path, title=title, description=self.plain(award.badge.description),
            noindex=not award.listed, canonical=self.urls.absolute(path),
        )
        return self.render("award.html", page, view=view, award=award, badge=award.badge)

    def not_found(self) -> bytes:
        """The 404 page: hosts serve it at any path, so its links are absolute."""
        page = Page(path=self.urls.not_found_page(), title=self.tr.gettext("Page not found"),
                    noindex=True)
        return self.render("404.html", page, rooted=True)
