"""QR codes as PNG files: the right content, small, sharp and the same on every build."""

from __future__ import annotations

import io

import pytest
import segno
from PIL import Image

from sitegen.qr import MASK, QUIET_ZONE, SCALE, qr_png

URL = "https://badges.example.org/awards/2024-03-ind-8vh6r930/"


def test_qr_png_draws_exactly_the_modules_of_the_url_at_level_m():
    expected = segno.make(URL, error="m", boost_error=False, micro=False, mask=MASK)
    assert expected.error == "M"
    image = Image.open(io.BytesIO(qr_png(URL)))
    assert image.mode == "1"  # black and white only
    side = len(expected.matrix) + 2 * QUIET_ZONE
    assert image.size == (side * SCALE, side * SCALE)
    pixels = image.load()
    for y in range(side):
        for x in range(side):
            inside = QUIET_ZONE <= x < side - QUIET_ZONE and QUIET_ZONE <= y < side - QUIET_ZONE
            dark = inside and bool(expected.matrix[y - QUIET_ZONE][x - QUIET_ZONE])
            block = {pixels[x * SCALE + dx, y * SCALE + dy]
                     for dx in range(SCALE) for dy in range(SCALE)}
            assert block == {0 if dark else 255}, (x, y)


def test_qr_png_decodes_to_the_url():
    zxingcpp = pytest.importorskip("zxingcpp")
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(URL))))
    assert [(r.text, r.ec_level) for r in results] == [(URL, "M")]


def test_qr_png_is_a_small_file_the_same_every_time():
    png = qr_png(URL)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) < 600, "published once per award"
    qr_png.cache_clear()
    assert qr_png(URL) == png
    assert qr_png(URL + "x") != png
