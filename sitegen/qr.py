"""QR codes as tiny black-and-white PNG files (made at build time with segno, no script)."""

from __future__ import annotations

import functools
import io

import segno
from PIL import Image

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires
# ISO/IEC 18004 lets the encoder use any of the eight data masks; scoring all eight to
# pick the "best" costs segno about 4 ms a code, most of a certificate's rendering time,
# so every code uses this one (readers decode any mask; the tests scan the codes).
MASK = 2
SCALE = 4
"""Pixels per module: a sensible size for the file alone; pages scale it without smoothing."""


@functools.lru_cache(maxsize=256)
def qr_png(url: str) -> bytes:
    """A QR code of ``url`` as a 1-bit PNG image (about 400 bytes).

    Error correction level M (15 %) survives a crease or a smudge on paper
    without making the symbol much denser. Dark modules are black on white
    whatever the theme, for scanners. Pages draw it with ``image-rendering:
    pixelated``, so that each module stays a sharp square at any size, on screen
    and in print; a bitmap of whole modules is five times smaller than the same
    code in SVG, and it is published once per award. Same input, same bytes.
    """
    code = segno.make(url, error="m", boost_error=False, micro=False, mask=MASK)
    side = len(code.matrix) + 2 * QUIET_ZONE
    margin, blank = b"\xff" * QUIET_ZONE, b"\xff" * side
    pixels = bytearray(blank * QUIET_ZONE)
    for row in code.matrix:  # segno's rows: 0 light, non-zero dark
        pixels += margin + bytes(0 if dark else 255 for dark in row) + margin
    pixels += blank * QUIET_ZONE
    # Pillow's C encoder: twice as fast as segno's own PNG writer, which is pure Python.
    image = Image.frombytes("L", (side, side), bytes(pixels)).convert("1", dither=Image.Dither.NONE)
    image = image.resize((side * SCALE, side * SCALE), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
