"""Tests for sitegen.svgsafe: allow-list sanitizing of untrusted SVG."""

from __future__ import annotations

import base64

import defusedxml.ElementTree
import pytest

from sitegen.bake import OB3, bake_svg, unbake_svg
from sitegen.svgsafe import SanitizedSvg, SvgError, sanitize_svg

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
PNG_DATA = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


def svg(body: str, *, root: str = 'width="100" height="100"') -> bytes:
    return (
        f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" {root}>'
        f'<circle cx="50" cy="50" r="40" fill="red"/>{body}</svg>'
    ).encode()


def parsed(result: SanitizedSvg) -> defusedxml.ElementTree.Element:
    return defusedxml.ElementTree.fromstring(result.data)


def tags(result: SanitizedSvg) -> list[str]:
    return [element.tag.split("}")[-1] for element in parsed(result).iter()]


def assert_drawing_kept(result: SanitizedSvg) -> None:
    circle = parsed(result).find(f"{{{SVG_NS}}}circle")
    assert circle is not None
    assert circle.attrib == {"cx": "50", "cy": "50", "r": "40", "fill": "red"}


def test_sanitize_svg_removes_script_elements() -> None:
    result = sanitize_svg(svg("<script>alert(1)</script><script href='x.js'/>"))
    assert result.removed == ("<script> element",)
    assert "script" not in tags(result)
    assert b"alert" not in result.data
    assert_drawing_kept(result)


def test_sanitize_svg_removes_event_handler_attributes() -> None:
    body = '<rect width="10" height="10" onclick="steal()" OnMouseOver="x()"/>'
    result = sanitize_svg(svg(body, root='width="10" height="10" onload="alert(1)"'))
    assert result.removed == (
        "onload attribute on <svg>",
        "onclick attribute on <rect>",
        "OnMouseOver attribute on <rect>",
    )
    rect = parsed(result).find(f"{{{SVG_NS}}}rect")
    assert rect is not None
    assert rect.attrib == {"width": "10", "height": "10"}
    assert b"steal" not in result.data
    assert_drawing_kept(result)


def test_sanitize_svg_unwraps_links_and_drops_javascript_hrefs() -> None:
    body = (
        '<a href="javascript:alert(1)"><path d="M0 0h10"/></a>'
        '<use xlink:href=" javascript:alert(2)"/>'
        '<linearGradient id="g" href="javascript:alert(3)"/>'
    )
    result = sanitize_svg(svg(body))
    assert result.removed == (
        "<a> link to 'javascript:alert(1)' (its content is kept)",
        "external reference 'javascript:alert(2)' in xlink:href on <use>",
        "<use> element without an internal #id reference",
        "external reference 'javascript:alert(3)' in href on <linearGradient>",
    )
    assert b"javascript" not in result.data
    assert tags(result) == ["svg", "circle", "path", "linearGradient"]
    assert_drawing_kept(result)


def test_sanitize_svg_keeps_internal_references() -> None:
    body = (
        '<defs><path id="p" d="M0 0h10"/><linearGradient id="g"/>'
        '<pattern id="q" href="#g"/></defs>'
        '<use href="#p"/><use xlink:href="#p"/>'
        '<text><textPath href="#p">round</textPath></text>'
        '<rect width="1" height="1" fill="url(#g)" style="fill: url( \'#g\' )"/>'
    )
    result = sanitize_svg(svg(body))
    assert result.removed == ()
    root = parsed(result)
    uses = root.findall(f"{{{SVG_NS}}}use")
    assert [use.get("href") for use in uses] == ["#p", None]
    assert uses[1].get(f"{{{XLINK_NS}}}href") == "#p"
    rect = root.find(f"{{{SVG_NS}}}rect")
    assert rect is not None
    assert rect.get("style") == "fill: url( '#g' )"
    assert b'xmlns:xlink="http://www.w3.org/1999/xlink"' in result.data


def test_sanitize_svg_drops_images_with_external_references() -> None:
    body = (
        '<image href="https://evil.example/x.png" width="10" height="10"/>'
        '<image xlink:href="file:///etc/passwd"/>'
        '<image href="data:image/svg+xml;base64,PHN2Zz4="/>'
        "<image/>"
        f'<image href="{PNG_DATA}" width="10" height="10"/>'
    )
    result = sanitize_svg(svg(body))
    assert result.removed == (
        "<image> element: external reference 'https://evil.example/x.png' in href",
        "<image> element: external reference 'file:///etc/passwd' in href",
        "<image> element: external reference 'data:image/svg+xml;base64,PHN2Zz4=' in href",
        "<image> element: no embedded image",
    )
    images = parsed(result).findall(f"{{{SVG_NS}}}image")
    assert [image.get("href") for image in images] == [PNG_DATA]
    assert b"evil.example" not in result.data


