"""QR codes of award pages as small SVG files (ISO/IEC 18004 byte mode, level M, one mask)."""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from operator import itemgetter

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires
# ISO/IEC 18004 lets the encoder use any of the eight data masks; scoring all eight to
# pick the "best" costs several times the encoding itself, so every code uses this one
# (readers decode any mask; the tests scan the codes).
MASK = 2

# Level M (15 % of the symbol can be lost) per version 1-40: error correction codewords
# per block, and the (number of blocks, data codewords per block) groups (Table 9).
_LEVEL_M: tuple[tuple[int, tuple[tuple[int, int], ...]], ...] = (
    (10, ((1, 16),)), (16, ((1, 28),)), (26, ((1, 44),)), (18, ((2, 32),)),
    (24, ((2, 43),)), (16, ((4, 27),)), (18, ((4, 31),)), (22, ((2, 38), (2, 39))),
    (22, ((3, 36), (2, 37))), (26, ((4, 43), (1, 44))), (30, ((1, 50), (4, 51))),
    (22, ((6, 36), (2, 37))), (22, ((8, 37), (1, 38))), (24, ((4, 40), (5, 41))),
    (24, ((5, 41), (5, 42))), (28, ((7, 45), (3, 46))), (28, ((10, 46), (1, 47))),
    (26, ((9, 43), (4, 44))), (26, ((3, 44), (11, 45))), (26, ((3, 41), (13, 42))),
    (26, ((17, 42),)), (28, ((17, 46),)), (28, ((4, 47), (14, 48))),
    (28, ((6, 45), (14, 46))), (28, ((8, 47), (13, 48))), (28, ((19, 46), (4, 47))),
    (28, ((22, 45), (3, 46))), (28, ((3, 45), (23, 46))), (28, ((21, 45), (7, 46))),
    (28, ((19, 47), (10, 48))), (28, ((2, 46), (29, 47))), (28, ((10, 46), (23, 47))),
    (28, ((14, 46), (21, 47))), (28, ((14, 46), (23, 47))), (28, ((12, 47), (26, 48))),
    (28, ((6, 47), (34, 48))), (28, ((29, 46), (14, 47))), (28, ((13, 46), (32, 47))),
    (28, ((40, 47), (7, 48))), (28, ((18, 47), (31, 48))),
)
_DARK_RUN = re.compile("1+")


class QrTooLong(ValueError):
    """The text does not fit in the largest QR code (version 40) at level M."""


def qr_svg(url: str, *, title: str) -> str:
    """A standalone SVG document drawing a QR code of ``url``.

    Error correction level M (15 %) survives a crease or a smudge on paper
    without making the symbol much denser. Dark modules are black on white
    whatever the theme, for scanners; the drawing scales with its viewBox. Each
    row of dark modules is one run of horizontal strokes, which keeps the file
    small (it is published once per award, shared by its certificate in every
    language). Same input, same text.
    """
    side, path = _qr_path(url)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" role="img" '
        f'shape-rendering="crispEdges"><title>{html.escape(title, quote=False)}</title>'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path stroke="#000" d="{path}"/></svg>\n'
    )


@functools.lru_cache(maxsize=256)
def _qr_path(url: str) -> tuple[int, str]:
    """The symbol's side (modules, quiet zone included) and the path drawing its modules.

    Each run of dark modules is a stroke one module wide along the middle of its
    row: ``M x y.5 h length`` for a row's first run, then ``m gap 0 h length``.
    """
    rows = qr_rows(url)
    size = len(rows)
    parts = []
    for y, row in enumerate(rows):
        end = None
        for run in _DARK_RUN.finditer(row):
            start, stop = run.span()
            if end is None:
                parts.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}.5h{stop - start}")
            else:
                parts.append(f"m{start - end} 0h{stop - start}")
            end = stop
    return size + 2 * QUIET_ZONE, "".join(parts)


