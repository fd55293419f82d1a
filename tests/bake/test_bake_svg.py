"""Tests for sitegen.bake.svg: text-level baking of OB2 and OB3 SVG elements."""

from __future__ import annotations

import defusedxml.ElementTree
import defusedxml.minidom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.bake import OB2, OB3, BakeError, BakeSpec, bake_svg, unbake_svg

SVG_NS = "http://www.w3.org/2000/svg"
OB2_NS = "http://openbadges.org"
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"
ASSERTION_URL = "https://issuer.example/awards/ada/assertion.json"
ASSERTION = '{"id": "https://issuer.example/awards/ada/assertion.json"}'
CREDENTIAL = '{"type": ["VerifiableCredential", "OpenBadgeCredential"]}'
JWS = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"

BADGE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<!-- drawn by hand -->\n"
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">\n'
    b'  <defs><linearGradient id="g"><stop offset="0" stop-color="#fc0"/>'
    b"</linearGradient></defs>\n"
    b'  <circle cx="32" cy="32" r="30" fill="url(#g)"/>\n'
    b"</svg>\n"
)


def parse(svg: bytes) -> defusedxml.ElementTree.Element:
    return defusedxml.ElementTree.fromstring(svg)


def root_start_tag(svg: bytes) -> bytes:
    start = svg.index(b"<svg")
    return svg[start : svg.index(b">", start) + 1]


def test_bake_svg_ob2_hosted_puts_verify_and_cdata_in_the_first_child() -> None:
    baked = bake_svg(BADGE, ASSERTION, OB2, verify=ASSERTION_URL)

    root = parse(baked)
    first = root[0]
    assert first.tag == f"{{{OB2_NS}}}assertion"
    assert first.get("verify") == ASSERTION_URL
    assert first.text == ASSERTION
    assert b'xmlns:openbadges="http://openbadges.org"' in root_start_tag(baked)
    element = (
        b'<openbadges:assertion verify="https://issuer.example/awards/ada/'
        b'assertion.json"><![CDATA[' + ASSERTION.encode() + b"]]></openbadges:assertion>"
    )
    assert root_start_tag(baked) + element in baked
    assert unbake_svg(baked, OB2) == ASSERTION


def test_bake_svg_ob3_json_has_no_verify_attribute() -> None:
    baked = bake_svg(BADGE, CREDENTIAL, OB3)

    first = parse(baked)[0]
    assert first.tag == f"{{{OB3_NS}}}credential"
    assert first.attrib == {}
    assert first.text == CREDENTIAL
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in root_start_tag(baked)
    assert unbake_svg(baked, OB3) == CREDENTIAL


@pytest.mark.parametrize(("spec", "name"), [(OB2, "assertion"), (OB3, "credential")])
def test_bake_svg_jws_goes_in_verify_of_an_empty_element(spec: BakeSpec, name: str) -> None:
    baked = bake_svg(BADGE, "", spec, verify=JWS)

    assert f'<openbadges:{name} verify="{JWS}"/>'.encode() in baked
    first = parse(baked)[0]
    assert first.text is None
    assert len(first) == 0
    assert unbake_svg(baked, spec) == JWS


def test_bake_svg_only_inserts_text_and_keeps_the_rest_byte_identical() -> None:
    baked = bake_svg(BADGE, CREDENTIAL, OB3)
    element = b"<openbadges:credential><![CDATA[" + CREDENTIAL.encode()
    element += b"]]></openbadges:credential>"
    declaration = b' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"'
    assert baked.replace(element, b"", 1).replace(declaration, b"", 1) == BADGE


def test_bake_svg_replaces_the_element_and_is_idempotent() -> None:
    once = bake_svg(BADGE, '{"v": 1}', OB2, verify=ASSERTION_URL)
    twice = bake_svg(once, '{"v": 2}', OB2, verify=ASSERTION_URL)
    assert twice.count(b"<openbadges:assertion") == 1
    assert twice.count(b"xmlns:openbadges") == 1
    assert unbake_svg(twice, OB2) == '{"v": 2}'
    assert bake_svg(twice, '{"v": 2}', OB2, verify=ASSERTION_URL) == twice
    assert bake_svg(BADGE, '{"v": 2}', OB2, verify=ASSERTION_URL) == twice