def test_sanitize_svg_drops_feimage_with_external_reference() -> None:
    body = (
        '<filter id="f"><feImage href="https://evil.example/track.png"/>'
        '<feGaussianBlur stdDeviation="2"/></filter>'
    )
    result = sanitize_svg(svg(body))
    assert result.removed == (
        "external reference 'https://evil.example/track.png' in href on <feImage>",
    )
    assert tags(result) == ["svg", "circle", "filter", "feImage", "feGaussianBlur"]
    assert b"evil" not in result.data


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><text>&xxe;</text></svg>',
        b'<!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><text>&c;</text></svg>',
        b'<!DOCTYPE svg [<!ENTITY % remote SYSTEM "http://evil.example/x.dtd"> %remote;]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    ],
    ids=["xxe", "billion-laughs", "parameter-entity", "plain-doctype"],
)
def test_sanitize_svg_rejects_dtds_and_entities(document: bytes) -> None:
    with pytest.raises(SvgError, match=r"<!DOCTYPE> declaration.*XXE, billion laughs"):
        sanitize_svg(document)


def test_sanitize_svg_rejects_undeclared_entities() -> None:
    with pytest.raises(SvgError, match="not well-formed XML: undefined entity"):
        sanitize_svg(svg("<text>&nbsp;</text>"))


def test_sanitize_svg_removes_foreign_object_and_html() -> None:
    body = (
        '<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">'
        '<iframe src="https://evil.example"/></div></foreignObject>'
        '<html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(1)</html:script>'
        "<iframe/>"
    )
    result = sanitize_svg(svg(body))
    assert result.removed == (
        "<foreignObject> element",
        "<html:script> element (not SVG)",
        "<iframe> element",
    )
    assert tags(result) == ["svg", "circle"]


@pytest.mark.parametrize(
    ("css", "reason"),
    [
        (
            ".a { background: url(http://evil.example/x.png) }",
            "external reference 'http://evil.example/x.png' in url()",
        ),
        (
            ".a { fill: URL( 'https://evil.example/f.svg#g' ) }",
            "external reference 'https://evil.example/f.svg#g' in url()",
        ),
        ('@import "https://evil.example/a.css";', "@import rule"),
        ("@IMPORT url(#x);", "@import rule"),
        (".a { width: expression(alert(1)) }", "expression()"),
        (".a { background: url(javascript:alert(1)) }", "javascript: URL"),
        (".a { background: \\75 rl(http://evil.example) }", "CSS escape sequence"),
        (".a { background: image-set('x.png' 1x) }", "image-set()"),
        (".a { -moz-binding: url(#x) }", "-moz-binding"),
        (
            "@font-face { src: url(data:font/woff2;base64,AAAA) }",
            "external reference 'data:font/woff2;base64,AAAA' in url()",
        ),
    ],
)
def test_sanitize_svg_drops_style_sheets_that_reach_out(css: str, reason: str) -> None:
    result = sanitize_svg(svg(f"<style>{css}</style>"))
    assert result.removed == (f"<style> element ({reason})",)
    assert "style" not in tags(result)
    assert_drawing_kept(result)


def test_sanitize_svg_keeps_safe_style_sheets_from_cdata() -> None:
    css = ".a > .b { fill: url(#g); stroke: #000 } /* ok */ .c::after { content: '<&>' }"
    result = sanitize_svg(svg(f"<style type='text/css'><![CDATA[{css}]]></style>"))
    assert result.removed == ()
    style = parsed(result).find(f"{{{SVG_NS}}}style")
    assert style is not None
    assert style.text == css
    assert b"<![CDATA[" not in result.data
    assert b".a > .b" in result.data


def test_sanitize_svg_keeps_cdata_text_as_text_not_markup() -> None:
    body = "<text><![CDATA[<script>alert(1)</script> & more]]></text>"
    result = sanitize_svg(svg(body))
    assert result.removed == ()
    text = parsed(result).find(f"{{{SVG_NS}}}text")
    assert text is not None
    assert text.text == "<script>alert(1)</script> & more"
    assert len(text) == 0
    assert b"&lt;script>alert(1)&lt;/script> &amp; more" in result.data


