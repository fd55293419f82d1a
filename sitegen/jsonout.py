"""Stable JSON bytes for published documents."""

from __future__ import annotations

import json


def to_json_bytes(document: object) -> bytes:
    """UTF-8 JSON, indented, keys in the order given, with a final newline."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
