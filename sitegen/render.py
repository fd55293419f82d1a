"""Rendering pages with Jinja2: one environment per language, typed page contexts in, HTML out."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup

from sitegen.frameworks import Framework, framework_of
from sitegen.i18n import Translator, language_name
from sitegen.identity import credential_code, recipient_identity, recipient_salt
from sitegen.model import (
    Alignment,
    Award,
    AwardSummary,
    Badge,
    Duration,
    Issuer,
    Localized,
    ObservationPeriod,
    Site,
)
from sitegen.renewals import NO_RENEWALS, Renewals
from sitegen.richtext import render_markdown, to_plain_text
from sitegen.sharing import linkedin_url, verifierplus_url
from sitegen.templatecache import templates_folder
from sitegen.trail import observed_duration
from sitegen.urls import Urls, relative_url


@dataclass(frozen=True, slots=True, kw_only=True)
class Alternate:
    """The same page in another language (for hreflang and the language switch)."""

    lang: str
    name: str
    """The language's own name (Français, English)."""
    url: str
    href: str
    """Relative link from the current page."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """What every template knows about the page being rendered."""

    path: str
    """The page's path in the site's default language (``awards/x/index.html``)."""
    title: str
    description: str = ""
    noindex: bool = False
    canonical: str | None = None
    """Absolute URL of this language's version; filled in by :meth:`Renderer.render`."""
    output: str = ""
    """Where this language's version is written; links are relative to it."""
    alternates: tuple[Alternate, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AwardView:
    """An award with the derived values its page shows."""

    award: Award
    code: str
    identity: str
    salt: str
    status: str
    """"revoked", "expiring" (has an expiry date) or "valid"."""
    observed: Mapping[str, ObservationPeriod] = field(default_factory=dict)
    """The observation period of each criterion that evidence gives one for."""

    @classmethod
    def of(cls, award: Award) -> AwardView:
        """Derive the displayed values of an award."""
        if award.revocation is not None:
            status = "revoked"
        elif award.expires is not None:
            status = "expiring"
        else:
            status = "valid"
        observed = {
            e.criterion.id: e.observed for e in reversed(award.evidence)
            if e.criterion is not None and e.observed is not None
        }  # reversed: the first evidence of a criterion wins
        return cls(
            award=award, code=credential_code(award), identity=recipient_identity(award),
            salt=recipient_salt(award), status=status, observed=observed,
        )


class _ConstantGettext(Extension):
    """Translates ``_("literal")`` once, when a template is compiled, instead of on every page.

    Each :class:`Renderer` has its own environment, in one language, so a call without
    variables always gives the same text: it becomes that text (as markup, like the
    newstyle gettext it replaces) in the compiled template. Calls with variables are
    left to :meth:`Renderer._gettext`.
    """

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        translate: Callable[[str], str] = self.environment.sitegen_translate  # type: ignore[attr-defined]
        tokens = list(stream)
        index = 0
        while index < len(tokens):
            token = tokens[index]
            window = tokens[index:index + 4]
            if (
                token.type == "name" and token.value in ("_", "gettext")
                and [t.type for t in window] == ["name", "lparen", "string", "rparen"]
                and (index == 0 or tokens[index - 1].type != "dot")
            ):
                try:
                    text = translate(window[2].value) % {}
                except (TypeError, ValueError, KeyError):
                    text = None
                if text is not None:
                    yield Token(token.lineno, "string", text)
                    yield Token(token.lineno, "pipe", "|")
                    yield Token(token.lineno, "name", "safe")
                    index += 4
                    continue
            yield token
            index += 1


class _DirectCalls(CodeGenerator):
    """Compiles a call in a template, ``f(x)``, to a plain Python call.

    Jinja compiles it to ``context.call(f, x)``, which first asks whether ``f`` wants the
    template's context (a function marked with ``pass_context`` and the like). Nothing a
    :class:`Renderer` gives its templates does (it checks its globals; the rest are our
    own methods and dataclasses), and at about 80 calls a page that question was a fifth
    of an award page's time. Same output.
    """

    def visit_Call(
        self, node: nodes.Call, frame: Frame, forward_caller: bool = False
    ) -> None:
        if self.environment.is_async or self.environment.sandboxed:
            super().visit_Call(node, frame, forward_caller)
            return
        self.write("(")
        self.visit(node.node, frame)
        self.write(")(*()")  # ``signature`` writes a comma before each argument
        self.signature(node, frame, {"caller": "caller"} if forward_caller else None)
        self.write(")")


class _QuietCache(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates kept in files, where a file that cannot be read or written
    means a template compiled as usual, not a failed build."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class Renderer:
    """Renders the theme's templates for one site, urls scheme and language."""

    def __init__(
        self, template_dirs: list[str], site: Site, urls: Urls, tr: Translator,
        *, development: bool = False, template_cache: Path | None = None, code_key: str = "",
    ) -> None:
        """``template_cache`` is the user's folder of compiled templates (see
        :mod:`sitegen.templatecache`); ``code_key``, a digest of what shapes them beyond their
        source (sitegen's code, the theme with its translations)."""
        self.site, self.urls, self.tr = site, urls, tr
        compiled = templates_folder(
            template_cache, jinja2.__version__, code_key, tr.language
        ) if template_cache is not None else None
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(template_dirs),
            bytecode_cache=_QuietCache(str(compiled)) if compiled is not None else None,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n", _ConstantGettext],
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.env.code_generator_class = _DirectCalls
        self.env.sitegen_translate = tr.gettext  # type: ignore[attr-defined]
        self.env.install_gettext_callables(  # type: ignore[attr-defined]
            tr.gettext, tr.ngettext, newstyle=True
        )
        # Jinja's newstyle gettext wraps each call in two context-aware calls; these do
        # the same (translated text is markup, variables are escaped, % is formatted) in
        # one, which matters at a hundred calls per page and thousands of pages.
        self.env.globals.update(_=self._gettext, gettext=self._gettext, ngettext=self._ngettext)
        self.env.globals.update(
            site=site, urls=urls, lang=tr.language, language_name=tr.language_name,
            development=development,
        )
        self.env.filters.update(
            t=self.text, md=self.markdown, plain=self.plain, date=self.date,
            short_date=self.short_date, duration=self.duration, iso=self.iso,
        )
        self.env.filters.update(
            observed=observed_duration, alignment_label=self.alignment_label,
        )
        wanting_context = sorted(
            name for name, value in self.env.globals.items()
            if getattr(value, "jinja_pass_arg", None) is not None
        )
        if wanting_context:  # a template's call would not give it (see _DirectCalls)
            raise TypeError(f"template globals that want Jinja's context: {wanting_context}")

    def _gettext(self, message: str, /, **variables: Any) -> Markup:
        return Markup(self.tr.gettext(message)) % variables  # noqa: S704 - our own catalog

    def _ngettext(self, singular: str, plural: str, num: int, /, **variables: Any) -> Markup:
        variables.setdefault("num", num)
        return Markup(self.tr.ngettext(singular, plural, num)) % variables  # noqa: S704

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

    def alignment_label(self, alignment: Alignment) -> str:
        """What an alignment refers to, in words (``compétence ESCO``, ``fiche ROME K2304``)."""
        known = framework_of(alignment)
        if known is Framework.ESCO_SKILL:
            return self.tr.gettext("ESCO skill")
        if known is Framework.ESCO_OCCUPATION:
            return self.tr.gettext("ESCO occupation")
        if known is Framework.ROME:
            return self.tr.gettext("ROME job sheet %(code)s") % {"code": alignment.code}
        return " ".join(part for part in (alignment.framework, alignment.code) if part)

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
        language = self.tr.language
        output = self.urls.localized(page.path, language)
        alternates = tuple(
            Alternate(
                lang=other, name=language_name(other),
                url=self.urls.absolute(self.urls.localized(page.path, other)),
                href=relative_url(output, self.urls.localized(page.path, other)),
            )
            for other in self.site.config.languages
        ) if len(self.site.config.languages) > 1 and not rooted else ()
        page = replace(
            page, output=output, alternates=alternates,
            canonical=None if rooted else self.urls.absolute(output),
        )

        def link(path: str) -> str:
            if path.endswith(".html"):  # pages exist in every language; files only once
                path = self.urls.localized(path, language)
            if rooted:
                return base_path + (path[:-10] if path.endswith("index.html") else path)
            return relative_url(output, path)

        html = self.env.get_template(template).render(page=page, link=link, **context)
        return html.encode("utf-8")

    def home(self) -> bytes:
        """The home page: issuers and their badges."""
        page = Page(
            path=self.urls.home(),
            title=self.text(self.site.config.title),
            description=self.plain(self.site.config.description),
        )
        return self.render("index.html", page)

    def issuer(self, issuer: Issuer) -> bytes:
        """An issuer's page."""
        path = self.urls.issuer_page(issuer)
        page = Page(
            path=path, title=self.text(issuer.name), description=self.plain(issuer.description),
        )
        return self.render("issuer.html", page, issuer=issuer, badges=self.site.badges_of(issuer))

    def badge(self, badge: Badge, listed: Sequence[AwardSummary] = ()) -> bytes:
        """A badge's page: what it certifies, its criteria and how to obtain it.

        ``listed`` are the badge's awards whose earners chose to be listed.
        """
        path = self.urls.badge_page(badge)
        page = Page(
            path=path, title=self.text(badge.name), description=self.plain(badge.description),
        )
        return self.render("badge.html", page, badge=badge, listed=listed)

    def award_title(self, award: Award) -> str:
        """The badge's name, with the earner's name only in the form they consented to."""
        title = self.text(award.badge.name)
        name = award.recipient.shown_name
        if name:
            title = self.tr.gettext("%(badge)s awarded to %(name)s") % {
                "badge": title, "name": name,
            }
        return title

    def award(self, award: Award, renewals: Renewals | None = None) -> bytes:
        """An award's verification page, with the awards it renews or that renew it, and its
        printable certificate (shown at #certificate)."""
        view = AwardView.of(award)
        title = self.award_title(award)
        path = self.urls.award_page(award)
        page = Page(
            path=path, title=title, description=self.plain(award.badge.description),
            noindex=not award.listed,
        )
        return self.render(
            "award.html", page, view=view, award=award, badge=award.badge,
            renewals=renewals or NO_RENEWALS,
            linkedin_url=linkedin_url(award, self.urls, self.tr),
            verifierplus_url=verifierplus_url(award, self.urls),
            award_url=self.urls.absolute(path), qr_alt=self.qr_title(award),
        )

    def qr_title(self, award: Award) -> str:
        """What the award's QR code says to someone who cannot see it."""
        url = self.urls.absolute(self.urls.award_page(award))
        return self.tr.gettext(
            "QR code of the page where this badge can be checked: %(url)s") % {"url": url}

    def verify(self) -> bytes:
        """The page where anyone checks a badge image, credential or JWT in the browser."""
        page = Page(
            path=self.urls.verify_page(), title=self.tr.gettext("Check a badge"),
            description=self.tr.gettext(
                "Check an Open Badge: drop the badge image or the credential file."
            ),
        )
        return self.render("verify.html", page)

    def guide(self) -> bytes:
        """How to share a badge (LinkedIn, wallets, backpacks) and how anyone can check it.

        Award pages keep their own values and actions and link here for the explanations,
        which would otherwise be repeated in every award page.
        """
        page = Page(
            path=self.urls.guide_page(), title=self.tr.gettext("How to share and check a badge"),
            description=self.tr.gettext(
                "Adding a badge to LinkedIn, a wallet or a backpack, and checking it without "
                "contacting anyone."
            ),
        )
        return self.render("guide.html", page)

    def verify_messages(self) -> bytes:
        """The script that gives verify.js its texts in this language."""
        return self.env.get_template("verify_messages.js").render().encode("utf-8")

    def not_found(self) -> bytes:
        """The 404 page: hosts serve it at any path, so its links are absolute."""
        page = Page(path=self.urls.not_found_page(), title=self.tr.gettext("Page not found"),
                    noindex=True)
        return self.render("404.html", page, rooted=True)
