"""QR codes as SVG files: the right content, small, scalable and the same on every build."""

from __future__ import annotations

import io
import re

import pytest
import segno
from defusedxml import ElementTree

from sitegen.qr import MASK, QUIET_ZONE, qr_svg

URL = "https://badges.example.org/awards/2024-03-ind-8vh6r930/"
SVG = "{http://www.w3.org/2000/svg}"


def dark_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules the SVG draws, in symbol coordinates (quiet zone removed)."""
    path = ElementTree.fromstring(svg).find(f"{SVG}path").get("d")
    assert re.fullmatch(r"(?:M\d+ \d+\.5h\d+(?:m\d+ 0h\d+)*)+", path)  # nothing else
    cells = set()
    for row in re.findall(r"M[^M]+", path):
        x, y = (int(n) for n in re.match(r"M(\d+) (\d+)\.5", row).groups())
        for gap, length in re.findall(r"(?:^M\d+ \d+\.5|m(\d+) 0)h(\d+)", row):
            x += int(gap or 0)
            cells.update((x + dx - QUIET_ZONE, y - QUIET_ZONE) for dx in range(int(length)))
            x += int(length)
    return cells


def test_qr_svg_draws_exactly_the_modules_of_the_url_at_level_m():
    svg = qr_svg(URL, title="QR")
    expected = segno.make(URL, error="m", boost_error=False, micro=False, mask=MASK)
    assert expected.error == "M"
    wanted = {
        (x, y) for y, row in enumerate(expected.matrix) for x, dark in enumerate(row) if dark
    }
    assert dark_modules(svg) == wanted


def test_qr_svg_decodes_to_the_url():
    zxingcpp = pytest.importorskip("zxingcpp")
    resvg_py = pytest.importorskip("resvg_py")
    from PIL import Image

    png = bytes(resvg_py.svg_to_bytes(svg_string=qr_svg(URL, title="QR"), width=330, height=330))
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [(r.text, r.ec_level) for r in results] == [(URL, "M")]


def test_qr_svg_is_a_small_accessible_scalable_file():
    svg = qr_svg(URL, title="Vérifier <ce> badge & co")
    assert svg.startswith("<svg ") and svg.endswith("</svg>\n")
    assert len(svg.encode()) < 2500, "published once per award"
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("width") is None and root.get("height") is None  # CSS sizes it
    side = segno.make(URL, error="m", boost_error=False).symbol_size(border=QUIET_ZONE)[0]
    assert root.get("viewBox") == f"0 0 {side} {side}"
    assert root[0].tag == f"{SVG}title" and root[0].text == "Vérifier <ce> badge & co"
    assert root.find(f"{SVG}rect").get("fill") == "#fff"
    assert root.find(f"{SVG}path").get("stroke") == "#000"


def test_qr_svg_is_the_same_text_every_time():
    assert qr_svg(URL, title="QR") == qr_svg(URL, title="QR")
    assert qr_svg(URL, title="QR") != qr_svg(URL + "x", title="QR")
