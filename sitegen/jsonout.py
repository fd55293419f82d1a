"""Stable JSON bytes for published documents."""

from __future__ import annotations

import json


def to_json_bytes(document: object) -> bytes:
    """UTF-8 JSON without spaces, keys in the order given, with a final newline.

    Published JSON is read by programs (browsers pretty-print it for people), and each
    award carries its credential three times (the file and two baked images): the
    indentation alone was a sixth of those bytes.
    """
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")