@pytest.mark.parametrize("order", [(OB2, OB3), (OB3, OB2)])
def test_bake_svg_carries_ob2_and_ob3_at_once(order: tuple[BakeSpec, BakeSpec]) -> None:
    baked = BADGE
    for spec in order:
        if spec is OB2:
            baked = bake_svg(baked, ASSERTION, OB2, verify=ASSERTION_URL)
        else:
            baked = bake_svg(baked, CREDENTIAL, OB3)

    root = parse(baked)  # well-formed, and namespaces resolve
    assert root.find(f"{{{OB2_NS}}}assertion").text == ASSERTION
    assert root.find(f"{{{OB3_NS}}}credential").text == CREDENTIAL
    assert [child.tag for child in root][:2] == [
        f"{{{order[1].svg_namespace}}}{order[1].svg_element}",
        f"{{{order[0].svg_namespace}}}{order[0].svg_element}",
    ]
    # The first spec baked owns the root declaration, the second declares its own.
    assert f'xmlns:openbadges="{order[0].svg_namespace}"'.encode() in root_start_tag(baked)
    local = f'<openbadges:{order[1].svg_element} xmlns:openbadges="'
    assert (local + order[1].svg_namespace).encode() in baked
    assert unbake_svg(baked, OB2) == ASSERTION
    assert unbake_svg(baked, OB3) == CREDENTIAL

    rebaked = bake_svg(baked, '{"new": 1}', OB2, verify=ASSERTION_URL)
    rebaked = bake_svg(rebaked, '{"new": 3}', OB3)
    assert rebaked.count(b"<openbadges:assertion") == 1
    assert rebaked.count(b"<openbadges:credential") == 1
    assert unbake_svg(rebaked, OB2) == '{"new": 1}'
    assert unbake_svg(rebaked, OB3) == '{"new": 3}'
    parse(rebaked)


def test_bake_svg_output_reads_back_with_literal_tag_name_extractors() -> None:
    baked = bake_svg(BADGE, CREDENTIAL, OB3)
    baked = bake_svg(baked, ASSERTION, OB2, verify=ASSERTION_URL)
    # openbadges-bakery (not installed here) reads the SVG with minidom and
    # getElementsByTagName('openbadges:assertion'), then the verify attribute.
    document = defusedxml.minidom.parseString(baked)
    (assertion,) = document.getElementsByTagName("openbadges:assertion")
    assert assertion.getAttribute("verify") == ASSERTION_URL
    assert assertion.firstChild.nodeValue == ASSERTION
    (credential,) = document.getElementsByTagName("openbadges:credential")
    assert credential.firstChild.nodeValue == CREDENTIAL
    (by_namespace,) = document.getElementsByTagNameNS(OB3_NS, "credential")
    assert by_namespace is credential
    assert document.getElementsByTagNameNS(OB2_NS, "assertion")[0] is assertion


def test_bake_svg_rebinds_an_unused_root_declaration() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"/>'
    baked = bake_svg(svg, ASSERTION, OB2, verify=ASSERTION_URL)
    assert b'xmlns:openbadges="http://openbadges.org"' in root_start_tag(baked)
    assert baked.count(b"xmlns:openbadges") == 1
    assert parse(baked)[0].tag == f"{{{OB2_NS}}}assertion"


def test_bake_svg_removes_old_elements_anywhere_and_under_any_prefix() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg">'
        b'<g><ob:assertion xmlns:ob="http://openbadges.org" verify="old"/></g>'
        b"<rect/>"
        b'<openbadges:assertion xmlns:openbadges="http://wrong.example">x</openbadges:assertion>'
        b"</svg>"
    )
    baked = bake_svg(svg, ASSERTION, OB2, verify=ASSERTION_URL)
    assert b"old" not in baked
    assert b"wrong.example" not in baked
    root = parse(baked)
    assert len(root.findall(f".//{{{OB2_NS}}}assertion")) == 1
    assert [child.tag for child in root] == [
        f"{{{OB2_NS}}}assertion",
        f"{{{SVG_NS}}}g",
        f"{{{SVG_NS}}}rect",
    ]


@pytest.mark.parametrize(
    "payload",
    [
        '{"narrative": "end ]]> of CDATA ]]]]> twice"}',
        "]]>",
        '{"name": "Compétence validée \u2013 Œuvre"}',
        '{"name": "🎓 badge 🚀"}',
        '{"name": "شارة مفتوحة", "he": "תג פתוח"}',
        "line one\r\nline two\rthree",
        '{"html": "<b>&amp;</b>"}',
    ],
    ids=["cdata-end", "only-cdata-end", "accents", "emoji", "rtl", "carriage-returns", "markup"],
)
@pytest.mark.parametrize("spec", [OB2, OB3])
def test_bake_svg_round_trips_tricky_text(spec: BakeSpec, payload: str) -> None:
    baked = bake_svg(BADGE, payload, spec)
    assert unbake_svg(baked, spec) == payload
    assert parse(baked)[0].text == payload


def test_bake_svg_escapes_the_verify_attribute() -> None:
    verify = 'https://issuer.example/a?x=1&y="2"<z>\ttab\nline'
    baked = bake_svg(BADGE, "", OB2, verify=verify)
    assert parse(baked)[0].get("verify") == verify
    assert unbake_svg(baked, OB2) == verify


