"""Badge baking: where each Open Badges version stores its payload in PNG and SVG."""

from __future__ import annotations

from dataclasses import dataclass


class BakeError(ValueError):
    """An image cannot be baked or read; the message is meant for the user."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BakeSpec:
    """Where one Open Badges version puts its payload inside an image."""

    png_keyword: str
    """Keyword of the PNG ``iTXt`` chunk (Latin-1, 1 to 79 bytes)."""
    svg_element: str
    """Local name of the SVG element; it is always written as ``openbadges:<name>``."""
    svg_namespace: str
    """Namespace URI bound to the ``openbadges`` prefix for that element."""


OB2 = BakeSpec(
    png_keyword="openbadges",
    svg_element="assertion",
    svg_namespace="http://openbadges.org",
)
"""Open Badges 2.0 (Baking 1.0): hosted Assertion JSON or compact JWS."""

OB3 = BakeSpec(
    png_keyword="openbadgecredential",
    svg_element="credential",
    svg_namespace="https://purl.imsglobal.org/ob/v3p0",
)
"""Open Badges 3.0: OpenBadgeCredential JSON or VC-JWT."""

# The bakers import BakeError and BakeSpec from this module, so they are
# imported only once both names exist.
from sitegen.bake.png import bake_png, unbake_png  # noqa: E402
from sitegen.bake.svg import bake_svg, unbake_svg  # noqa: E402

__all__ = [
    "OB2",
    "OB3",
    "BakeError",
    "BakeSpec",
    "bake_png",
    "bake_svg",
    "unbake_png",
    "unbake_svg",
]
