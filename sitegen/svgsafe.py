"""Sanitize untrusted issuer SVG images down to an allow-list of drawing markup."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import defusedxml.common
import defusedxml.ElementTree

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"

_FILTER_PRIMITIVES = frozenset(
    {
        "feBlend",
        "feColorMatrix",
        "feComponentTransfer",
        "feComposite",
        "feConvolveMatrix",
        "feDiffuseLighting",
        "feDisplacementMap",
        "feDistantLight",
        "feDropShadow",
        "feFlood",
        "feFuncA",
        "feFuncB",
        "feFuncG",
        "feFuncR",
        "feGaussianBlur",
        "feImage",
        "feMerge",
        "feMergeNode",
        "feMorphology",
        "feOffset",
        "fePointLight",
        "feSpecularLighting",
        "feSpotLight",
        "feTile",
        "feTurbulence",
    }
)
_DRAWING_ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "defs",
        "symbol",
        "use",
        "switch",
        "marker",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "textPath",
        "linearGradient",
        "radialGradient",
        "stop",
        "clipPath",
        "mask",
        "pattern",
        "filter",
        "title",
        "desc",
        "metadata",
        "style",
        "image",
    }
)
ALLOWED_ELEMENTS = _DRAWING_ELEMENTS | _FILTER_PRIMITIVES
"""SVG elements kept by :func:`sanitize_svg`; everything else is dropped."""
TEXT_ELEMENTS = frozenset({"text", "tspan", "textPath"})

# A link cannot be followed from a badge image, but its content is drawing.
_UNWRAPPED_ELEMENTS = frozenset({"a"})
_KEPT_XML_ATTRIBUTES = frozenset({"space", "lang"})
_KNOWN_PREFIXES = {
    SVG_NAMESPACE: "svg",
    XLINK_NAMESPACE: "xlink",
    XML_NAMESPACE: "xml",
    "http://www.w3.org/1999/xhtml": "html",
    "http://www.inkscape.org/namespaces/inkscape": "inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd": "sodipodi",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://creativecommons.org/ns#": "cc",
    "http://openbadges.org": "openbadges",
    "https://purl.imsglobal.org/ob/v3p0": "openbadges",
}
_EMBEDDED_IMAGE = re.compile(
    r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE
)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_URL_FUNCTION = re.compile(r"url\(\s*(?:\"([^\"]*)\"|'([^']*)'|([^)]*))", re.IGNORECASE)
# CSS that fetches, runs code or could hide either behind an escape sequence.
_CSS_FORBIDDEN = (
    ("\\", "CSS escape sequence"),
    ("@import", "@import rule"),
    ("expression", "expression()"),
    ("javascript:", "javascript: URL"),
    ("-moz-binding", "-moz-binding"),
    ("behavior", "behavior property"),
    ("image-set", "image-set()"),
)
_LENGTH = re.compile(r"\s*([+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(px)?\s*")
_VIEWBOX_SEPARATOR = re.compile(r"[\s,]+")
_MAX_DEPTH = 256
_NOTE_VALUE_LIMIT = 80


class SvgError(ValueError):
    """The SVG cannot be used: not XML, not SVG, a DTD, or no usable size."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SanitizedSvg:
    """A sanitized SVG, its intrinsic size and what was stripped from it."""

    data: bytes
    """The safe SVG, UTF-8, serialized deterministically."""
    width: float
    """Intrinsic width in px, from ``width`` or the ``viewBox``."""
    height: float
    """Intrinsic height in px, from ``height`` or the ``viewBox``."""
    removed: tuple[str, ...]
    """Human-readable notes of what was stripped, in document order."""
    has_text: bool
    """True if text elements remain; their PNG rendering depends on fonts."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Element:
    """A sanitized SVG element: local name, attributes and mixed content."""

    name: str
    attributes: tuple[tuple[str, str], ...]
    """Keys are plain names or ``{namespace}name`` for xlink and xml."""
    children: tuple[_Element | str, ...]


@dataclass(slots=True)
class _RawElement:
    """An element as parsed, before sanitizing."""

    tag: str
    attributes: dict[str, str]
    children: list[_RawElement | str] = field(default_factory=list)


class _TreeBuilder:
    """Parser target building raw elements; comments are not kept."""

    def __init__(self) -> None:
        self._stack: list[_RawElement] = []
        self.root: _RawElement | None = None
        self.instructions: list[str] = []

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        element = _RawElement(tag=tag, attributes=dict(attributes))
        if self._stack:
            self._stack[-1].children.append(element)
        else:
            self.root = element
        self._stack.append(element)
        if len(self._stack) > _MAX_DEPTH:
            raise SvgError(f"the SVG nests elements more than {_MAX_DEPTH} deep")

    def end(self, _tag: str) -> None:
        self._stack.pop()

    def data(self, text: str) -> None:
        if self._stack:
            self._stack[-1].children.append(text)

    def pi(self, target: str, _data: str | None) -> None:
        self.instructions.append(target)

    def close(self) -> _RawElement | None:
        return self.root


def sanitize_svg(data: bytes, *, max_bytes: int = 2_000_000) -> SanitizedSvg:
    """Keep only allow-listed drawing markup from an untrusted SVG.

    Scripts, event handlers, links, foreign content, animations and every
    reference outside the document are dropped (embedded PNG, JPEG, GIF and
    WebP images excepted); each removal is described in ``removed``.

    Raises:
        SvgError: the data is too large, not well-formed XML, not SVG, has a
            DTD or entity declarations, or has no usable size.
    """
    if len(data) > max_bytes:
        raise SvgError(f"the SVG is {len(data)} bytes, more than the {max_bytes} allowed")
    raw = _parse(data)
    notes = [f"<?{target}?> processing instruction" for target in raw.instructions]
    root = raw.root
    if root is None:  # pragma: no cover - the parser raises first
        raise SvgError("the SVG has no root element")
    # An SVG written without xmlns still means SVG; browsers need the
    # namespace, which the serializer adds.
    default_namespace = SVG_NAMESPACE if root.tag == "svg" else None
    if _split_name(root.tag, default_namespace) != (SVG_NAMESPACE, "svg"):
        raise SvgError(f"the root element is <{_display_name(root.tag)}>, not <svg>")
    cleaned = _clean_element(root, default_namespace, notes)
    if len(cleaned) != 1 or not isinstance(cleaned[0], _Element):  # pragma: no cover
        raise SvgError("the root <svg> element was removed")
    svg = cleaned[0]
    width, height = _intrinsic_size(dict(svg.attributes))
    return SanitizedSvg(
        data=_serialize(svg),
        width=width,
        height=height,
        removed=tuple(dict.fromkeys(notes)),
        has_text=_has_text(svg),
    )


def _parse(data: bytes) -> _TreeBuilder:
    target = _TreeBuilder()
    parser = defusedxml.ElementTree.XMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        parser.close()
    except defusedxml.common.DTDForbidden:
        raise SvgError(
            "the SVG has a <!DOCTYPE> declaration, which is refused because DTDs "
            "allow entity attacks (XXE, billion laughs); remove the <!DOCTYPE> block"
        ) from None
    except defusedxml.common.EntitiesForbidden:
        raise SvgError("the SVG declares XML entities, which are refused") from None
    except defusedxml.common.ExternalReferenceForbidden:
        raise SvgError("the SVG refers to external entities, which are refused") from None
    except SyntaxError as error:  # ElementTree's ParseError
        raise SvgError(f"the SVG is not well-formed XML: {error}") from None
    return target


def _split_name(tag: str, default_namespace: str | None) -> tuple[str | None, str]:
    """``{namespace}name`` as a pair; no namespace means ``default_namespace``."""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return default_namespace, tag


def _display_name(tag: str) -> str:
    namespace, name = _split_name(tag, None)
    if namespace is None or namespace == SVG_NAMESPACE:
        return name
    prefix = _KNOWN_PREFIXES.get(namespace)
    return f"{prefix}:{name}" if prefix else f"{{{namespace}}}{name}"


def _shorten(value: str) -> str:
    value = value.strip()
    if len(value) <= _NOTE_VALUE_LIMIT:
        return value
    return value[: _NOTE_VALUE_LIMIT - 1] + "…"


def _clean_element(
    raw: _RawElement, default_namespace: str | None, notes: list[str]
) -> list[_Element | str]:
    """The sanitized replacement for ``raw``: itself, its content, or nothing."""
    namespace, name = _split_name(raw.tag, default_namespace)
    if namespace != SVG_NAMESPACE:
        notes.append(f"<{_display_name(raw.tag)}> element (not SVG)")
        return []
    if name in _UNWRAPPED_ELEMENTS:
        links = [value for key, value in raw.attributes.items() if _is_href(key)]
        target = f" to '{_shorten(links[0])}'" if links else ""
        notes.append(f"<{name}> link{target} (its content is kept)")
        return _clean_children(raw.children, default_namespace, notes)
    if name not in ALLOWED_ELEMENTS:
        notes.append(f"<{name}> element")
        return []
    if name == "image":
        unsafe = _unsafe_image_reference(raw.attributes)
        if unsafe is not None:
            notes.append(f"<image> element: {unsafe}")
            return []
    attributes = _clean_attributes(name, raw.attributes, notes)
    if name == "use" and not any(_is_href(key) for key, _ in attributes):
        notes.append("<use> element without an internal #id reference")
        return []
    if name == "style":
        return _clean_style(attributes, raw.children, notes)
    if name == "metadata":
        if any(isinstance(child, _RawElement) or child.strip() for child in raw.children):
            notes.append("contents of <metadata>")
        return [_Element(name=name, attributes=attributes, children=())]
    children = _clean_children(raw.children, default_namespace, notes)
    return [_Element(name=name, attributes=attributes, children=tuple(children))]


def _clean_children(
    children: list[_RawElement | str], default_namespace: str | None, notes: list[str]
) -> list[_Element | str]:
    cleaned: list[_Element | str] = []
    for child in children:
        if isinstance(child, str):
            cleaned.append(child)
        else:
            cleaned += _clean_element(child, default_namespace, notes)
    return cleaned


def _clean_style(
    attributes: tuple[tuple[str, str], ...],
    children: list[_RawElement | str],
    notes: list[str],
) -> list[_Element | str]:
    css = "".join(child for child in children if isinstance(child, str))
    if any(isinstance(child, _RawElement) for child in children):
        notes.append("markup inside <style>")
    style_type = dict(attributes).get("type", "text/css").strip().lower()
    if style_type not in ("text/css", ""):
        notes.append(f"<style> element of type '{_shorten(style_type)}'")
        return []
    unsafe = _unsafe_css(css)
    if unsafe is not None:
        notes.append(f"<style> element ({unsafe})")
        return []
    return [_Element(name="style", attributes=attributes, children=(css,) if css else ())]


def _clean_attributes(
    element: str, attributes: dict[str, str], notes: list[str]
) -> tuple[tuple[str, str], ...]:
    kept: list[tuple[str, str]] = []
    for key, value in attributes.items():
        namespace, name = _split_name(key, None)
        reason = _attribute_problem(element, namespace, name, value)
        if reason is None:
            kept.append((key, value))
        else:
            notes.append(reason)
    return tuple(kept)


def _attribute_problem(element: str, namespace: str | None, name: str, value: str) -> str | None:
    """Why an attribute must go, as a note; None to keep it."""
    shown = f"{_KNOWN_PREFIXES.get(namespace or '', '')}:{name}".lstrip(":")
    if namespace == XML_NAMESPACE and name in _KEPT_XML_ATTRIBUTES:
        return None
    if namespace not in (None, XLINK_NAMESPACE) or (
        namespace == XLINK_NAMESPACE and name != "href"
    ):
        if namespace not in _KNOWN_PREFIXES:
            shown = f"{{{namespace}}}{name}"
        return f"{shown} attribute on <{element}> (not an SVG drawing attribute)"
    if name.lower().startswith("on"):
        return f"{shown} attribute on <{element}>"
    if name == "href":
        target = value.strip()
        if element == "image" and _EMBEDDED_IMAGE.fullmatch(target):
            return None
        if target.startswith("#") and len(target) > 1:
            return None
        return f"external reference '{_shorten(value)}' in {shown} on <{element}>"
    unsafe = _unsafe_css(value) if name == "style" else _unsafe_value(value)
    if unsafe is not None:
        return f"{shown} attribute on <{element}> ({unsafe})"
    return None


def _is_href(key: str) -> bool:
    return key in ("href", f"{{{XLINK_NAMESPACE}}}href")


def _unsafe_image_reference(attributes: dict[str, str]) -> str | None:
    """Why an ``<image>`` must go, or None if it embeds an allowed raster image."""
    references = [value for key, value in attributes.items() if _is_href(key)]
    if not references:
        return "no embedded image"
    for value in references:
        if not _EMBEDDED_IMAGE.fullmatch(value.strip()):
            return f"external reference '{_shorten(value)}' in href"
    return None


def _unsafe_css(css: str) -> str | None:
    """Why a style sheet or style attribute is unsafe, or None if it is safe."""
    uncommented = _CSS_COMMENT.sub("", css)
    for text in (css.lower(), uncommented.lower()):
        for marker, reason in _CSS_FORBIDDEN:
            if marker in text:
                return reason
    return _unsafe_value(uncommented)


def _unsafe_value(value: str) -> str | None:
    """Why an attribute value fetches something outside the document, or None."""
    compact = "".join(value.split()).lower()
    if compact.startswith("javascript:"):
        return "javascript: URL"
    for match in _URL_FUNCTION.finditer(value):
        target = next(group for group in match.groups() if group is not None).strip()
        if not target.startswith("#"):
            return f"external reference '{_shorten(target)}' in url()"
    return None


def _intrinsic_size(attributes: dict[str, str]) -> tuple[float, float]:
    """The root's size in px from width/height, else from the viewBox.

    Units other than px (and percentages) fall back to the viewBox; a single
    px dimension is completed with the viewBox aspect ratio.
    """
    width = _parse_length(attributes.get("width"))
    height = _parse_length(attributes.get("height"))
    if width is not None and height is not None:
        return width, height
    view_box = _parse_view_box(attributes.get("viewBox"))
    if view_box is None:
        raise SvgError(
            "the SVG has no usable size: give the root <svg> a viewBox, or width and height in px"
        )
    box_width, box_height = view_box
    if width is not None:
        return width, width * box_height / box_width
    if height is not None:
        return height * box_width / box_height, height
    return box_width, box_height


def _parse_length(value: str | None) -> float | None:
    if value is None:
        return None
    match = _LENGTH.fullmatch(value)
    if match is None:
        return None
    number = float(match.group(1))
    return number if math.isfinite(number) and number > 0 else None


def _parse_view_box(value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    parts = [part for part in _VIEWBOX_SEPARATOR.split(value.strip()) if part]
    if len(parts) != 4:
        return None
    try:
        width, height = float(parts[2]), float(parts[3])
    except ValueError:
        return None
    if not all(math.isfinite(number) and number > 0 for number in (width, height)):
        return None
    return width, height


def _has_text(element: _Element) -> bool:
    if element.name in TEXT_ELEMENTS:
        return True
    return any(isinstance(child, _Element) and _has_text(child) for child in element.children)


def _uses_xlink(element: _Element) -> bool:
    if any(key.startswith(f"{{{XLINK_NAMESPACE}}}") for key, _ in element.attributes):
        return True
    return any(isinstance(child, _Element) and _uses_xlink(child) for child in element.children)


def _serialize(root: _Element) -> bytes:
    """Write the tree as UTF-8 XML, in source order, with plain ``xmlns=``."""
    declarations = [("xmlns", SVG_NAMESPACE)]
    if _uses_xlink(root):
        declarations.append(("xmlns:xlink", XLINK_NAMESPACE))
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write_element(root, declarations, parts)
    parts.append("\n")
    return "".join(parts).encode("utf-8")


def _write_element(
    element: _Element, declarations: list[tuple[str, str]], parts: list[str]
) -> None:
    parts.append(f"<{element.name}")
    attributes = [*declarations, *element.attributes]
    for key, value in attributes:
        parts.append(f' {_qualified_name(key)}="{_escape(value, attribute=True)}"')
    if not element.children:
        parts.append("/>")
        return
    parts.append(">")
    for child in element.children:
        if isinstance(child, str):
            parts.append(_escape(child, attribute=False))
        else:
            _write_element(child, [], parts)
    parts.append(f"</{element.name}>")


def _qualified_name(key: str) -> str:
    namespace, name = _split_name(key, None)
    if namespace == XLINK_NAMESPACE:
        return f"xlink:{name}"
    if namespace == XML_NAMESPACE:
        return f"xml:{name}"
    return name


def _escape(text: str, *, attribute: bool) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    if attribute:
        text = text.replace(">", "&gt;").replace('"', "&quot;").replace("\t", "&#9;")
        return text.replace("\n", "&#10;").replace("\r", "&#13;")
    # A bare ">" keeps CSS child selectors readable when the SVG is inlined in
    # HTML; XML only forbids it in "]]>". A raw CR would be read back as LF.
    return text.replace("]]>", "]]&gt;").replace("\r", "&#13;")
