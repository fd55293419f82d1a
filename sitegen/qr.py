"""QR codes as small SVG files (made at build time with segno, no script on the page)."""

from __future__ import annotations

import functools
import html
import re

import segno

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires
# ISO/IEC 18004 lets the encoder use any of the eight data masks; scoring all eight to
# pick the "best" costs segno about 4 ms a code, most of a certificate's rendering time,
# so every code uses this one (readers decode any mask; the tests scan the codes).
MASK = 2
_DARK_RUN = re.compile(rb"[^\x00]+")  # segno's matrix rows: 0 light, non-zero dark


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
    code = segno.make(url, error="m", boost_error=False, micro=False, mask=MASK)
    side = int(code.symbol_size(border=QUIET_ZONE)[0])
    parts = []
    for y, row in enumerate(code.matrix):
        end = None
        for run in _DARK_RUN.finditer(bytes(row)):
            start, stop = run.span()
            if end is None:
                parts.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}.5h{stop - start}")
            else:
                parts.append(f"m{start - end} 0h{stop - start}")
            end = stop
    return side, "".join(parts)
