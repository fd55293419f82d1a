"""What the previous build read and wrote, so that the next one redoes only what changed.

A build records the size, modification time and digest of every file it read,
and for every award a small summary and the key of what it was built from. The
next build into the same folder compares: nothing changed means nothing to do
(it only stats files); otherwise only awards whose key changed are read, signed,
rendered and written again. The record lives in the source's cache folder, never
in the published site, and is written last, so a build that stops half-way
leaves none and the next build starts afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sitegen import __version__
from sitegen.diagnostics import Diagnostic, Severity, Span
from sitegen.model import AwardSummary, Badge, Localized, Revocation

# Bump when the meaning of a recorded value changes: older records are then ignored.
STATE_VERSION = 2

# What a site's folder holds that a build reads (the site's own theme and keys included).
SOURCE_INPUTS = ("site.yaml", "status-indexes.yaml", "content", "themes", ".keys")
# Environment variables that change a build's output (signing keys, production mode).
ENV_PREFIX = "SITEGEN_"

FileStat = tuple[int, int, int]
"""Size, modification time (ns) and inode of a file."""


def scan_inputs(source: Path, package_dirs: Iterable[Path]) -> dict[str, FileStat]:
    """Stat every file a build may read: the site's inputs and sitegen's own code and theme.

    Only metadata is read, so this stays fast for a hundred thousand awards.
    Package files are keyed ``<n>:path`` so they never clash with site paths.
    """
    found: dict[str, FileStat] = {}
    for name in SOURCE_INPUTS:
        _scan(source / name, name, found)
    for number, directory in enumerate(package_dirs):
        _scan(directory, f"<{number}>", found)
    return found


def _scan(path: Path, key: str, found: dict[str, FileStat]) -> None:
    try:
        info = path.stat()
    except OSError:
        return
    if not path.is_dir():
        found[key] = _file_stat(info)
        return
    stack = [(os.fspath(path), key)]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name == "__pycache__":
                continue
            rel = f"{prefix}/{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=False):  # a linked folder is not entered
                    stack.append((entry.path, rel))
                    continue
                info = entry.stat()
            except OSError:
                continue
            found[rel] = _file_stat(info)


def stat_of(path: Path) -> FileStat:
    """The recorded stat of one file."""
    return _file_stat(path.stat())


def _file_stat(info: os.stat_result) -> FileStat:
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def quick_fingerprint(
    *, base_url: str | None, production: bool, environ: Mapping[str, str]
) -> str:
    """A digest of the options and environment that change a build's output.

    Secrets from the environment enter only through SHA-256, which does not reveal them.
    """
    h = hashlib.sha256(f"sitegen {__version__} state {STATE_VERSION}\0".encode())
    h.update(f"{base_url}\0{production}\0".encode())
    for name in sorted(n for n in environ if n.startswith(ENV_PREFIX)):
        h.update(f"{name}\0{environ[name]}\0".encode())
    return h.hexdigest()


def file_digest(data: bytes) -> str:
    """The digest recorded for a file's content."""
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class InputDigests:
    """Content digests of input files, reusing the previous build's when a file's stat is
    unchanged (so an unchanged file is not even read)."""

    source: Path
    stats: Mapping[str, FileStat]
    previous: Mapping[str, tuple[FileStat, str]]
    digests: dict[str, str] = field(default_factory=dict)

    def of(self, rel: str) -> str:
        """The digest of the site file ``rel``, or ``"missing"``."""
        known = self.digests.get(rel)
        if known is not None:
            return known
        stat = self.stats.get(rel)
        before = self.previous.get(rel)
        if stat is not None and before is not None and before[0] == stat:
            value = before[1]
        else:
            try:
                value = file_digest((self.source / rel).read_bytes())
            except OSError:
                value = "missing"
        self.digests[rel] = value
        return value

    def know(self, rel: str, value: str) -> None:
        """Take the digest of ``rel`` from whoever just read it (so it is not read again)."""
        self.digests.setdefault(rel, value)

    def record(self) -> dict[str, tuple[FileStat, str]]:
        """Stat and digest of every file whose digest was taken, for the next build."""
        return {
            rel: (self.stats[rel], value)
            for rel, value in sorted(self.digests.items())
            if rel in self.stats and value != "missing"
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class AwardRecord:
    """One award as the previous build left it."""

    file: str
    """The award's content file."""
    key: str
    """Digest of everything its output depends on."""
    summary: AwardSummary
    evidence: tuple[str, ...]
    """The content files it publishes as evidence (part of its key)."""
    files: int
    """How many files its folders hold, and their size in bytes."""
    bytes: int
    renewals: str = ""
    """Digest of its place among renewals (its page links to the awards around it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildState:
    """The record of one build into one output folder."""

    fingerprint: str
    digests: Mapping[str, tuple[FileStat, str]]
    awards: Mapping[str, AwardRecord]
    marker: int
    """Modification time (whole seconds) the build gave the output's marker file: the
    output is the one recorded only while the marker still has it. Seconds, because
    archives that carry an output between CI runs (tar, zip) keep no finer time."""
    shared: Mapping[str, int]
    """Size of every file that belongs to no award (pages, lists, assets)."""
    counts: tuple[int, int]
    """Issuers and badges."""
    development: bool
    warnings: tuple[Diagnostic, ...]


def state_path(cache_dir: Path, out_dir: Path) -> Path:
    """Where the record of builds into ``out_dir`` is kept."""
    name = hashlib.sha256(os.fsencode(out_dir.resolve())).hexdigest()[:16]
    return cache_dir / "state" / (name + ".json")


def read_state(path: Path) -> dict[str, Any] | None:
    """The recorded state as read, or None if there is none or it is unreadable or outdated."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != [STATE_VERSION, __version__]:
        return None
    return data


def decode_state(data: Mapping[str, Any], badges: Mapping[str, Badge]) -> BuildState | None:
    """The state with award summaries linked to today's badges, or None if it is damaged.

    Awards of a badge that no longer exists are dropped (they are read again).
    """
    try:
        return _decode(data, badges)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def quick_path(path: Path) -> Path:
    """The small companion of a record that says whether anything changed at all."""
    return path.with_name(path.stem + ".quick.json")


def inputs_digest(inputs: Mapping[str, FileStat]) -> str:
    """One digest of every input's path and stat: equal digests, nothing to read again."""
    h = hashlib.sha256()
    for rel in sorted(inputs):
        size, mtime, inode = inputs[rel]
        h.update(f"{rel}\0{size}\0{mtime}\0{inode}\n".encode())
    return h.hexdigest()


def read_unchanged(
    path: Path, fingerprint: str, inputs: Mapping[str, FileStat], marker: Path
) -> dict[str, Any] | None:
    """What the recorded build made, when every input has the recorded stat and the output
    is the one recorded; otherwise None.

    Only the record's small companion is read (a few hundred bytes whatever the number of
    awards), so a build with nothing to do stays fast and small at any size.
    """
    try:
        quick = json.loads(quick_path(path).read_bytes())
        if not isinstance(quick, dict) or quick.get("version") != [STATE_VERSION, __version__]:
            return None
        if quick["fingerprint"] != fingerprint or not is_marked(marker, quick["marker"]):
            return None
        if quick["inputs"] != inputs_digest(inputs):
            return None
        result = quick["result"]
        return {
            "issuers": int(result["issuers"]), "badges": int(result["badges"]),
            "awards": int(result["awards"]), "files": int(result["files"]),
            "bytes": int(result["bytes"]), "development": bool(result["development"]),
            "warnings": tuple(_decode_diagnostic(d) for d in result["warnings"]),
        }
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def mark_output(marker: Path) -> int:
    """Date the output's marker file with a stamp that identifies this build; return it."""
    stamp = int(time.time())
    newest = max(stamp, marker.stat().st_mtime_ns // 1_000_000_000 + 1)
    os.utime(marker, ns=(newest * 1_000_000_000, newest * 1_000_000_000))
    return newest


def is_marked(marker: Path, stamp: int) -> bool:
    """True when the output's marker file still has the stamp a build gave it."""
    try:
        return marker.stat().st_mtime_ns // 1_000_000_000 == stamp
    except OSError:
        return False


def write_state(path: Path, state: BuildState, inputs: Mapping[str, FileStat]) -> None:
    """Record a build (atomically): the full record, then its small companion, which
    vouches for ``inputs`` (the stat of every input file at the time of the build)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    files, size = _write_record(path, state)
    _write_json(quick_path(path), {
        "version": [STATE_VERSION, __version__],
        "fingerprint": state.fingerprint,
        "marker": state.marker,
        "inputs": inputs_digest(inputs),
        "result": {
            "issuers": state.counts[0], "badges": state.counts[1], "awards": len(state.awards),
            "files": files + len(state.shared),
            "bytes": size + sum(state.shared.values()),
            "development": state.development,
            "warnings": [_encode_diagnostic(d) for d in state.warnings],
        },
    })


def _write_json(path: Path, document: object) -> None:
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staging.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")))
    staging.replace(path)


def _write_record(path: Path, state: BuildState) -> tuple[int, int]:
    """Write the record award by award: a whole record held as one encoded document (and
    then one string) would be the largest thing a big build has in memory. Returns the
    files and bytes of all awards, counted on the way (the awards may be made as read)."""
    totals = [0, 0]

    def award_rows() -> Iterator[tuple[str, list[Any]]]:
        for award_id, record in state.awards.items():
            totals[0] += record.files
            totals[1] += record.bytes
            yield award_id, _encode_award(record)

    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    head = json.dumps(_encode(state), ensure_ascii=False, separators=(",", ":"))
    with staging.open("w", encoding="utf-8") as out:
        out.write(head[:-1])  # the header without its closing brace
        for name, rows in (
            ("digests", ((k, [list(stat), d]) for k, (stat, d) in state.digests.items())),
            ("awards", award_rows()),
        ):
            out.write(f',"{name}":{{')
            for number, (key, row) in enumerate(rows):
                out.write("," if number else "")
                out.write(json.dumps(key, ensure_ascii=False))
                out.write(":")
                out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            out.write("}")
        out.write("}")
    staging.replace(path)
    return totals[0], totals[1]


def forget_state(path: Path) -> None:
    """Remove the record before changing the output in place: if the build stops half-way,
    the next one finds no record and rebuilds everything."""
    for stale in (quick_path(path), path):  # the companion first: it vouches for the rest
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def _encode(state: BuildState) -> dict[str, Any]:
    """The record but its digests and awards (written one by one)."""
    return {
        "version": [STATE_VERSION, __version__],
        "fingerprint": state.fingerprint,
        "marker": state.marker,
        "shared": dict(state.shared),
        "counts": list(state.counts),
        "development": state.development,
        "warnings": [_encode_diagnostic(d) for d in state.warnings],
    }


def _decode(data: Mapping[str, Any], badges: Mapping[str, Badge]) -> BuildState:
    awards: dict[str, AwardRecord] = {}
    for award_id, row in data["awards"].items():
        record = _decode_award(award_id, row, badges)
        if record is not None:
            awards[award_id] = record
    return BuildState(
        fingerprint=data["fingerprint"],
        digests={
            k: ((int(s[0]), int(s[1]), int(s[2])), str(d)) for k, (s, d) in data["digests"].items()
        },
        awards=awards,
        marker=int(data["marker"]),
        shared={str(k): int(v) for k, v in data["shared"].items()},
        counts=(int(data["counts"][0]), int(data["counts"][1])),
        development=bool(data["development"]),
        warnings=tuple(_decode_diagnostic(d) for d in data["warnings"]),
    )


def _encode_award(record: AwardRecord) -> list[Any]:
    s = record.summary
    revocation = None
    if s.revocation is not None:
        revocation = [s.revocation.date.isoformat(), [list(v) for v in s.revocation.reason.values]]
    return [
        record.file, record.key, s.badge.slug, s.issued.isoformat(),
        s.expires.isoformat() if s.expires else None, revocation, s.listed, s.shown_name,
        list(record.evidence), record.files, record.bytes, s.renews, s.recipient_key,
        record.renewals,
    ]


def _decode_award(
    award_id: str, row: list[Any], badges: Mapping[str, Badge]
) -> AwardRecord | None:
    file, key, badge_slug, issued, expires, revocation, listed, shown_name = row[:8]
    evidence, files, size, renews, recipient, renewals = row[8:14]
    badge = badges.get(badge_slug)
    if badge is None:
        return None
    summary = AwardSummary(
        id=award_id, badge=badge, issued=datetime.fromisoformat(issued),
        expires=datetime.fromisoformat(expires) if expires else None,
        revocation=Revocation(
            date=datetime.fromisoformat(revocation[0]),
            reason=Localized(tuple((str(k), str(v)) for k, v in revocation[1])),
        ) if revocation else None,
        listed=bool(listed), shown_name=shown_name, renews=renews, recipient_key=str(recipient),
    )
    return AwardRecord(
        file=file, key=key, summary=summary, evidence=tuple(evidence), files=int(files),
        bytes=int(size), renewals=str(renewals),
    )


def _encode_diagnostic(d: Diagnostic) -> list[Any]:
    return [d.span.path, d.span.line, d.span.column, d.severity.value, d.code, d.message, d.hint]


def _decode_diagnostic(row: list[Any]) -> Diagnostic:
    path, line, column, severity, code, message, hint = row
    return Diagnostic(
        span=Span(path, line, column), severity=Severity(severity), code=code,
        message=message, hint=hint,
    )

