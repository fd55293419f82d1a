"""Bake a payload into a PNG iTXt chunk, and read it back, without re-encoding."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from sitegen.bake import BakeError, BakeSpec

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# PNG §5.3: a chunk length is at most 2^31 - 1.
_MAX_CHUNK_LENGTH = 2**31 - 1
_TEXT_CHUNK_TYPES = frozenset({b"iTXt", b"tEXt", b"zTXt"})
# Compressed text is never written by us, but legacy files may hold it; bound
# the inflated size so a tiny chunk cannot expand into gigabytes.
_MAX_INFLATED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class _Chunk:
    """One chunk as found in the file, kept byte for byte."""

    type: bytes
    data: bytes
    raw: bytes
    """Length, type, data and CRC exactly as they appear in the file."""


def bake_png(png: bytes, payload: str, spec: BakeSpec) -> bytes:
    """Return ``png`` with ``payload`` in an uncompressed iTXt chunk after IHDR.

    Existing iTXt, tEXt and zTXt chunks with the same keyword are removed; all
    other chunks are copied byte for byte, so pixels are never re-encoded
    (anything after IEND, such as an appended archive, is dropped).
    Chunks of another spec's keyword are kept, so one image can carry both an
    OB2 and an OB3 payload.
    """
    keyword = _keyword_bytes(spec)
    chunks = _split_chunks(png)
    if "\x00" in payload:
        raise BakeError("the payload contains a NUL character, which PNG text forbids")
    try:
        text = payload.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BakeError(f"the payload is not valid Unicode text: {error}") from None
    # Keyword, then NUL-terminated keyword, compression flag 0, method 0,
    # empty language tag and empty translated keyword (PNG §11.3.3.4).
    data = keyword + b"\x00\x00\x00\x00\x00" + text
    if len(data) > _MAX_CHUNK_LENGTH:
        raise BakeError("the payload is too large for a PNG chunk")
    kept = (chunk.raw for chunk in chunks[1:] if not _has_keyword(chunk, keyword))
    return b"".join((PNG_SIGNATURE, chunks[0].raw, encode_chunk(b"iTXt", data), *kept))


def unbake_png(png: bytes, spec: BakeSpec) -> str | None:
    """Return the payload stored under ``spec``'s keyword, or None if there is none.

    The first iTXt chunk with the keyword wins, as the baking specifications
    require. Failing that, a tEXt chunk (pre-1.0 OB2 baking stored the
    assertion URL there) or a zTXt chunk is read.

    Raises:
        BakeError: the bytes are not a well-formed PNG, or the badge chunk is
            malformed.
    """
    keyword = _keyword_bytes(spec)
    matches = [chunk for chunk in _split_chunks(png) if _has_keyword(chunk, keyword)]
    for chunk in matches:
        if chunk.type == b"iTXt":
            return _decode_itxt(chunk.data, len(keyword) + 1)
    if matches:
        return _decode_latin1_text(matches[0], len(keyword) + 1)
    return None


def _keyword_bytes(spec: BakeSpec) -> bytes:
    """The spec's keyword in Latin-1, checked against PNG §11.3.3.2."""
    try:
        keyword = spec.png_keyword.encode("latin-1")
    except UnicodeEncodeError:
        raise BakeError(f"PNG keyword {spec.png_keyword!r} is not Latin-1") from None
    printable = all(32 <= byte <= 126 or 161 <= byte <= 255 for byte in keyword)
    if not 1 <= len(keyword) <= 79 or not printable or keyword != keyword.strip():
        raise BakeError(f"PNG keyword {spec.png_keyword!r} is not a valid keyword")
    return keyword


