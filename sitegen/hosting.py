"""Files that tell search engines and static hosts how to treat the site."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from sitegen.model import AwardSummary, Site
from sitegen.urls import Urls


def render_robots(urls: Urls) -> bytes:
    """robots.txt: crawl everything (unlisted pages carry noindex) and find the sitemap."""
    return f"User-agent: *\nAllow: /\nSitemap: {urls.absolute('sitemap.xml')}\n".encode()


def render_sitemap(site: Site, awards: Iterable[AwardSummary], urls: Urls) -> bytes:
    """sitemap.xml: home, issuers, badges and listed awards only."""
    paths = [urls.home()]
    paths += [urls.issuer_page(i) for i in site.issuers]
    paths += [urls.badge_page(b) for b in site.badges]
    paths += [urls.award_page(a) for a in awards if a.listed]
    localized = [urls.localized(p, lang) for p in paths for lang in site.config.languages]
    entries = "".join(f"  <url><loc>{escape(urls.absolute(p))}</loc></url>\n" for p in localized)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
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