def test_sanitize_svg_drops_script_with_cdata_body() -> None:
    result = sanitize_svg(svg("<script><![CDATA[ if (a < b) alert(1) ]]></script>"))
    assert result.removed == ("<script> element",)
    assert b"alert" not in result.data


@pytest.mark.parametrize(
    ("attribute", "note"),
    [
        (
            'style="fill: url(http://evil.example/p)"',
            "style attribute on <rect> (external reference 'http://evil.example/p' in url())",
        ),
        ('style="width: expression(alert(1))"', "style attribute on <rect> (expression())"),
        (
            'style="background: url(javascript:alert(1))"',
            "style attribute on <rect> (javascript: URL)",
        ),
        (
            'fill="url(https://evil.example/g.svg#g)"',
            "fill attribute on <rect> (external reference 'https://evil.example/g.svg#g' in url())",
        ),
        (
            'filter="url(&quot;//evil.example/f&quot;)"',
            "filter attribute on <rect> (external reference '//evil.example/f' in url())",
        ),
        ('clip-path=" javascript:alert(1)"', "clip-path attribute on <rect> (javascript: URL)"),
    ],
)
def test_sanitize_svg_drops_attributes_that_reach_out(attribute: str, note: str) -> None:
    result = sanitize_svg(svg(f'<rect width="5" height="5" {attribute}/>'))
    assert result.removed == (note,)
    rect = parsed(result).find(f"{{{SVG_NS}}}rect")
    assert rect is not None
    assert rect.attrib == {"width": "5", "height": "5"}


def test_sanitize_svg_drops_animation_elements() -> None:
    body = (
        '<a href="#x"><set attributeName="href" to="javascript:alert(1)"/></a>'
        '<animate attributeName="xlink:href" values="javascript:alert(1)"/>'
        '<rect width="1" height="1"><animateTransform attributeName="transform"/></rect>'
        '<animateMotion dur="1s"/><discard/>'
    )
    result = sanitize_svg(svg(body))
    assert result.removed == (
        "<a> link to '#x' (its content is kept)",
        "<set> element",
        "<animate> element",
        "<animateTransform> element",
        "<animateMotion> element",
        "<discard> element",
    )
    assert tags(result) == ["svg", "circle", "rect"]


def test_sanitize_svg_drops_editor_namespaces_and_metadata_contents() -> None:
    document = (
        b'<svg xmlns="http://www.w3.org/2000/svg" '
        b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        b'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" '
        b'xmlns:x="urn:example:unknown" '
        b'width="10" height="10" inkscape:version="1.3" xml:space="preserve">'
        b'<sodipodi:namedview id="nv"/>'
        b'<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>'
        b'<g inkscape:label="Layer 1" x:data="1" xml:base="https://evil.example/"><path d="M0 0"/></g>'
        b"</svg>"
    )
    result = sanitize_svg(document)
    assert result.removed == (
        "inkscape:version attribute on <svg> (not an SVG drawing attribute)",
        "<sodipodi:namedview> element (not SVG)",
        "contents of <metadata>",
        "inkscape:label attribute on <g> (not an SVG drawing attribute)",
        "{urn:example:unknown}data attribute on <g> (not an SVG drawing attribute)",
        "xml:base attribute on <g> (not an SVG drawing attribute)",
    )
    assert tags(result) == ["svg", "metadata", "g", "path"]
    assert b'xml:space="preserve"' in result.data
    assert b"inkscape" not in result.data
    assert b"xmlns:xlink" not in result.data


def test_sanitize_svg_reports_processing_instructions() -> None:
    document = b'<?xml-stylesheet href="https://evil.example/a.css"?>' + svg("")
    result = sanitize_svg(document)
    assert result.removed == ("<?xml-stylesheet?> processing instruction",)
    assert b"evil" not in result.data


def test_sanitize_svg_serializes_deterministically_with_a_plain_default_namespace() -> None:
    body = (
        '<g id="a" transform="scale(2)"><use xlink:href="#a"/>\n  <title>Ada &amp; co</title></g>'
    )
    result = sanitize_svg(svg(body))
    assert result.data == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        b' width="100" height="100">'
        b'<circle cx="50" cy="50" r="40" fill="red"/>'
        b'<g id="a" transform="scale(2)"><use xlink:href="#a"/>\n  <title>Ada &amp; co</title></g>'
        b"</svg>\n"
    )
    assert b"ns0" not in result.data
    assert sanitize_svg(svg(body)) == result
    again = sanitize_svg(result.data)
    assert again.data == result.data
    assert again.removed == ()


