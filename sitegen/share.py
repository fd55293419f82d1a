"""Drawing an award's share preview image (Open Graph ``share.png``) with the theme's fonts."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from sitegen.i18n import Translator

WIDTH, HEIGHT = 1200, 630  # the 1.91:1 size LinkedIn, Facebook and X crop previews to
REGULAR_FONT = "DejaVuSans.ttf"
BOLD_FONT = "DejaVuSans-Bold.ttf"

_PAPER = (255, 255, 255)
_WASH = (244, 246, 248)
_INK = (29, 35, 48)
_MUTED = (79, 88, 104)
_ACCENT = (11, 92, 138)

_BAND = 14  # accent band along the top
_PANEL = 470  # width of the tinted panel holding the badge
_BADGE_SIDE = 380
_TEXT_LEFT, _TEXT_RIGHT = _PANEL + 60, WIDTH - 60
_TEXT_TOP = _BAND + 56
_TAGLINE_BASELINE = HEIGHT - 60
_TAGLINE_SIZE = 28
_NAME_SIZES = (66, 60, 54, 48, 44, 40, 36)
_NAME_MAX_LINES = 4
_ISSUER_SIZES = (34, 30, 27)
_ISSUER_MAX_LINES = 2
_LINE_SPACING = 1.2
_GAP = 30  # between the badge name and the issuer name
_ELLIPSIS = "…"
# Palette sizes tried in turn until the image fits the budget: 256 colours keep
# badge gradients smooth; only a photograph-like badge needs fewer.
_PALETTE_SIZES = (256, 128, 64, 32, 16)
MAX_BYTES = 60_000


@dataclass(frozen=True, slots=True, kw_only=True)
class _Block:
    """Lines of text set in one font."""

    lines: tuple[str, ...]
    font: ImageFont.FreeTypeFont
    size: int

    @property
    def height(self) -> int:
        return round(self.size * _LINE_SPACING * len(self.lines))


def share_tagline(tr: Translator) -> str:
    """The short line under the names, in the page's language."""
    return tr.gettext("Verifiable badge · Open Badges")


