"""The share preview image: its size, its weight, text that never overflows, the same bytes each time."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from sitegen.i18n import make_translator
from sitegen.images import render_svg
from sitegen.share import (
    BOLD_FONT,
    HEIGHT,
    MAX_BYTES,
    WIDTH,
    _wrap,
    render_share_image,
    share_tagline,
)
from sitegen.theme import builtin_theme_dir
from tests.conftest import ROOT

FONTS = builtin_theme_dir() / "fonts"
EXAMPLE_BADGES = sorted((ROOT / "content/badges").glob("*.svg"))
LONG_NAME = (
    "Capacité à travailler en équipe pluridisciplinaire dans un environnement de production "
    "industrielle exigeant : coopération, entraide et communication bienveillante au quotidien"
)
LONG_ISSUER = (
    "Association régionale pour l’insertion professionnelle et la formation continue des "
    "adultes de Bourgogne-Franche-Comté"
)


def draw(badge_png: bytes, name: str = "L’Indispensable",
         issuer: str = "Les Valoristes Bourguignons") -> bytes:
    return render_share_image(
        badge_png=badge_png, badge_name=name, issuer_name=issuer,
        tagline="Badge vérifiable · Open Badges", fonts_dir=FONTS,
    )


def png_chunks(data: bytes) -> list[str]:
    """The chunk types of a PNG file, in order."""
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        crc = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])[0]
        assert zlib.crc32(kind + body) == crc
        chunks.append(kind.decode("ascii"))
        offset += 12 + length
    return chunks


@pytest.fixture(scope="module")
def badge_png() -> bytes:
    return render_svg((ROOT / "content/badges/indispensable.svg").read_bytes())


@pytest.mark.parametrize("svg", EXAMPLE_BADGES, ids=lambda p: p.stem)
def test_share_image_is_a_small_1200x630_png(svg):
    data = draw(render_svg(svg.read_bytes()), LONG_NAME, LONG_ISSUER)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.size == (WIDTH, HEIGHT) == (1200, 630)
    assert len(data) < MAX_BYTES == 60_000


def test_share_image_carries_no_metadata(badge_png):
    chunks = png_chunks(draw(badge_png))
    assert chunks[0] == "IHDR" and chunks[-1] == "IEND"
    assert set(chunks) <= {"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}  # no text, time or profile


def test_share_image_is_the_same_bytes_every_time(badge_png):
    assert draw(badge_png) == draw(badge_png)
    assert draw(badge_png) != draw(badge_png, name="Autonomie")


def test_share_image_accepts_any_png_mode_and_size():
    for mode, side in (("P", 90), ("LA", 600), ("RGB", 4096), ("L", 128)):
        buffer = io.BytesIO()
        Image.new(mode, (side, side)).save(buffer, format="PNG")
        with Image.open(io.BytesIO(draw(buffer.getvalue()))) as image:
            assert image.size == (1200, 630)


def test_share_image_stays_small_with_a_photograph_like_badge():
    channels = [Image.effect_noise((512, 512), sigma) for sigma in (90, 70)]
    grainy = Image.merge("RGB", [*channels, Image.linear_gradient("L").resize((512, 512))])
    buffer = io.BytesIO()
    grainy.filter(ImageFilter.GaussianBlur(1)).save(buffer, format="PNG")
    assert len(draw(buffer.getvalue(), LONG_NAME, LONG_ISSUER)) < MAX_BYTES


@pytest.mark.parametrize("name", [
    LONG_NAME,
    "Anticonstitutionnellementissimeetceterasupercalifragilisticexpialidocious" * 2,
    "Sens du service " * 12,
    "Bourgogne-Franche-Comté-Auvergne-Rhône-Alpes-Provence-Alpes-Côte-d’Azur-Grand-Est",
])
def test_text_never_reaches_the_right_margin(badge_png, name):
    with Image.open(io.BytesIO(draw(badge_png, name, LONG_ISSUER * 2))) as image:
        rgb = image.convert("RGB")
    margin = rgb.crop((WIDTH - 55, 20, WIDTH, HEIGHT))  # text stops 60 px from the edge
    assert margin.getcolors() == [(55 * 610, (255, 255, 255))]
    bottom = rgb.crop((480, HEIGHT - 40, WIDTH, HEIGHT))  # below the tagline
    assert bottom.getcolors() == [(720 * 40, (255, 255, 255))]


def test_wrapping_breaks_at_spaces_and_hyphens_and_keeps_no_break_spaces_together():
    font = ImageFont.truetype(str(FONTS / BOLD_FONT), 60, layout_engine=ImageFont.Layout.BASIC)
    lines = _wrap("Critère\u00a0: ponctualité Bourgogne-Franche-Comté", font, 420)
    assert all(font.getlength(line) <= 420 for line in lines)
    assert "Critère\u00a0:" in lines[0]
    assert "".join(lines).replace(" ", "") == "Critère\u00a0:ponctualitéBourgogne-Franche-Comté"
    assert any(line.endswith("-") for line in lines)


def test_share_image_never_needs_the_earners_name():
    # The earner is not an input: nothing personal can end up in a public preview.
    import inspect

    assert set(inspect.signature(render_share_image).parameters) == {
        "badge_png", "badge_name", "issuer_name", "tagline", "fonts_dir",
    }


def test_tagline_is_translated():
    locales = builtin_theme_dir() / "locales"
    assert share_tagline(make_translator("fr", [locales])) == "Badge vérifiable · Open Badges"
    assert share_tagline(make_translator("en", [locales])) == "Verifiable badge · Open Badges"


def test_theme_fonts_cover_french_and_carry_their_license():
    def glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
        image = Image.new("L", (60, 60))
        ImageDraw.Draw(image).text((10, 5), char, font=font, fill=255)
        return image.tobytes()

    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        font = ImageFont.truetype(str(FONTS / name), 40)
        missing = glyph(font, "\u4e00")  # a character outside the subset: drawn as a box
        for char in "àâçéèêëîïôûùüÿœæÀÇÉÈÊŒ’«»–—…·€":
            assert glyph(font, char) != missing, (name, char)
    license_text = (FONTS / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera Fonts Copyright" in license_text
    assert "Arev Fonts Copyright" in license_text