@pytest.mark.parametrize(
    "svg",
    [
        pytest.param(
            b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?><svg xmlns="http://www.w3.org/2000/svg"><g/></svg>',
            id="utf8-bom",
        ),
        pytest.param(
            b'<?xml version="1.0" standalone="no"?>\n'
            b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
            b"<!-- <svg> in a comment -->\n"
            b'<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>',
            id="doctype-and-comment",
        ),
        pytest.param(
            b"<?xml-stylesheet type='text/css' href='a.css'?>"
            b"<svg xmlns='http://www.w3.org/2000/svg' data-a='x>y' data-b=\"/>\"\n  ><g/></svg>",
            id="gt-inside-attribute-values",
        ),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg" width="1" />', id="empty-root"),
        pytest.param(b"<svg><g/></svg>", id="no-namespace"),
        pytest.param(
            b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:g/></svg:svg>',
            id="prefixed-root",
        ),
    ],
)
def test_bake_svg_handles_unusual_but_valid_documents(svg: bytes) -> None:
    baked = bake_svg(svg, CREDENTIAL, OB3)
    baked = bake_svg(baked, "", OB2, verify=JWS)
    assert not baked.startswith(b"\xef\xbb\xbf")
    assert unbake_svg(baked, OB3) == CREDENTIAL
    assert unbake_svg(baked, OB2) == JWS
    document = defusedxml.minidom.parseString(baked)
    names = [
        node.tagName
        for node in document.documentElement.childNodes
        if node.nodeType == node.ELEMENT_NODE
    ]
    assert names[:2] == ["openbadges:assertion", "openbadges:credential"]


def test_bake_svg_keeps_the_xml_declaration_first() -> None:
    baked = bake_svg(BADGE, CREDENTIAL, OB3)
    assert baked.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- drawn by hand -->')


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (b"not xml at all", "not well-formed"),
        (b"<svg><g></svg>", "not well-formed"),
        (b"", "not well-formed"),
        (b'<html xmlns="http://www.w3.org/1999/xhtml"/>', "not an SVG"),
        (b'<svg xmlns="http://example.org/other"/>', "not an SVG"),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<svg>&b;</svg>",
            "entities",
        ),
        (
            b'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg>&xxe;</svg>',
            "entities",
        ),
        (b"\xff\xfe<\x00s\x00v\x00g\x00/\x00>\x00", "UTF-16"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><svg/>', "ISO-8859-1"),
        (b"<svg>\xe9</svg>", "not well-formed"),
    ],
    ids=[
        "text",
        "unclosed",
        "empty",
        "html",
        "wrong-namespace",
        "billion-laughs",
        "xxe",
        "utf16",
        "latin1",
        "invalid-utf8",
    ],
)
def test_bake_svg_rejects_unusable_documents(svg: bytes, message: str) -> None:
    with pytest.raises(BakeError, match=message):
        bake_svg(svg, CREDENTIAL, OB3)


def test_unbake_svg_rejects_entity_declarations() -> None:
    svg = b'<!DOCTYPE svg [<!ENTITY a "x">]><svg><openbadges:credential/></svg>'
    with pytest.raises(BakeError, match="entities"):
        unbake_svg(svg, OB3)


@pytest.mark.parametrize(
    ("payload", "verify", "message"),
    [
        ("", None, "nothing to bake"),
        ("  \n ", None, "only whitespace"),
        ("a\x00b", None, "U\\+0000"),
        ("a\x1bb", None, "U\\+001B"),
        ("\ufffe", None, "U\\+FFFE"),
        ("a\ud800", None, "U\\+D800"),
        ("", "jws\x07", "U\\+0007"),
    ],
)
def test_bake_svg_rejects_text_that_xml_cannot_carry(
    payload: str, verify: str | None, message: str
) -> None:
    with pytest.raises(BakeError, match=message):
        bake_svg(BADGE, payload, OB2, verify=verify)


def test_unbake_svg_returns_none_without_element() -> None:
    assert unbake_svg(BADGE, OB2) is None
    assert unbake_svg(bake_svg(BADGE, CREDENTIAL, OB3), OB2) is None


def test_unbake_svg_prefers_the_body_then_the_verify_attribute() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="https://a.example/1.json">\n  </openbadges:assertion>'
        b"</svg>"
    )
    assert unbake_svg(svg, OB2) == "https://a.example/1.json"
    text_body = svg.replace(b"\n  ", b"{&quot;plain&quot;: &quot;text&quot;}")
    assert unbake_svg(text_body, OB2) == '{"plain": "text"}'


def test_unbake_svg_reads_the_first_element_only() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        b"<openbadges:credential>first</openbadges:credential>"
        b"<openbadges:credential>second</openbadges:credential></svg>"
    )
    assert unbake_svg(svg, OB3) == "first"


XML_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff")
    | st.sampled_from("\t\n\r"),
    max_size=200,
).filter(lambda text: text.strip() != "")


@settings(max_examples=200, deadline=None)
@given(payload=XML_TEXT, verify=st.none() | XML_TEXT, spec=st.sampled_from([OB2, OB3]))
def test_bake_svg_round_trips_any_xml_text(
    payload: str, verify: str | None, spec: BakeSpec
) -> None:
    baked = bake_svg(BADGE, payload, spec, verify=verify)
    assert unbake_svg(baked, spec) == payload
    element = parse(baked)[0]
    assert element.get("verify") == verify
