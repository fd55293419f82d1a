"""Files that tell search engines and static hosts how to treat the site."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from sitegen.model import AwardSummary, Site
from sitegen.parallel import batched
from sitegen.urls import Urls

# Addresses in one site map file; a bigger site's map is split (see ``sitemap_files``).
SITEMAP_URLS = 10_000


def render_robots(urls: Urls) -> bytes:
    """robots.txt: crawl everything (unlisted pages carry noindex) and find the sitemap."""
    return f"User-agent: *\nAllow: /\nSitemap: {urls.absolute('sitemap.xml')}\n".encode()


def sitemap_files(
    site: Site, awards: Iterable[AwardSummary], urls: Urls
) -> Iterator[tuple[str, bytes]]:
    """The site map: home, issuers, badges and listed awards only, in every language.

    Up to :data:`SITEMAP_URLS` addresses it is one ``sitemap.xml``. Past that,
    ``sitemap.xml`` is an index of ``sitemap-1.xml``, ``sitemap-2.xml``… of that many
    addresses each (the protocol allows 50 000 a file, search engines ignore bigger
    ones), made as ``awards`` are read, so a large site's map is never held whole. The
    parts lie at the site's root: a site map may only list addresses below its own.
    """
    pages = itertools.chain(
        [urls.home()], map(urls.issuer_page, site.issuers), map(urls.badge_page, site.badges),
        (urls.award_page(award) for award in awards if award.listed),
    )
    languages = site.config.languages
    addresses = (urls.absolute(urls.localized(p, lang)) for p in pages for lang in languages)
    parts = batched(addresses, SITEMAP_URLS)
    first, second = next(parts, []), next(parts, None)
    if second is None:
        yield "sitemap.xml", _sitemap("urlset", "url", first)
        return
    parts = itertools.chain([first, second], parts)
    del first, second  # each part is let go of once written: at most two are held
    names: list[str] = []
    for part in parts:
        names.append(f"sitemap-{len(names) + 1}.xml")
        yield names[-1], _sitemap("urlset", "url", part)
    yield "sitemap.xml", _sitemap("sitemapindex", "sitemap", map(urls.absolute, names))


def _sitemap(root: str, entry: str, addresses: Iterable[str]) -> bytes:
    entries = "".join(f"  <{entry}><loc>{escape(a)}</loc></{entry}>\n" for a in addresses)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</{root}>\n"
    ).encode()


def render_netlify_headers() -> bytes:
    """``_headers`` (Netlify, Cloudflare Pages): content types and CORS so verifiers can fetch."""
    return (
        b"/*\n"
        b"  X-Content-Type-Options: nosniff\n"
        b"  Referrer-Policy: strict-origin-when-cross-origin\n"
        b"/*.json\n"
        b"  Access-Control-Allow-Origin: *\n"
        b"  Content-Type: application/json; charset=utf-8\n"
        b"/*.jwt\n"
        b"  Access-Control-Allow-Origin: *\n"
        b"  Content-Type: text/plain; charset=utf-8\n"
        b"/*/badge.png\n"
        b"  Access-Control-Allow-Origin: *\n"
        b"/*/badge.svg\n"
        b"  Access-Control-Allow-Origin: *\n"
    )


def render_htaccess(urls: Urls) -> bytes:
    """``.htaccess`` (Apache): the same headers, and the 404 page."""
    base_path = urlsplit(urls.base_url).path
    return (
        "AddType application/json .json\n"
        "AddType text/plain .jwt\n"
        "AddType image/svg+xml .svg\n"
        "AddCharset utf-8 .json .jwt .html .svg\n"
        f"ErrorDocument 404 {base_path}404.html\n"
        "<IfModule mod_headers.c>\n"
        '  Header always set X-Content-Type-Options "nosniff"\n'
        '  <FilesMatch "\\.(json|jwt|png|svg)$">\n'
        '    Header set Access-Control-Allow-Origin "*"\n'
        "  </FilesMatch>\n"
        "</IfModule>\n"
    ).encode()
