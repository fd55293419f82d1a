"""QR codes as PNG files: the right content, small, sharp and the same on every build."""

from __future__ import annotations

import io
from random import Random

import pytest
from PIL import Image

from sitegen.qr import QUIET_ZONE, SCALE, one_bit_png, qr_png

URL = "https://badges.example.org/awards/2024-03-ind-8vh6r930/"


FINDER = ["1111111", "1000001", "1011101", "1011101", "1011101", "1000001", "1111111"]


def _modules(png: bytes) -> list[str]:
    """The image as rows of modules ("1" dark), checking that each module is one solid
    SCALE × SCALE block of black or white."""
    image = Image.open(io.BytesIO(png))
    assert image.mode == "1"  # black and white only
    assert image.width == image.height and image.width % SCALE == 0
    pixels = image.load()
    rows = []
    for y in range(image.height // SCALE):
        row = ""
        for x in range(image.width // SCALE):
            block = {pixels[x * SCALE + dx, y * SCALE + dy]
                     for dx in range(SCALE) for dy in range(SCALE)}
            assert block in ({0}, {255}), (x, y)
            row += "1" if block == {0} else "0"
        rows.append(row)
    return rows


def test_qr_png_is_a_whole_symbol_of_sharp_modules_in_a_quiet_zone():
    rows = _modules(qr_png(URL))
    side = len(rows) - 2 * QUIET_ZONE
    assert (side - 17) % 4 == 0 and 1 <= (side - 17) // 4 <= 40  # a QR version's size
    for index, row in enumerate(rows):
        if index < QUIET_ZONE or index >= QUIET_ZONE + side:
            assert set(row) == {"0"}
        else:
            assert set(row[:QUIET_ZONE] + row[-QUIET_ZONE:]) == {"0"}
    symbol = [row[QUIET_ZONE:-QUIET_ZONE] for row in rows[QUIET_ZONE:-QUIET_ZONE]]
    for top, left in ((0, 0), (0, side - 7), (side - 7, 0)):  # the three finder patterns
        assert [row[left:left + 7] for row in symbol[top:top + 7]] == FINDER
    timing = "".join(symbol[6][8:side - 8])
    assert timing == ("10" * side)[:len(timing)]  # the timing pattern alternates


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


@pytest.mark.parametrize("width, height", [(1, 1), (7, 3), (8, 8), (45 * SCALE, 45 * SCALE), (13, 29)])
def test_the_png_writer_gives_back_every_pixel(width, height):
    """The hand-made PNG decodes, by Pillow, to exactly the image it was made from,
    including rows whose width is not a whole number of bytes."""
    random = Random(width * 1000 + height)
    image = Image.new("1", (width, height))
    image.putdata([random.choice((0, 255)) for _ in range(width * height)])
    decoded = Image.open(io.BytesIO(one_bit_png(image)))
    assert decoded.mode == "1" and decoded.size == (width, height)
    assert decoded.tobytes() == image.tobytes()
