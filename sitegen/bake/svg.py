"""Bake a payload into an SVG badge element, and read it back, editing only text.

The SVG is parsed (without entity expansion) only to locate things; the output
is the input bytes with a few splices, so the drawing is never re-serialized:
the badge element goes right after the root start tag, old badge elements of
the same spec are cut out and the ``openbadges`` prefix is declared.

One image may carry both an OB2 ``<openbadges:assertion>`` and an OB3
``<openbadges:credential>``, whose namespaces differ while the prefix is the
same. The root declares ``xmlns:openbadges`` for the first spec baked; the
other spec's element then declares the prefix on itself, e.g.
``<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">``.
That is ordinary XML Namespaces scoping, so namespace-aware readers resolve
both elements, and readers that match the literal ``openbadges:assertion`` or
``openbadges:credential`` tag name find them too. If nothing still uses the
root's binding, the root is re-bound to the spec being baked instead.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import NoReturn
from xml.parsers import expat

from sitegen.bake import BakeError, BakeSpec

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
PREFIX = "openbadges"

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SPACE = b" \t\r\n"
_NOT_XML_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTRIBUTE_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "\t": "&#9;",
    "\n": "&#10;",
    "\r": "&#13;",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Attribute:
    """An attribute of a start tag, with the byte span of its value."""

    name: bytes
    value_start: int
    value_end: int


@dataclass(frozen=True, slots=True, kw_only=True)
class _StartTag:
    """Byte offsets of a start tag, as written in the document."""

    start: int
    end: int
    """Just after the closing ``>``."""
    name: bytes
    attributes: tuple[_Attribute, ...]
    attributes_end: int
    """Just after the last attribute (or the name): where a new attribute goes."""
    is_empty: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class _BadgeElement:
    start: int
    end: int
    verify: str | None
    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Scan:
    root: _StartTag | None
    """Set only when the scan located byte offsets (UTF-8 documents)."""
    root_binding: str | None
    """The namespace that the root start tag binds to the ``openbadges`` prefix."""
    root_binding_in_use: bool
    """True if an element or attribute outside the matched badges uses that binding."""
    badges: tuple[_BadgeElement, ...]
    encoding: str | None


def bake_svg(svg: bytes, payload: str, spec: BakeSpec, *, verify: str | None = None) -> bytes:
    """Return ``svg`` with one badge element for ``spec`` as the root's first child.

    Args:
        svg: a UTF-8 SVG document (a UTF-8 byte order mark is dropped).
        payload: the element body, written as CDATA: the OB2 Assertion or OB3
            credential JSON; empty for a JWS, which then goes in ``verify``.
        spec: which Open Badges version's element to write.
        verify: the ``verify`` attribute: the OB2 hosted assertion URL or a
            compact JWS; None to leave it out (OB3 with a JSON body).

    Raises:
        BakeError: the document is not well-formed UTF-8 SVG, declares
            entities, or the payload cannot be written in XML.
    """
    if svg.startswith(_UTF16_BOMS):
        raise BakeError("the SVG is encoded as UTF-16; save it as UTF-8")
    doc = svg.removeprefix(_UTF8_BOM)
    _check_xml_text(payload, "payload")
    if verify is not None:
        _check_xml_text(verify, "verify value")
    if not payload and verify is None:
        raise BakeError("nothing to bake: the payload is empty and there is no verify value")
    if payload and not payload.strip():
        raise BakeError("the payload is only whitespace")

    scan = _scan(doc, spec, locate=True)
    if scan.encoding is not None and scan.encoding.lower() not in ("utf-8", "utf8"):
        raise BakeError(f"the SVG is encoded as {scan.encoding}; save it as UTF-8")
    root = scan.root
    if root is None:  # pragma: no cover - _scan always locates the root here
        raise BakeError("the SVG root element was not found")

    edits = [(badge.start, badge.end, b"") for badge in scan.badges]
    namespace = _escape_attribute(spec.svg_namespace).encode()
    declare_on_element = False
    if scan.root_binding is None:
        declaration = b" xmlns:" + PREFIX.encode() + b'="' + namespace + b'"'
        edits.append((root.attributes_end, root.attributes_end, declaration))
    elif scan.root_binding != spec.svg_namespace:
        if scan.root_binding_in_use:
            declare_on_element = True
        else:
            binding = _find_attribute(root, b"xmlns:" + PREFIX.encode())
            edits.append((binding.value_start, binding.value_end, namespace))

    element = _badge_markup(spec, payload, verify, declare_namespace=declare_on_element)
    if root.is_empty:
        closing = b">" + element + b"</" + root.name + b">"
        edits.append((root.end - 2, root.end, closing))
    else:
        edits.append((root.end, root.end, element))
    return _apply_edits(doc, edits)


def unbake_svg(svg: bytes, spec: BakeSpec) -> str | None:
    """Return the payload of the first badge element for ``spec``, or None.

    The element body (CDATA or text) is returned when it is not blank;
    otherwise the ``verify`` attribute (a JWS or an OB2 hosted assertion URL).
    An element is recognized by its resolved namespace or by the literal
    ``openbadges:`` prefix, since some bakers declare the namespace wrongly.

    Raises:
        BakeError: the document is not well-formed XML or declares entities.
    """
    scan = _scan(svg, spec, locate=False)
    if not scan.badges:
        return None
    badge = scan.badges[0]
    if badge.body.strip():
        return badge.body
    return badge.verify


def _check_xml_text(text: str, what: str) -> None:
    bad = _NOT_XML_CHARACTER.search(text)
    if bad is not None:
        raise BakeError(
            f"the {what} contains the character U+{ord(bad.group()):04X}, which XML cannot carry"
        )


def _escape_attribute(value: str) -> str:
    return "".join(_ATTRIBUTE_ESCAPES.get(char, char) for char in value)


def _cdata(text: str) -> str:
    """``text`` as CDATA sections that an XML parser reads back unchanged."""
    # "]]>" would close the section early; a raw CR would be normalized to LF
    # by every parser, so it is written as a character reference between sections.
    body = text.replace("]]>", "]]]]><![CDATA[>").replace("\r", "]]>&#13;<![CDATA[")
    return f"<![CDATA[{body}]]>"


def _badge_markup(
    spec: BakeSpec, payload: str, verify: str | None, *, declare_namespace: bool
) -> bytes:
    tag = f"{PREFIX}:{spec.svg_element}"
    attributes = ""
    if declare_namespace:
        attributes += f' xmlns:{PREFIX}="{_escape_attribute(spec.svg_namespace)}"'
    if verify is not None:
        attributes += f' verify="{_escape_attribute(verify)}"'
    if not payload:
        return f"<{tag}{attributes}/>".encode()
    return f"<{tag}{attributes}>{_cdata(payload)}</{tag}>".encode()


def _apply_edits(doc: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Replace each ``(start, end)`` byte span of ``doc`` with its new bytes."""
    parts: list[bytes] = []
    position = 0
    for start, end, replacement in sorted(edits, key=lambda edit: edit[:2]):
        if start < position:  # pragma: no cover - spans come from one parse
            raise BakeError("internal error: overlapping SVG edits")
        parts += (doc[position:start], replacement)
        position = end
    parts.append(doc[position:])
    return b"".join(parts)