def render_share_image(
    *, badge_png: bytes, badge_name: str, issuer_name: str, tagline: str, fonts_dir: Path,
) -> bytes:
    """A 1200×630 PNG presenting a badge: its image, name, issuer and a tagline.

    It never shows who earned the badge. The same inputs give the same bytes:
    fixed fonts, Pillow's basic layout (no system shaping library) and no metadata.
    """
    def font(name: str, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(
            str(fonts_dir / name), size, layout_engine=ImageFont.Layout.BASIC
        )

    canvas = Image.new("RGB", (WIDTH, HEIGHT), _PAPER)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, _PANEL - 1, HEIGHT - 1), fill=_WASH)
    draw.rectangle((0, 0, WIDTH - 1, _BAND - 1), fill=_ACCENT)
    _paste_badge(canvas, badge_png)

    width = _TEXT_RIGHT - _TEXT_LEFT
    tagline_font = font(REGULAR_FONT, _TAGLINE_SIZE)
    tagline_line = _truncate(_clean(tagline), tagline_font, width)
    room = _TAGLINE_BASELINE - _TAGLINE_SIZE * 2 - _TEXT_TOP
    issuer = _fit(_clean(issuer_name), [font(REGULAR_FONT, s) for s in _ISSUER_SIZES],
                  width, _ISSUER_MAX_LINES, room // 3)
    name = _fit(_clean(badge_name), [font(BOLD_FONT, s) for s in _NAME_SIZES],
                width, _NAME_MAX_LINES, room - issuer.height - _GAP)

    # The two names are centred as a group in the space above the tagline.
    top = _TEXT_TOP + max(0, (room - name.height - _GAP - issuer.height) // 2)
    top = _draw_block(draw, name, top, _INK)
    _draw_block(draw, issuer, top + _GAP, _MUTED)
    draw.text((_TEXT_LEFT, _TAGLINE_BASELINE), tagline_line, font=tagline_font,
              fill=_ACCENT, anchor="ls")
    return _encode(canvas)


def _paste_badge(canvas: Image.Image, badge_png: bytes) -> None:
    with Image.open(io.BytesIO(badge_png)) as source:
        badge = source.convert("RGBA")
    if badge.size != (_BADGE_SIDE, _BADGE_SIDE):
        badge = badge.resize((_BADGE_SIDE, _BADGE_SIDE), Image.Resampling.LANCZOS)
    left = (_PANEL - _BADGE_SIDE) // 2
    top = _BAND + (HEIGHT - _BAND - _BADGE_SIDE) // 2
    canvas.paste(badge, (left, top), badge)


def _clean(text: str) -> str:
    """One line of text: line breaks and runs of spaces become one space."""
    flat = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return " ".join(w for w in flat.split(" ") if w)


def _fit(
    text: str, fonts: list[ImageFont.FreeTypeFont], width: int, max_lines: int, height: int
) -> _Block:
    """The largest font whose wrapped lines fit, cutting no word if any size can.

    When none fits, the smallest font is used and the text cut with an ellipsis.
    """
    for may_cut_words in (False, True):
        for candidate in fonts:
            lines = _wrap(text, candidate, width)
            block = _Block(lines=tuple(lines), font=candidate, size=int(candidate.size))
            cuts = any(candidate.getlength(p) > width for p, _ in _pieces(text))
            if (may_cut_words or not cuts) and len(lines) <= max_lines \
                    and block.height <= height:
                return block
    smallest = fonts[-1]
    size = int(smallest.size)
    fitting = max(1, min(max_lines, int(height // (size * _LINE_SPACING))))
    lines = _wrap(text, smallest, width)
    if len(lines) > fitting:
        last = _truncate(lines[fitting - 1], smallest, width, force=True)
        lines = [*lines[: fitting - 1], last]
    return _Block(lines=tuple(lines), font=smallest, size=size)


def _pieces(text: str) -> list[tuple[str, bool]]:
    """Units that may not be split, each with whether a space precedes it.

    Lines break at ordinary spaces and after hyphens (Bourgogne-Franche-Comté);
    no-break spaces, which French puts before « : » and inside « », hold.
    """
    pieces: list[tuple[str, bool]] = []
    for word in (w for w in text.split(" ") if w):
        parts = re.split(r"(?<=-)(?=.)", word)
        pieces.extend((part, index == 0) for index, part in enumerate(parts))
    return pieces


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy line breaking; a piece wider than the line is cut where it must be."""
    lines: list[str] = []
    line = ""
    for piece, spaced in _pieces(text):
        candidate = line + (" " if spaced and line else "") + piece
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while font.getlength(piece) > width:
            cut = _longest_prefix(piece, font, width)
            lines.append(piece[:cut])
            piece = piece[cut:]
        line = piece
    if line:
        lines.append(line)
    return lines or [""]


def _longest_prefix(word: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    cut = 1
    while cut < len(word) and font.getlength(word[: cut + 1]) <= width:
        cut += 1
    return cut


def _truncate(
    text: str, font: ImageFont.FreeTypeFont, width: int, *, force: bool = False
) -> str:
    """``text`` if it fits on one line, else its longest start that fits, with an ellipsis."""
    if not force and font.getlength(text) <= width:
        return text
    cut = len(text)
    while cut > 0 and font.getlength(text[:cut].rstrip() + _ELLIPSIS) > width:
        cut -= 1
    space = text.rfind(" ", 0, cut)
    if text[cut:cut + 1] not in ("", " ") and space > cut // 2:
        cut = space  # end on a whole word when that loses little
    return text[:cut].rstrip() + _ELLIPSIS


def _draw_block(
    draw: ImageDraw.ImageDraw, block: _Block, top: int, colour: tuple[int, int, int]
) -> int:
    """Draw the lines from ``top``; return the y just below the block."""
    step = block.size * _LINE_SPACING
    ascent, descent = block.font.getmetrics()
    offset = (step - ascent - descent) / 2 + ascent  # glyphs centred in their line
    for number, line in enumerate(block.lines):
        baseline = round(top + number * step + offset)
        draw.text((_TEXT_LEFT, baseline), line, font=block.font, fill=colour, anchor="ls")
    return top + block.height


def _encode(canvas: Image.Image) -> bytes:
    """A palette PNG within :data:`MAX_BYTES` when possible, with no metadata at all."""
    data = b""
    for colors in _PALETTE_SIZES:
        palette = canvas.quantize(
            colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        buffer = io.BytesIO()
        palette.save(buffer, format="PNG", optimize=True)
        data = buffer.getvalue()
        if len(data) <= MAX_BYTES:
            break
    return data