def test_sanitize_svg_adds_the_missing_svg_namespace() -> None:
    result = sanitize_svg(b'<svg width="4" height="4"><rect width="4" height="4"/></svg>')
    assert parsed(result).tag == f"{{{SVG_NS}}}svg"
    assert tags(result) == ["svg", "rect"]


def test_sanitize_svg_escapes_attribute_values() -> None:
    body = '<g id="q&quot;&lt;&amp;&#10;x"/>'
    result = sanitize_svg(svg(body))
    group = parsed(result).find(f"{{{SVG_NS}}}g")
    assert group is not None
    assert group.get("id") == 'q"<&\nx'


@pytest.mark.parametrize(
    ("root", "size"),
    [
        ('width="120" height="80"', (120.0, 80.0)),
        ('width="120px" height=" 80px "', (120.0, 80.0)),
        ('width="1.5e2" height="150"', (150.0, 150.0)),
        ('width="10mm" height="10mm" viewBox="0 0 300 300"', (300.0, 300.0)),
        ('width="100%" height="100%" viewBox="-5 -5 40,20"', (40.0, 20.0)),
        ('viewBox="0 0 512 512"', (512.0, 512.0)),
        ('width="256" viewBox="0 0 512 256"', (256.0, 128.0)),
        ('height="100" viewBox="0 0 50 100"', (50.0, 100.0)),
    ],
)
def test_sanitize_svg_reads_the_intrinsic_size(root: str, size: tuple[float, float]) -> None:
    result = sanitize_svg(svg("", root=root))
    assert (result.width, result.height) == size


@pytest.mark.parametrize(
    "root",
    [
        "",
        'width="10mm" height="10mm"',
        'width="0" height="0"',
        'viewBox="0 0 0 10"',
        'viewBox="0 0 10"',
        'width="nan" height="inf"',
    ],
)
def test_sanitize_svg_rejects_images_without_a_usable_size(root: str) -> None:
    with pytest.raises(SvgError, match="no usable size"):
        sanitize_svg(svg("", root=root))


def test_sanitize_svg_reports_text_elements() -> None:
    assert sanitize_svg(svg("")).has_text is False
    assert sanitize_svg(svg("<g><text>Ada</text></g>")).has_text is True
    assert sanitize_svg(svg("<a><text>Ada</text></a>")).has_text is True
    assert sanitize_svg(svg("<script><text>x</text></script>")).has_text is False


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"", "not well-formed XML"),
        (b"%PDF-1.4", "not well-formed XML"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', "not well-formed XML"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><x:g/></svg>', "unbound prefix"),
        (b'<html xmlns="http://www.w3.org/1999/xhtml"/>', "root element is <html:html>, not <svg>"),
        (b'<svg xmlns="urn:other" width="1" height="1"/>', "not <svg>"),
        (b"<rect/>", "root element is <rect>, not <svg>"),
    ],
)
def test_sanitize_svg_rejects_documents_that_are_not_svg(document: bytes, message: str) -> None:
    with pytest.raises(SvgError, match=message):
        sanitize_svg(document)


def test_sanitize_svg_rejects_oversized_input() -> None:
    document = svg("<!--" + "x" * 2000 + "-->")
    with pytest.raises(SvgError, match="more than the 1000 allowed"):
        sanitize_svg(document, max_bytes=1000)
    assert sanitize_svg(document, max_bytes=len(document)).removed == ()


def test_sanitize_svg_rejects_pathological_nesting() -> None:
    with pytest.raises(SvgError, match="more than 256 deep"):
        sanitize_svg(svg("<g>" * 300 + "</g>" * 300))


def test_sanitize_svg_accepts_other_encodings_and_writes_utf8() -> None:
    document = svg("<title>Compétence</title>").decode().encode("utf-16")
    result = sanitize_svg(document)
    assert "<title>Compétence</title>".encode() in result.data


def test_sanitized_svg_can_be_baked_and_unbaked() -> None:
    result = sanitize_svg(svg("<script>x()</script><text>Ada</text>"))
    baked = bake_svg(result.data, '{"id": "urn:uuid:1"}', OB3)
    assert unbake_svg(baked, OB3) == '{"id": "urn:uuid:1"}'
    assert sanitize_svg(baked).removed == ("<openbadges:credential> element (not SVG)",)