def _find_attribute(tag: _StartTag, name: bytes) -> _Attribute:
    for attribute in tag.attributes:
        if attribute.name == name:
            return attribute
    raise BakeError(f"attribute {name.decode()} not found in <{tag.name.decode()}>")


def _read_start_tag(doc: bytes, start: int) -> _StartTag:
    """Lex the start tag at ``doc[start]``, honouring ``>`` inside quoted values."""
    position = start + 1
    while position < len(doc) and doc[position] not in b" \t\r\n/>":
        position += 1
    name = doc[start + 1 : position]
    attributes: list[_Attribute] = []
    attributes_end = position
    while True:
        while position < len(doc) and doc[position] in _SPACE:
            position += 1
        if doc.startswith(b"/>", position):
            end, is_empty = position + 2, True
            break
        if doc.startswith(b">", position):
            end, is_empty = position + 1, False
            break
        equals = doc.find(b"=", position)
        if equals < 0:
            raise BakeError(f"cannot read the start tag at byte {start}")
        attribute_name = doc[position:equals].strip(_SPACE)
        position = equals + 1
        while position < len(doc) and doc[position] in _SPACE:
            position += 1
        quote = doc[position : position + 1]
        closing = doc.find(quote, position + 1) if quote in (b'"', b"'") else -1
        if closing < 0:
            raise BakeError(f"cannot read the start tag at byte {start}")
        attributes.append(
            _Attribute(name=attribute_name, value_start=position + 1, value_end=closing)
        )
        position = attributes_end = closing + 1
    return _StartTag(
        start=start,
        end=end,
        name=name,
        attributes=tuple(attributes),
        attributes_end=attributes_end,
        is_empty=is_empty,
    )


