"""A content-addressed cache of expensive build results, so unchanged awards are not redone."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from sitegen import __version__

# Bump when a cached kind changes meaning: every old entry is then ignored.
MEMO_VERSION = "1"


def digest(*parts: str | bytes) -> str:
    """A SHA-256 over length-prefixed parts (so ``("ab", "c") != ("a", "bc")``)."""
    h = hashlib.sha256(f"sitegen {__version__} memo {MEMO_VERSION}".encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def tree_digest(roots: Iterable[Path]) -> str:
    """A digest of every file under some folders (a theme, sitegen's code), by relative path
    and bytes; compiled Python caches are left out (they change when Python rewrites them)."""
    parts: list[str | bytes] = []
    for root in roots:
        for path in sorted(
            p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ):
            parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return digest(*parts)


class Memo:
    """Results by key in ``<dir>/<kind>/<key>``; a build keeps only what it used.

    Values depend only on their key (signatures are deterministic), so a
    cached value is byte-identical to a recomputed one.
    """

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.used: set[Path] = set()
        self.hits = 0
        self.misses = 0

    def get_or_make(self, kind: str, key: str, make: Callable[[], bytes]) -> bytes:
        """The cached value of ``key``, else ``make()``'s, stored for next time."""
        if self.directory is None:
            return make()
        path = self.directory / kind / key[:2] / key
        self.used.add(path)
        try:
            value = path.read_bytes()
        except OSError:
            value = None
        if value is not None:
            self.hits += 1
            return value
        self.misses += 1
        value = make()
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{key}.{os.getpid()}.tmp")
        staging.write_bytes(value)
        staging.replace(path)
        return value

    def prune(self) -> None:
        """Delete entries this build did not use (images and share cards of changed badges)."""
        if self.directory is None or not self.directory.is_dir():
            return
        for path in self.directory.rglob("*"):
            if path.is_file() and path not in self.used:
                path.unlink(missing_ok=True)
