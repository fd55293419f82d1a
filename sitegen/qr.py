"""QR codes as tiny black-and-white PNG files (made at build time with zxing-cpp, no script)."""

from __future__ import annotations

import functools
import struct
import zlib
from typing import cast

import zxingcpp
from PIL import Image

from sitegen.bake.png import PNG_SIGNATURE, encode_chunk

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires
SCALE = 4
"""Pixels per module: a sensible size for the file alone; pages scale it without smoothing."""


@functools.lru_cache(maxsize=256)
def qr_png(url: str) -> bytes:
    """A QR code of ``url`` as a 1-bit PNG image (about 500 bytes).

    Error correction level M (15 %) survives a crease or a smudge on paper
    without making the symbol much denser. Dark modules are black on white
    whatever the theme, for scanners. Pages draw it with ``image-rendering:
    pixelated``, so that each module stays a sharp square at any size, on screen
    and in print; a bitmap of whole modules is five times smaller than the same
    code in SVG, and it is published once per award. Same input, same bytes.

    zxing-cpp (C++) encodes a code in about 0.25 ms, segno (pure Python) in 0.6 to
    1 ms with its mask fixed: at one code an award, that was a tenth of a build.
    """
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = code.to_image(scale=1, add_quiet_zones=False)  # 0 dark, 255 light
    side = modules.shape[0]
    pixels = bytes(cast(memoryview, modules))  # zxing's images are buffers (no stub says so)
    framed = Image.new("L", (side + 2 * QUIET_ZONE,) * 2, 255)
    framed.paste(Image.frombytes("L", (side, side), pixels),
                 (QUIET_ZONE, QUIET_ZONE))
    image = framed.resize((framed.width * SCALE,) * 2, Image.Resampling.NEAREST)
    return one_bit_png(image.convert("1", dither=Image.Dither.NONE))


def one_bit_png(image: Image.Image) -> bytes:
    """A black-and-white image as the smallest plain PNG: one IDAT, no filter, no metadata.

    Pillow's PNG writer took more than half of a code's 0.9 ms for this 400-byte
    file, most of it in its general machinery; a 1-bit grayscale PNG is a few fixed
    fields and zlib (PNG specification, sections 11.2 and 10).
    """
    width, height = image.size
    stride = (width + 7) // 8
    packed = image.tobytes()  # rows of 1-bit pixels, first pixel in the high bit, 1 white
    scanlines = b"".join(
        b"\x00" + packed[row * stride:(row + 1) * stride] for row in range(height)
    )  # filter type 0 (None) before each row: the rows compress well as they are
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # depth 1, grayscale
    return b"".join((
        PNG_SIGNATURE,
        encode_chunk(b"IHDR", header),
        encode_chunk(b"IDAT", zlib.compress(scanlines, 9)),
        encode_chunk(b"IEND", b""),
    ))
