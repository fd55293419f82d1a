"""QR codes as inline, accessible SVG (made at build time with segno, no script on the page)."""

from __future__ import annotations

import html

import segno

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires


def qr_svg(url: str, *, title: str) -> str:
    """An ``<svg>`` element drawing a QR code of ``url``, for pasting into HTML.

    Error correction level M (15 %) survives a crease or a smudge on paper
    without making the symbol much denser. Dark modules are black on white
    whatever the theme, for scanners; the drawing scales with its viewBox, and
    ``title`` is what screen readers announce. Same input, same text.
    """
    code = segno.make(url, error="m", boost_error=False, micro=False)
    side = code.symbol_size(border=QUIET_ZONE)[0]
    runs = []
    for y, row in enumerate(code.matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            length = x - start
            runs.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{length}v1h-{length}z")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" role="img" '
        f'class="qr" shape-rendering="crispEdges">'
        f"<title>{html.escape(title, quote=False)}</title>"
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
