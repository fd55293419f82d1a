"""Checking content images and preparing each badge image as PNG and SVG (no baking here)."""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from sitegen.bake import OB2, BakeError, unbake_png
from sitegen.content import Repository
from sitegen.diagnostics import Diagnostics, Span
from sitegen.memo import Memo, digest
from sitegen.model import Image, Site
from sitegen.svgsafe import SvgError, sanitize_svg

MIN_SIDE = 90  # the smallest badge size that stays legible on a profile
RECOMMENDED_SIDE = 256
MAX_SIDE = 4096
MAX_IMAGE_BYTES = 5_000_000
# PNG size rendered from an SVG badge: sharp on pages that show it at 200 CSS pixels on
# a 2x screen, and every award carries a copy (400 px is 0.6 times the bytes of 512 px).
RENDER_SIDE = 400


@dataclass(frozen=True, slots=True, kw_only=True)
class PreparedImage:
    """A content image ready to publish in both formats."""

    png: bytes
    svg: bytes
    is_svg: bool
    """True when the source was SVG (the SVG is then the original, sanitized)."""


def read_images(
    site: Site, repo: Repository, diags: Diagnostics, memo: Memo | None = None
) -> dict[str, PreparedImage]:
    """Read, check and prepare every image the site uses, keyed by site-relative path.

    PNG versions of SVG images come from ``memo`` when it has them (rendering costs
    tens of milliseconds an image, on every build).
    """
    images: dict[str, Image] = {}
    for issuer in site.issuers:
        if issuer.image:
            images.setdefault(issuer.image.path, issuer.image)
    for badge in site.badges:
        images.setdefault(badge.image.path, badge.image)
    prepared = {}
    for path in sorted(images):
        image = images[path]
        result = prepare_image(
            repo.read_bytes(path), image.source, diags, is_svg=image.is_svg, memo=memo
        )
        if result is not None:
            prepared[path] = result
    return prepared


def prepare_image(
    data: bytes, span: Span, diags: Diagnostics, *, is_svg: bool, memo: Memo | None = None
) -> PreparedImage | None:
    """Check one image; return it as PNG and SVG, or None after reporting why not."""
    if len(data) > MAX_IMAGE_BYTES:
        diags.error(
            span, "image.too-large",
            f"the image file is {len(data):,} bytes; the limit is {MAX_IMAGE_BYTES:,}",
        )
        return None
    if is_svg:
        return _prepare_svg(data, span, diags, memo or Memo(None))
    return _prepare_png(data, span, diags)


def _check_square(width: float, height: float, span: Span, diags: Diagnostics) -> bool:
    if abs(width - height) > max(0.5, width / 200):
        diags.error(
            span, "image.not-square", f"the image is {width:g}x{height:g}; it must be square",
            "crop it to a square: badges are shown in circles and squares",
        )
        return False
    return True


def _check_size(width: float, height: float, span: Span, diags: Diagnostics) -> bool:
    if not _check_square(width, height, span, diags):
        return False
    if width < MIN_SIDE:
        diags.error(
            span, "image.too-small",
            f"the image is {width:g}x{height:g} pixels; the minimum is {MIN_SIDE}x{MIN_SIDE}",
            f"use at least {RECOMMENDED_SIDE}x{RECOMMENDED_SIDE} pixels",
        )
        return False
    if width > MAX_SIDE:
        diags.error(
            span, "image.too-big",
            f"the image is {width:g}x{height:g} pixels; the maximum is {MAX_SIDE}x{MAX_SIDE}",
        )
        return False
    return True


def _prepare_png(data: bytes, span: Span, diags: Diagnostics) -> PreparedImage | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as img:
                if img.format != "PNG":
                    diags.error(
                        span, "image.format",
                        f"the file is a {img.format or 'unknown'} image, not a PNG",
                        "convert it to PNG, or name it after its real format",
                    )
                    return None
                width, height = img.size
                if not _check_size(width, height, span, diags):
                    return None
                if getattr(img, "is_animated", False):
                    diags.error(span, "image.animated", "animated PNG images are not allowed")
                    return None
                img.load()  # decodes every pixel: catches truncated or corrupt data
        unbake_png(data, OB2)  # walks every chunk and its CRC, as baking will
    except BakeError as exc:
        diags.error(span, "image.corrupt", f"the PNG file is damaged: {exc}")
        return None
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        diags.error(
            span, "image.too-big",
            f"the image has too many pixels to open safely; the maximum is {MAX_SIDE}x{MAX_SIDE}",
        )
        return None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        diags.error(span, "image.corrupt", f"the image cannot be read: {exc}")
        return None
    return PreparedImage(png=data, svg=_wrap_png_in_svg(data, width), is_svg=False)


def _wrap_png_in_svg(png: bytes, side: int) -> bytes:
    encoded = base64.b64encode(png).decode("ascii")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}" '
        f'viewBox="0 0 {side} {side}"><image width="{side}" height="{side}" '
        f'href="data:image/png;base64,{encoded}"/></svg>\n'
    ).encode("ascii")


def _prepare_svg(
    data: bytes, span: Span, diags: Diagnostics, memo: Memo
) -> PreparedImage | None:
    try:
        svg = sanitize_svg(data)
    except SvgError as exc:
        diags.error(span, "image.bad-svg", f"the SVG cannot be used: {exc}")
        return None
    for note in svg.removed:
        diags.warning(
            span, "image.svg-sanitized", f"removed from the SVG: {note}",
            "badge images may not contain scripts, links or references to other files",
        )
    if svg.has_text:
        diags.warning(
            span, "image.svg-text",
            "the SVG contains text, which may look different in the PNG version",
            "convert text to paths in your drawing program",
        )
    if not _check_square(svg.width, svg.height, span, diags):  # vectors scale: no minimum
        return None
    key = digest("image", svg.data, str(RENDER_SIDE))
    png = memo.get_or_make("image", key, lambda: render_svg(svg.data))
    return PreparedImage(png=png, svg=svg.data, is_svg=True)


def render_svg(svg: bytes, side: int = RENDER_SIDE) -> bytes:
    """Render a sanitized SVG to a square PNG, without system fonts (same bytes anywhere)."""
    import resvg_py  # imported here: only SVG badges need the renderer

    rendered = resvg_py.svg_to_bytes(
        svg_string=svg.decode("utf-8"), width=side, height=side, skip_system_fonts=True
    )
    return _palette_png(bytes(rendered))


def _palette_png(png: bytes) -> bytes:
    """The image with at most 256 colours (alpha kept), compressed harder.

    Every award carries its own copy of the badge image: a flat-design badge loses
    nothing visible and shrinks to about a quarter (7-12 KB at 400 px for the example badges).
    """
    with PILImage.open(io.BytesIO(png)) as img:
        palette = img.convert("RGBA").quantize(
            colors=256, method=PILImage.Quantize.FASTOCTREE, dither=PILImage.Dither.NONE
        )
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()
