"""Printable certificates as documents that stand alone: every image inline, nothing fetched.

The award page shows its certificate at ``#certificate``, with images linked from the
site. An earner's archive and a ceremony's kit need the same certificate as a file that
works offline, from a ZIP or an email: the same template, with each image given as a
``data:`` URI instead of a link.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sitegen.model import Award
from sitegen.render import AwardView, Renderer
from sitegen.theme import Theme
from sitegen.urls import Urls

STYLESHEET = "site.css"
MEDIA_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Sheet:
    """One certificate of a document: an award and the images it shows, by site path."""

    award: Award
    award_url: str
    """The absolute URL of the award's page, which its QR code encodes."""
    qr_alt: str
    images: Mapping[str, bytes]
    """The bytes of each image the certificate shows, by output path (see :func:`image_paths`)."""

    @property
    def view(self) -> AwardView:
        """The award's displayed values."""
        return AwardView.of(self.award)

    @property
    def link(self) -> Callable[[str], str]:
        """The template's ``link``: an image's path becomes its ``data:`` URI."""
        return lambda path: data_uri(path, self.images[path])


def image_paths(award: Award, urls: Urls) -> tuple[str, ...]:
    """The output paths of the images a certificate shows: logo, badge and QR code."""
    issuer = award.badge.issuer
    logo = (urls.issuer_image(issuer),) if issuer.image is not None else ()
    return (*logo, urls.baked_png(award), urls.qr_code(award))


def data_uri(path: str, data: bytes) -> str:
    """A file as a ``data:`` URI, its media type from its extension."""
    media = MEDIA_TYPES.get(path[path.rfind("."):].lower(), "application/octet-stream")
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


def read_stylesheet(theme: Theme) -> str:
    """The theme's stylesheet, which holds the certificate's screen and print styles."""
    return theme.static_files()[STYLESHEET].read_text(encoding="utf-8")


def render_certificates(
    renderer: Renderer, sheets: Sequence[Sheet], *, title: str, intro: Sequence[str],
    stylesheet: str,
) -> bytes:
    """A standalone HTML document of certificates, one printed page each, in the
    renderer's language."""
    template = renderer.env.get_template("certificates.html")
    html = template.render(title=title, intro=list(intro), sheets=sheets, stylesheet=stylesheet)
    return html.encode("utf-8")
