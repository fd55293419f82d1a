"""Tests for sitegen.bake.png: iTXt baking without re-encoding, and hostile PNGs."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from sitegen.bake import OB2, OB3, BakeError, BakeSpec, bake_png, unbake_png

SIGNATURE = b"\x89PNG\r\n\x1a\n"
ASSERTION = '{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"}'
CREDENTIAL = '{"type": ["VerifiableCredential", "OpenBadgeCredential"]}'
JWS = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def make_png(info: PngImagePlugin.PngInfo | None = None) -> bytes:
    """A small RGBA PNG with a gradient, so pixel comparisons mean something."""
    image = Image.new("RGBA", (16, 16))
    image.putdata([(x * 16, y * 16, (x + y) * 8, 255) for y in range(16) for x in range(16)])
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, dpi=(72, 72))
    return out.getvalue()


def chunks(png: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """(type, data, raw chunk bytes) for each chunk; an independent reader."""
    assert png.startswith(SIGNATURE)
    found = []
    offset = len(SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack_from(">I", png, offset)
        end = offset + 12 + length
        found.append((png[offset + 4 : offset + 8], png[offset + 8 : end - 4], png[offset:end]))
        offset = end
    return found


def encode_chunk(chunk_type: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", crc)


def insert_after_ihdr(png: bytes, *extra: bytes) -> bytes:
    ihdr_end = len(SIGNATURE) + 12 + 13
    return png[:ihdr_end] + b"".join(extra) + png[ihdr_end:]


def keyword_chunks(png: bytes, keyword: str) -> list[tuple[bytes, bytes, bytes]]:
    prefix = keyword.encode("latin-1") + b"\x00"
    return [chunk for chunk in chunks(png) if chunk[1].startswith(prefix)]


def pixels(png: bytes) -> bytes:
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGBA").tobytes()


@pytest.mark.parametrize(("spec", "payload"), [(OB2, ASSERTION), (OB3, CREDENTIAL)])
def test_bake_png_round_trips_payload(spec: BakeSpec, payload: str) -> None:
    assert unbake_png(bake_png(make_png(), payload, spec), spec) == payload


@pytest.mark.parametrize("spec", [OB2, OB3])
def test_bake_png_round_trips_compact_jws(spec: BakeSpec) -> None:
    assert unbake_png(bake_png(make_png(), JWS, spec), spec) == JWS


@pytest.mark.parametrize(
    ("spec", "prefix"),
    [
        (OB2, b"openbadges\x00\x00\x00\x00\x00"),
        (OB3, b"openbadgecredential\x00\x00\x00\x00\x00"),
    ],
)
def test_bake_png_writes_uncompressed_itxt_right_after_ihdr(spec: BakeSpec, prefix: bytes) -> None:
    baked = bake_png(make_png(), '{"é": 1}', spec)
    found = chunks(baked)
    assert found[0][0] == b"IHDR"
    chunk_type, data, raw = found[1]
    assert chunk_type == b"iTXt"
    assert data == prefix + '{"é": 1}'.encode()
    assert raw[-4:] == struct.pack(">I", zlib.crc32(b"iTXt" + data) & 0xFFFFFFFF)
    assert raw[:4] == struct.pack(">I", len(data))


def test_bake_png_keeps_every_other_chunk_byte_identical() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "made by hand")
    info.add_itxt("Title", "Badge ✓", lang="fr", tkey="Titre")
    original = make_png(info)
    baked = bake_png(original, ASSERTION, OB2)
    before = [raw for _, _, raw in chunks(original)]
    after = [raw for _, _, raw in chunks(baked)]
    assert after[0] == before[0]
    assert after[2:] == before[1:]
    assert {chunk_type for chunk_type, _, _ in chunks(original)} >= {
        b"IHDR",
        b"pHYs",
        b"tEXt",
        b"iTXt",
        b"IDAT",
        b"IEND",
    }
    assert baked.startswith(SIGNATURE)


def test_bake_png_leaves_pixels_unchanged_and_pillow_reads_the_text() -> None:
    original = make_png()
    baked = bake_png(bake_png(original, ASSERTION, OB2), CREDENTIAL, OB3)
    assert pixels(baked) == pixels(original)
    with Image.open(io.BytesIO(baked)) as image:
        image.verify()
    with Image.open(io.BytesIO(baked)) as image:
        assert isinstance(image, PngImagePlugin.PngImageFile)
        image.load()
        assert image.text["openbadges"] == ASSERTION
        assert image.text["openbadgecredential"] == CREDENTIAL


def test_bake_png_replaces_existing_chunk_of_the_same_spec() -> None:
    once = bake_png(make_png(), '{"v": 1}', OB2)
    twice = bake_png(once, '{"v": 2}', OB2)
    assert len(keyword_chunks(twice, "openbadges")) == 1
    assert unbake_png(twice, OB2) == '{"v": 2}'
    assert len(twice) == len(once)


def test_bake_png_is_deterministic_and_idempotent() -> None:
    original = make_png()
    baked = bake_png(original, ASSERTION, OB2)
    assert bake_png(original, ASSERTION, OB2) == baked
    assert bake_png(baked, ASSERTION, OB2) == baked


def test_bake_png_removes_existing_text_ztxt_and_itxt_badge_chunks() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("openbadges", "https://old.example/assertion.json")  # tEXt
    info.add_text("openbadges", "zipped stale data", zip=True)  # zTXt
    info.add_itxt("openbadges", "compressed stale", zip=True)  # compressed iTXt
    info.add_text("Comment", "kept")
    original = make_png(info)
    types = [chunk_type for chunk_type, _, _ in keyword_chunks(original, "openbadges")]
    assert sorted(types) == [b"iTXt", b"tEXt", b"zTXt"]

    baked = bake_png(original, ASSERTION, OB2)

    found = keyword_chunks(baked, "openbadges")
    assert [(chunk_type, data) for chunk_type, data, _ in found] == [
        (b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + ASSERTION.encode())
    ]
    assert any(data == b"Comment\x00kept" for _, data, _ in chunks(baked))


def test_bake_png_compares_the_whole_keyword() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadgesX", "not ours")
    info.add_text("openbadge", "not ours either")
    info.add_text("openbadgecredentials", "nor this")
    original = make_png(info)
    assert unbake_png(original, OB2) is None
    assert unbake_png(original, OB3) is None

    baked = bake_png(bake_png(original, ASSERTION, OB2), CREDENTIAL, OB3)

    kept = {data for _, data, _ in chunks(baked)}
    assert b"openbadgesX\x00\x00\x00\x00\x00not ours" in kept
    assert b"openbadge\x00not ours either" in kept
    assert b"openbadgecredentials\x00nor this" in kept
    assert unbake_png(baked, OB2) == ASSERTION
    assert unbake_png(baked, OB3) == CREDENTIAL


@pytest.mark.parametrize("order", [(OB2, OB3), (OB3, OB2)])
def test_bake_png_carries_ob2_and_ob3_at_once(order: tuple[BakeSpec, BakeSpec]) -> None:
    payloads = {OB2: ASSERTION, OB3: CREDENTIAL}
    baked = make_png()
    for spec in order:
        baked = bake_png(baked, payloads[spec], spec)
    assert unbake_png(baked, OB2) == ASSERTION
    assert unbake_png(baked, OB3) == CREDENTIAL
    rebaked = bake_png(baked, '{"new": true}', OB2)
    assert unbake_png(rebaked, OB2) == '{"new": true}'
    assert unbake_png(rebaked, OB3) == CREDENTIAL
    assert len(keyword_chunks(rebaked, "openbadges")) == 1
    assert len(keyword_chunks(rebaked, "openbadgecredential")) == 1


@pytest.mark.parametrize(
    "payload",
    [
        '{"name": "Compétence validée \u2013 Œuvre"}',
        '{"name": "🎓 badge 🚀", "flag": "🇫🇷"}',
        '{"name": "شارة مفتوحة", "he": "תג פתוח"}',
        '{"narrative": "a ]]> b <![CDATA[ c"}',
        "line one\r\nline two\rthree\n",
        "",
    ],
    ids=["accents", "emoji", "rtl", "cdata-end", "newlines", "empty"],
)
@pytest.mark.parametrize("spec", [OB2, OB3])
def test_bake_png_round_trips_unicode_text(spec: BakeSpec, payload: str) -> None:
    assert unbake_png(bake_png(make_png(), payload, spec), spec) == payload


def test_bake_png_refuses_nul_and_lone_surrogates() -> None:
    with pytest.raises(BakeError, match="NUL"):
        bake_png(make_png(), "a\x00b", OB2)
    with pytest.raises(BakeError, match="not valid Unicode"):
        bake_png(make_png(), "a\ud800b", OB3)


def test_unbake_png_returns_none_without_badge_chunk() -> None:
    assert unbake_png(make_png(), OB2) is None
    assert unbake_png(bake_png(make_png(), ASSERTION, OB2), OB3) is None


def test_unbake_png_reads_a_legacy_text_chunk_url() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("openbadges", "https://issuer.example/assertions/1.json")
    assert unbake_png(make_png(info), OB2) == "https://issuer.example/assertions/1.json"


def test_unbake_png_prefers_itxt_over_an_earlier_text_chunk() -> None:
    png = insert_after_ihdr(
        make_png(),
        encode_chunk(b"tEXt", b"openbadges\x00https://old.example/a.json"),
        encode_chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + ASSERTION.encode()),
    )
    assert unbake_png(png, OB2) == ASSERTION


def test_unbake_png_skips_language_tag_and_translated_keyword() -> None:
    data = b"openbadgecredential\x00\x00\x00fr-CA\x00Titre traduit\x00" + JWS.encode()
    png = insert_after_ihdr(make_png(), encode_chunk(b"iTXt", data))
    assert unbake_png(png, OB3) == JWS


def test_unbake_png_reads_compressed_chunks_written_by_other_tools() -> None:
    itxt = PngImagePlugin.PngInfo()
    itxt.add_itxt("openbadgecredential", CREDENTIAL, zip=True)
    assert unbake_png(make_png(itxt), OB3) == CREDENTIAL
    ztxt = PngImagePlugin.PngInfo()
    ztxt.add_text("openbadges", "https://issuer.example/a.json", zip=True)
    assert unbake_png(make_png(ztxt), OB2) == "https://issuer.example/a.json"


def test_unbake_png_refuses_a_compression_bomb() -> None:
    bomb = zlib.compress(b"{" * (64 * 1024 * 1024 + 1), 9)
    data = b"openbadges\x00\x01\x00\x00\x00" + bomb
    png = insert_after_ihdr(make_png(), encode_chunk(b"iTXt", data))
    with pytest.raises(BakeError, match="too large"):
        unbake_png(png, OB2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"openbadges\x00", "compression fields are missing"),
        (b"openbadges\x00\x00\x00no terminators", "not terminated"),
        (b"openbadges\x00\x02\x00\x00\x00text", "unknown compression"),
        (b"openbadges\x00\x00\x00\x00\x00\xff\xfe", "not UTF-8"),
        (b"openbadges\x00\x01\x00\x00\x00not zlib", "malformed compressed"),
    ],
)
def test_unbake_png_rejects_malformed_badge_chunk(data: bytes, message: str) -> None:
    png = insert_after_ihdr(make_png(), encode_chunk(b"iTXt", data))
    with pytest.raises(BakeError, match=message):
        unbake_png(png, OB2)


def hostile_pngs() -> list[tuple[str, bytes, str]]:
    good = make_png()
    ihdr_end = len(SIGNATURE) + 12 + 13
    bad_crc = bytearray(good)
    bad_crc[ihdr_end - 1] ^= 0xFF
    flipped_pixel = bytearray(good)
    idat = good.index(b"IDAT")
    flipped_pixel[idat + 6] ^= 0x01
    huge_length = good[:ihdr_end] + b"\xff\xff\xff\xfftEXt" + b"x" * 20
    overlong = good[:ihdr_end] + struct.pack(">I", 10_000) + b"tEXt" + b"x" * 20
    idat_first = SIGNATURE + encode_chunk(b"IDAT", b"") + good[len(SIGNATURE) :]
    short_ihdr = SIGNATURE + encode_chunk(b"IHDR", b"\x00" * 12) + good[ihdr_end:]
    two_ihdr = good[:ihdr_end] + good[len(SIGNATURE) : ihdr_end] + good[ihdr_end:]
    bad_type = good[:ihdr_end] + encode_chunk(b"t3Xt", b"a") + good[ihdr_end:]
    return [
        ("empty", b"", "signature"),
        ("gif", b"GIF89a" + b"\x00" * 40, "signature"),
        ("jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 40, "signature"),
        ("signature-only", SIGNATURE, "IEND chunk is missing"),
        ("half-header", good[: len(SIGNATURE) + 6], "incomplete chunk"),
        ("truncated-data", good[: ihdr_end - 6], "declares 13 bytes"),
        ("no-iend", good[:-12], "IEND chunk is missing"),
        ("length-overflow", huge_length, "more than PNG allows"),
        ("length-past-end", overlong, "declares 10000 bytes"),
        ("bad-crc-ihdr", bytes(bad_crc), "bad CRC in chunk IHDR"),
        ("bad-crc-idat", bytes(flipped_pixel), "bad CRC in chunk IDAT"),
        ("idat-first", idat_first, "first chunk is IDAT"),
        ("short-ihdr", short_ihdr, "not 13 bytes"),
        ("two-ihdr", two_ihdr, "second IHDR"),
        ("bad-chunk-type", bad_type, "invalid chunk type"),
    ]


HOSTILE = hostile_pngs()


@pytest.mark.parametrize(
    ("png", "message"),
    [(png, message) for _, png, message in HOSTILE],
    ids=[name for name, _, _ in HOSTILE],
)
@pytest.mark.parametrize("spec", [OB2, OB3])
def test_bake_and_unbake_png_reject_hostile_input(spec: BakeSpec, png: bytes, message: str) -> None:
    with pytest.raises(BakeError, match=re.escape(message)):
        bake_png(png, ASSERTION, spec)
    with pytest.raises(BakeError, match=re.escape(message)):
        unbake_png(png, spec)


def test_bake_png_drops_bytes_after_iend() -> None:
    original = make_png()
    polyglot = original + b"PK\x03\x04appended archive"
    assert unbake_png(polyglot, OB2) is None
    baked = bake_png(polyglot, ASSERTION, OB2)
    assert baked == bake_png(original, ASSERTION, OB2)
    assert baked.endswith(b"IEND\xaeB`\x82")


def test_bake_png_rejects_invalid_keyword() -> None:
    with pytest.raises(BakeError, match="not a valid keyword"):
        bake_png(make_png(), "x", BakeSpec(png_keyword="", svg_element="a", svg_namespace="u"))
    too_long = BakeSpec(png_keyword="k" * 80, svg_element="a", svg_namespace="u")
    with pytest.raises(BakeError, match="not a valid keyword"):
        bake_png(make_png(), "x", too_long)


def bakery_style_unbake(png: bytes) -> str | None:
    """What openbadges-bakery's png_bakery.unbake does, per its source.

    The package is not installed here (it pins old dependencies); this mirrors
    its chunk test and its ``re.sub(b'openbadges[\\x00]+', b'', data)``.
    """
    for chunk_type, data, _ in chunks(png):
        if chunk_type == b"iTXt" and data.startswith(b"openbadges\x00"):
            return re.sub(b"openbadges[\x00]+", b"", data).decode("utf-8")
        if chunk_type == b"tEXt" and data.startswith(b"openbadges\x00"):
            return data.split(b"\x00", 1)[1].decode("latin-1")
    return None


def test_bake_png_output_reads_back_with_the_reference_bakery_logic() -> None:
    baked = bake_png(bake_png(make_png(), CREDENTIAL, OB3), ASSERTION, OB2)
    assert bakery_style_unbake(baked) == ASSERTION
    jws_baked = bake_png(make_png(), JWS, OB2)
    assert bakery_style_unbake(jws_baked) == JWS


PLAIN_PNG = make_png()


@settings(max_examples=200, deadline=None)
@given(
    payload=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=300),
    spec=st.sampled_from([OB2, OB3]),
)
def test_bake_png_round_trips_any_text(payload: str, spec: BakeSpec) -> None:
    baked = bake_png(PLAIN_PNG, payload, spec)
    assert unbake_png(baked, spec) == payload
    assert pixels(baked) == pixels(PLAIN_PNG)