@functools.lru_cache(maxsize=64)  # every award of a badge starts from the same image
def _scan(doc: bytes, spec: BakeSpec, *, locate: bool) -> _Scan:
    """Parse ``doc`` once, finding the root and the badge elements for ``spec``.

    Raises:
        BakeError: not well-formed, entity declarations, or the root is not svg.
    """
    scanner = _Scanner(doc, spec, locate=locate)
    try:
        scanner.parser.Parse(doc, True)
    except expat.ExpatError as error:
        raise BakeError(f"the SVG is not well-formed XML: {error}") from None
    return _Scan(
        root=scanner.root,
        root_binding=scanner.root_binding,
        root_binding_in_use=scanner.root_binding_in_use,
        badges=tuple(scanner.badges),
        encoding=scanner.encoding,
    )


class _Scanner:
    """Expat callbacks that track namespace scopes and collect badge elements.

    Namespaces are resolved by hand (expat runs without namespace processing)
    because the literal prefix matters as much as the namespace here.
    """

    def __init__(self, doc: bytes, spec: BakeSpec, *, locate: bool) -> None:
        self._doc = doc
        self._spec = spec
        self._locate = locate
        self._scopes: list[dict[str, str]] = []
        self._badge_depth: int | None = None
        self._badge_start = 0
        self._badge_verify: str | None = None
        self._badge_body: list[str] = []
        self.root: _StartTag | None = None
        self.root_binding: str | None = None
        self.root_binding_in_use = False
        self.badges: list[_BadgeElement] = []
        self.encoding: str | None = None
        parser = expat.ParserCreate()
        # Entities are refused outright (billion laughs, external entities);
        # the external DTD subset is never read.
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.EntityDeclHandler = self._refuse_entities
        parser.UnparsedEntityDeclHandler = self._refuse_entities
        parser.ExternalEntityRefHandler = self._refuse_entities
        parser.specified_attributes = True
        parser.XmlDeclHandler = self._declaration
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self.parser = parser

    def _refuse_entities(self, *_: object) -> NoReturn:
        raise BakeError(
            "the SVG declares XML entities, which are refused for safety; "
            "remove its <!DOCTYPE> block"
        )

    def _declaration(self, _version: str, encoding: str | None, _standalone: int) -> None:
        self.encoding = encoding

    def _resolve(self, prefix: str) -> tuple[str | None, int | None]:
        """The namespace bound to ``prefix`` and the depth that binds it."""
        for depth in range(len(self._scopes) - 1, -1, -1):
            if prefix in self._scopes[depth]:
                return self._scopes[depth][prefix], depth
        return None, None

    def _is_badge(self, name: str) -> bool:
        prefix, _, local = name.rpartition(":")
        if local != self._spec.svg_element:
            return False
        return prefix == PREFIX or self._resolve(prefix)[0] == self._spec.svg_namespace

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        index = self.parser.CurrentByteIndex
        self._scopes.append(
            {
                key.partition(":")[2]: value
                for key, value in attributes.items()
                if key == "xmlns" or key.startswith("xmlns:")
            }
        )
        depth = len(self._scopes) - 1
        if depth == 0:
            self._start_root(name, index)
        if self._badge_depth is not None:
            return
        if depth > 0 and self._is_badge(name):
            self._badge_depth = depth
            self._badge_start = index
            self._badge_verify = attributes.get("verify")
            self._badge_body = []
            return
        names = [name, *(key for key in attributes if not key.startswith("xmlns"))]
        if any(qname.startswith(PREFIX + ":") and self._resolve(PREFIX)[1] == 0 for qname in names):
            self.root_binding_in_use = True

    def _start_root(self, name: str, index: int) -> None:
        prefix, _, local = name.rpartition(":")
        namespace = self._resolve(prefix)[0]
        if (
            local != "svg"
            or namespace not in (SVG_NAMESPACE, None)
            or (prefix and namespace is None)
        ):
            raise BakeError(f"the root element is <{name}>, not an SVG <svg>")
        self.root_binding = self._scopes[0].get(PREFIX)
        if self._locate:
            self.root = _read_start_tag(self._doc, index)

    def _end(self, _name: str) -> None:
        depth = len(self._scopes) - 1
        if depth == self._badge_depth:
            start, end = self._badge_start, self._badge_start
            if self._locate:
                tag = _read_start_tag(self._doc, start)
                end = tag.end
                if not tag.is_empty:
                    end = self._doc.index(b">", self.parser.CurrentByteIndex) + 1
            self.badges.append(
                _BadgeElement(
                    start=start,
                    end=end,
                    verify=self._badge_verify,
                    body="".join(self._badge_body),
                )
            )
            self._badge_depth = None
        self._scopes.pop()

    def _text(self, data: str) -> None:
        if self._badge_depth is not None and len(self._scopes) - 1 == self._badge_depth:
            self._badge_body.append(data)
