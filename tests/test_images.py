import io

from PIL import Image

from sitegen.bake import OB2, unbake_png
from sitegen.diagnostics import Diagnostics, Span
from sitegen.images import RENDER_SIDE, prepare_image
from tests.conftest import png_bytes

SPAN = Span("content/badges/b.yaml", 4, 9)


def prepare(data: bytes, *, is_svg: bool = False):
    diags = Diagnostics()
    result = prepare_image(data, SPAN, diags, is_svg=is_svg)
    return result, [(d.code, d.message) for d in diags.sorted()]


def test_png_is_published_without_reencoding():
    data = png_bytes(256)
    result, problems = prepare(data)
    assert problems == []
    assert result.png == data
    assert b"data:image/png;base64," in result.svg


def test_non_square_png_is_an_error():
    _, problems = prepare(png_bytes(300, 200))
    assert problems == [("image.not-square", "the image is 300x200; it must be square")]


def test_tiny_png_is_an_error():
    _, problems = prepare(png_bytes(40))
    assert problems == [("image.too-small",
                         "the image is 40x40 pixels; the minimum is 90x90")]


def test_corrupt_png_is_an_error():
    data = bytearray(png_bytes(128))
    data[60:80] = b"\x00" * 20  # damage the pixel data
    _, problems = prepare(bytes(data))
    assert [code for code, _ in problems] == ["image.corrupt"]


def test_truncated_png_is_an_error():
    _, problems = prepare(png_bytes(128)[:70])
    assert [code for code, _ in problems] == ["image.corrupt"]


def test_jpeg_named_png_is_an_error():
    buffer = io.BytesIO()
    Image.new("RGB", (128, 128)).save(buffer, format="JPEG")
    _, problems = prepare(buffer.getvalue())
    assert problems == [("image.format", "the file is a JPEG image, not a PNG")]


def test_animated_png_is_an_error():
    buffer = io.BytesIO()
    frames = [Image.new("RGB", (128, 128), c) for c in ("red", "blue")]
    frames[0].save(buffer, format="PNG", save_all=True, append_images=frames[1:])
    _, problems = prepare(buffer.getvalue())
    assert problems == [("image.animated", "animated PNG images are not allowed")]


def test_decompression_bomb_is_refused_without_decoding():
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")  # tiny file, huge image
    _, problems = prepare(buffer.getvalue())
    assert [code for code, _ in problems] == ["image.too-big"]


def test_svg_is_sanitized_with_warnings_and_rendered_to_png():
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
           b'<script>alert(1)</script><circle cx="32" cy="32" r="30" fill="#136c3a" '
           b'onclick="evil()"/></svg>')
    result, problems = prepare(svg, is_svg=True)
    assert [code for code, _ in problems] == ["image.svg-sanitized", "image.svg-sanitized"]
    assert b"script" not in result.svg and b"onclick" not in result.svg
    with Image.open(io.BytesIO(result.png)) as img:
        assert img.size == (RENDER_SIDE, RENDER_SIDE)
        assert img.mode == "P", "a palette image: every award carries a copy"
        red, green, blue, alpha = img.convert("RGBA").getpixel((RENDER_SIDE // 2,) * 2)
        assert (red, green, blue) == (0x13, 0x6C, 0x3A) and alpha >= 250
        assert img.convert("RGBA").getpixel((0, 0))[3] == 0, "transparency is kept"
    assert unbake_png(result.png, OB2) is None


def test_rendered_svg_keeps_its_colours_within_a_palette():
    import sitegen.images as images

    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
           b'<defs><linearGradient id="g"><stop offset="0" stop-color="#136c3a"/>'
           b'<stop offset="1" stop-color="#f0b429"/></linearGradient></defs>'
           b'<circle cx="32" cy="32" r="30" fill="url(#g)"/></svg>')
    import resvg_py

    full = bytes(resvg_py.svg_to_bytes(svg_string=svg.decode(), width=RENDER_SIDE,
                                       height=RENDER_SIDE, skip_system_fonts=True))
    small = images.render_svg(svg)
    assert len(small) < len(full) / 2
    assert images.render_svg(svg) == small, "same bytes every time"
    with Image.open(io.BytesIO(full)) as a, Image.open(io.BytesIO(small)) as b:
        before, after = a.convert("RGBA"), b.convert("RGBA")
        for x in range(8, RENDER_SIDE, 24):
            for y in range(8, RENDER_SIDE, 24):
                one, two = before.getpixel((x, y)), after.getpixel((x, y))
                assert max(abs(i - j) for i, j in zip(one, two, strict=True)) <= 24


def test_svg_with_entities_is_refused():
    svg = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">&x;</svg>')
    _, problems = prepare(svg, is_svg=True)
    assert [code for code, _ in problems] == ["image.bad-svg"]


def test_non_square_svg_is_an_error():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect width="9" height="9"/></svg>'
    _, problems = prepare(svg, is_svg=True)
    assert [code for code, _ in problems] == ["image.not-square"]