def qr_rows(text: str) -> list[str]:
    """The modules of the QR code of ``text``, row by row, ``"1"`` for dark (no quiet zone).

    Byte mode (ISO-8859-1 when the text allows it, as readers assume by default,
    else UTF-8), error correction level M, the smallest version that holds it, mask
    :data:`MASK`.
    """
    try:
        data = text.encode("iso-8859-1")
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    version = _smallest_version(len(data))
    layout = _layout(version)
    ec_length, groups = _LEVEL_M[version - 1]
    capacity = sum(count * length for count, length in groups)
    # 7.4: mode indicator, character count, the bytes, then a terminator of up to four
    # zero bits, zeros to the next byte and alternating pad codewords.
    bits = "0100" + format(len(data), "08b" if version < 10 else "016b")
    bits += "".join(_BYTE_BITS[byte] for byte in data)
    bits += "0" * min(4, capacity * 8 - len(bits))
    bits += "0" * (-len(bits) % 8)
    codewords = int(bits, 2).to_bytes(len(bits) // 8, "big")
    pad = capacity - len(codewords)
    codewords += (b"\xec\x11" * (pad // 2 + 1))[:pad]
    # 7.5-7.6: blocks, each with its Reed-Solomon codewords, interleaved.
    blocks, start = [], 0
    for count, length in groups:
        for _ in range(count):
            blocks.append(codewords[start:start + length])
            start += length
    corrections = [_reed_solomon(block, ec_length) for block in blocks]
    longest = max(len(block) for block in blocks)
    message = bytearray()
    for index in range(longest):
        message.extend(block[index] for block in blocks if index < len(block))
    for index in range(ec_length):
        message.extend(correction[index] for correction in corrections)
    # 7.7-7.8: bits placed in the data modules' order (remainder bits zero), masked.
    masked = int.from_bytes(message, "big") << (layout.data_modules - 8 * len(message))
    masked ^= layout.mask_bits
    source = format(masked, f"0{layout.data_modules}b") + "01"
    cells = "".join(layout.arrange(source))
    return [cells[row * layout.size:(row + 1) * layout.size] for row in range(layout.size)]


def _smallest_version(length: int) -> int:
    for version in range(1, 41):
        groups = _LEVEL_M[version - 1][1]
        capacity = sum(count * size for count, size in groups)
        if 4 + (8 if version < 10 else 16) + 8 * length <= capacity * 8:
            return version
    raise QrTooLong(f"{length} bytes do not fit in a QR code at level M")


_BYTE_BITS = tuple(format(byte, "08b") for byte in range(256))


# Reed-Solomon codes over GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
def _field_tables() -> tuple[list[int], list[int]]:
    exp, log = [0] * 512, [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    for power in range(255, 512):
        exp[power] = exp[power - 255]
    return exp, log


_EXP, _LOG = _field_tables()


@functools.cache
def _remainder_table(degree: int) -> tuple[int, ...]:
    """For each byte, the generator polynomial times it, as one integer of ``degree`` bytes.

    Dividing by the generator then costs a shift and an XOR per data codeword.
    """
    generator = [1]  # coefficients, highest power first: product of (x - 2^i)
    for root in range(degree):
        product = [0] * (len(generator) + 1)
        for index, coefficient in enumerate(generator):
            product[index] ^= coefficient
            if coefficient:
                product[index + 1] ^= _EXP[_LOG[coefficient] + root]
        generator = product
    table = []
    for factor in range(256):
        terms = generator[1:]
        table.append(int.from_bytes(bytes(
            _EXP[_LOG[factor] + _LOG[term]] if factor and term else 0 for term in terms
        ), "big"))
    return tuple(table)


def _reed_solomon(block: bytes, degree: int) -> bytes:
    """The error correction codewords of one block (the remainder of its division)."""
    table = _remainder_table(degree)
    shift = 8 * (degree - 1)
    full = (1 << (8 * degree)) - 1
    remainder = 0
    for byte in block:
        factor = byte ^ (remainder >> shift)
        remainder = ((remainder << 8) & full) ^ table[factor]
    return remainder.to_bytes(degree, "big")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Layout:
    """Where everything goes in a symbol of one version, worked out once per version."""

    size: int
    data_modules: int
    """How many modules hold codeword (and remainder) bits."""
    mask_bits: int
    """:data:`MASK` over the data modules, in placement order (first module highest)."""
    arrange: itemgetter[str]
    """Takes the masked bits followed by ``"01"`` to the cells, row by row."""


@functools.cache
def _layout(version: int) -> _Layout:
    size = 17 + 4 * version
    grid: list[list[int | None]] = [[None] * size for _ in range(size)]

    def put(row: int, col: int, dark: int) -> None:
        grid[row][col] = dark

    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):  # 6.3.3 finders, separators
        for dy in range(-1, 8):
            for dx in range(-1, 8):
                row, col = top + dy, left + dx
                if 0 <= row < size and 0 <= col < size:
                    ring = max(abs(dy - 3), abs(dx - 3))
                    put(row, col, int(ring in (0, 1, 3)))
    for index in range(8, size - 8):  # 6.3.5 timing patterns
        put(6, index, int(index % 2 == 0))
        put(index, 6, int(index % 2 == 0))
    centres = _alignment_centres(version)  # 6.3.6 alignment patterns
    for cy in centres:
        for cx in centres:
            if grid[cy][cx] is not None:  # the three that would cover a finder
                continue
            for dy in range(-2, 3):
                for dx in range(-2, 3):
                    put(cy + dy, cx + dx, int(max(abs(dy), abs(dx)) != 1))
    for row, col, dark in _format_modules(size):  # 7.9 format, 7.10 version information
        put(row, col, dark)
    if version >= 7:
        for row, col, dark in _version_modules(version, size):
            put(row, col, dark)

    order = []  # 7.7.3: two-module columns, right to left, alternately up and down
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1  # the vertical timing pattern is skipped whole
        upwards = (right + 1) & 2 == 0 if right < 6 else (right & 2) == 0
        for step in range(size):
            row = size - 1 - step if upwards else step
            for col in (right, right - 1):
                if grid[row][col] is None:
                    order.append((row, col))
    mask = 0
    for row, col in order:
        mask = (mask << 1) | (col % 3 == 0)  # mask 2 (Table 10): column a multiple of 3
    position = {cell: index for index, cell in enumerate(order)}
    light, dark = len(order), len(order) + 1
    indexes = []
    for row in range(size):
        for col in range(size):
            value = grid[row][col]
            indexes.append(position[row, col] if value is None else (dark if value else light))
    return _Layout(
        size=size, data_modules=len(order), mask_bits=mask, arrange=itemgetter(*indexes),
    )


def _alignment_centres(version: int) -> list[int]:
    """Rows (and columns) of the alignment patterns' centres (Annex E)."""
    if version == 1:
        return []
    count = version // 7 + 2
    size = 17 + 4 * version
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    return [6] + sorted(size - 7 - index * step for index in range(count - 1))


def _bch(value: int, generator: int, degree: int) -> int:
    """``value`` followed by its BCH check bits."""
    remainder = value << degree
    for bit in range(remainder.bit_length() - 1, degree - 1, -1):
        if remainder >> bit & 1:
            remainder ^= generator << (bit - degree)
    return (value << degree) | remainder


def _format_modules(size: int) -> list[tuple[int, int, int]]:
    """The format information of level M with :data:`MASK`, both copies, and the dark module."""
    bits = _bch(MASK, 0x537, 10) ^ 0x5412  # level M is 00, then the mask's three bits
    bit = [bits >> index & 1 for index in range(15)]
    cells = [(index, 8, bit[index]) for index in range(6)]
    cells += [(7, 8, bit[6]), (8, 8, bit[7]), (8, 7, bit[8])]
    cells += [(8, 14 - index, bit[index]) for index in range(9, 15)]
    cells += [(8, size - 1 - index, bit[index]) for index in range(8)]
    cells += [(size - 15 + index, 8, bit[index]) for index in range(8, 15)]
    return [*cells, (size - 8, 8, 1)]


def _version_modules(version: int, size: int) -> list[tuple[int, int, int]]:
    """The version information (versions 7 and up), both copies."""
    bits = _bch(version, 0x1F25, 12)
    cells = []
    for index in range(18):
        near, far = index // 3, size - 11 + index % 3
        cells += [(near, far, bits >> index & 1), (far, near, bits >> index & 1)]
    return cells