def encode_chunk(chunk_type: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC-32 of type and data (PNG §5.3)."""
    crc = zlib.crc32(chunk_type + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", crc)


def _split_chunks(png: bytes) -> tuple[_Chunk, ...]:
    """Cut a PNG into its chunks, rejecting anything malformed.

    The file must start with the signature and IHDR, every CRC must match and
    it must end with IEND. Bytes after IEND are ignored, as image decoders do;
    they are not part of the image, so a baked copy leaves them out.
    """
    if not png.startswith(PNG_SIGNATURE):
        raise BakeError("not a PNG file: the 8-byte PNG signature is missing")
    chunks: list[_Chunk] = []
    offset = len(PNG_SIGNATURE)
    while True:
        if len(png) - offset < 12:
            if offset == len(png):
                raise BakeError("truncated PNG file: the IEND chunk is missing")
            raise BakeError(f"truncated PNG file: incomplete chunk at byte {offset}")
        (length,) = struct.unpack_from(">I", png, offset)
        chunk_type = png[offset + 4 : offset + 8]
        name = chunk_type.decode("latin-1")
        if not chunk_type.isalpha() or not chunk_type.isascii():
            raise BakeError(f"corrupt PNG file: invalid chunk type {name!r} at byte {offset}")
        if length > _MAX_CHUNK_LENGTH:
            raise BakeError(
                f"corrupt PNG file: chunk {name} at byte {offset} declares "
                f"{length} bytes, more than PNG allows"
            )
        end = offset + 12 + length
        if end > len(png):
            raise BakeError(
                f"truncated PNG file: chunk {name} at byte {offset} declares "
                f"{length} bytes but only {len(png) - offset - 12} follow"
            )
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack_from(">I", png, offset + 8 + length)
        if crc != zlib.crc32(chunk_type + data) & 0xFFFFFFFF:
            raise BakeError(f"corrupt PNG file: bad CRC in chunk {name} at byte {offset}")
        if not chunks and chunk_type != b"IHDR":
            raise BakeError(f"corrupt PNG file: the first chunk is {name}, not IHDR")
        if chunks and chunk_type == b"IHDR":
            raise BakeError(f"corrupt PNG file: a second IHDR chunk at byte {offset}")
        if chunk_type == b"IHDR" and length != 13:
            raise BakeError("corrupt PNG file: the IHDR chunk is not 13 bytes long")
        chunks.append(_Chunk(type=chunk_type, data=data, raw=png[offset:end]))
        offset = end
        if chunk_type == b"IEND":
            return tuple(chunks)


def _has_keyword(chunk: _Chunk, keyword: bytes) -> bool:
    """True if ``chunk`` is a text chunk whose whole keyword is ``keyword``."""
    if chunk.type not in _TEXT_CHUNK_TYPES:
        return False
    found, separator, _ = chunk.data.partition(b"\x00")
    return bool(separator) and found == keyword


def _decode_itxt(data: bytes, start: int) -> str:
    """The text of an iTXt chunk whose keyword and NUL end at ``start``."""
    if len(data) < start + 2:
        raise BakeError("malformed iTXt badge chunk: the compression fields are missing")
    compressed, method = data[start], data[start + 1]
    language_end = data.find(b"\x00", start + 2)
    translated_end = data.find(b"\x00", language_end + 1) if language_end >= 0 else -1
    if translated_end < 0:
        raise BakeError("malformed iTXt badge chunk: the language fields are not terminated")
    text = data[translated_end + 1 :]
    if compressed == 1 and method == 0:
        text = _inflate(text)
    elif compressed != 0:
        raise BakeError("malformed iTXt badge chunk: unknown compression")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        raise BakeError("malformed iTXt badge chunk: the text is not UTF-8") from None


def _decode_latin1_text(chunk: _Chunk, start: int) -> str:
    """The text of a tEXt or zTXt chunk whose keyword and NUL end at ``start``."""
    text = chunk.data[start:]
    if chunk.type == b"zTXt":
        if not text or text[0] != 0:
            raise BakeError("malformed zTXt badge chunk: unknown compression")
        text = _inflate(text[1:])
    return text.decode("latin-1")


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, _MAX_INFLATED_BYTES)
    except zlib.error as error:
        raise BakeError(f"malformed compressed badge text: {error}") from None
    if inflater.unconsumed_tail:
        raise BakeError("compressed badge text is too large once inflated")
    if not inflater.eof:
        raise BakeError("malformed compressed badge text: the stream is truncated")
    return text
