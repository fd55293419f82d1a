"""Sharded builds: each CI runner makes a slice of the awards, and a merge assembles the site.

Every shard reads and validates the whole site (status indexes are given from all
awards, and must come out the same everywhere), then signs and renders only its
slice: the award at position ``i`` of the sorted ids belongs to shard ``i mod N``.
A shard's folder holds its awards' folders and a manifest naming them, with one
digest of every award's key (content, settings, signing keys, theme and sitegen's
own code), so that a merge refuses shards made from anything else. The merge
validates again, copies the awards' folders and makes everything around them:
the result is byte for byte the site a single build makes.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sitegen import __version__
from sitegen.output import OutputError

MANIFEST = "shard.json"
MAX_SHARDS = 1000
_SPEC = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)")


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``number`` of ``count`` (counted from 1, as CI matrices do)."""

    number: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Read ``K/N``; raise ValueError with a message for a person."""
        match = _SPEC.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"'{text}' is not a shard: write K/N, like 2/3 (shard 2 of 3)")
        shard = cls(int(match[1]), int(match[2]))
        if shard.number > shard.count or shard.count > MAX_SHARDS:
            raise ValueError(
                f"'{text}': K must be between 1 and N, and N at most {MAX_SHARDS}"
            )
        return shard

    def takes(self, position: int) -> bool:
        """True for the awards (by position among the sorted ids) this shard makes."""
        return position % self.count == self.number - 1


def content_key(keys: Iterable[tuple[str, str]]) -> str:
    """One digest of every award's id and key: equal only for shards of the same build."""
    h = hashlib.sha256(f"sitegen {__version__} shards\n".encode())
    for award_id, key in sorted(keys):
        h.update(f"{award_id}\0{key}\n".encode())
    return h.hexdigest()


def write_manifest(root: Path, shard: Shard, content: str, award_ids: Sequence[str]) -> None:
    """Name the awards a shard made, and the build they belong to."""
    document = {
        "shard": [shard.number, shard.count], "content": content, "awards": sorted(award_ids),
    }
    (root / MANIFEST).write_text(json.dumps(document, separators=(",", ":")) + "\n")


def read_shards(folders: Sequence[Path], content: str, award_ids: Iterable[str]) -> dict[str, Path]:
    """Which shard folder holds each award.

    Raises :class:`OutputError` when a folder is not a shard, shards are missing or
    repeated, were cut into another number of slices, were made from other content
    (or another sitegen, settings or keys), or do not hold every award.
    """
    count: int | None = None
    seen: dict[int, Path] = {}
    owners: dict[str, Path] = {}
    for folder in folders:
        number, of, awards = _read_manifest(folder, content)
        if count is not None and of != count:
            raise OutputError(f"{folder} is shard {number}/{of}, the others are of {count}")
        count = of
        if number in seen:
            raise OutputError(f"{seen[number]} and {folder} are both shard {number}/{of}")
        seen[number] = folder
        owners.update(dict.fromkeys(awards, folder))
    if count is None:
        raise OutputError("give the folders of every shard to merge")
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        raise OutputError(
            f"shard(s) {', '.join(f'{n}/{count}' for n in missing)} missing: merge needs all "
            f"{count} shards"
        )
    absent = sorted(set(award_ids) - set(owners))
    if absent:
        raise OutputError(f"no shard holds award '{absent[0]}' ({len(absent)} missing)")
    return owners


def _read_manifest(folder: Path, content: str) -> tuple[int, int, list[str]]:
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        (number, count), made, awards = document["shard"], document["content"], document["awards"]
        if not all(isinstance(a, str) for a in awards):
            raise TypeError
    except FileNotFoundError:
        raise OutputError(
            f"{folder} is not a shard (no {MANIFEST}): make it with 'sitegen build --shard K/N'"
        ) from None
    except (OSError, ValueError, TypeError, KeyError):
        raise OutputError(f"{folder / MANIFEST} is damaged: build that shard again") from None
    if made != content:
        raise OutputError(
            f"shard {number}/{count} in {folder} was made from other content, settings, keys "
            "or sitegen version: build every shard and the merge from the same commit"
        )
    return int(number), int(count), awards


def copy_award_folders(root: Path, shard: Path, folders: Sequence[str]) -> tuple[int, int]:
    """Copy one award's folders from its shard into the site; return their files and bytes."""
    files = size = 0
    for folder in folders:
        source = shard / folder
        if not source.is_dir():
            raise OutputError(f"{shard} lacks {folder}: build that shard again")
        shutil.copytree(source, root / folder, symlinks=False)
        for path in (root / folder).rglob("*"):
            if path.is_file():
                files += 1
                size += path.stat().st_size
    return files, size
