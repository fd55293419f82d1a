"""What the previous build read and wrote, so that the next one redoes only what changed.

A build records the size, modification time and digest of every file it read,
and for every award a small summary and the key of what it was built from: its
ledger (an SQLite file, :mod:`sitegen.ledger`) becomes the record, with a small
JSON companion that vouches for the stat of every input. The next build into the
same folder compares: nothing changed means nothing to do (it only stats files
and reads the companion); otherwise only awards whose key changed are read,
signed, rendered and written again. The record lives in the source's cache
folder, never in the published site, and is written last, so a build that stops
half-way leaves none and the next build starts afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen import __version__
from sitegen.diagnostics import Diagnostic, Severity, Span

if TYPE_CHECKING:
    from sitegen.ledger import Ledger

# Bump when the meaning of a recorded value changes: older records are then ignored.
STATE_VERSION = 3

# Environment variables that change a build's output (signing keys, production mode).
ENV_PREFIX = "SITEGEN_"


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


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviousBuild:
    """What the previous build into the same folder left, but its awards and digests
    (read from its ledger, attached to this build's, one at a time)."""

    marker: int
    """Modification time (whole seconds) the build gave the output's marker file: the
    output is the one recorded only while the marker still has it. Seconds, because
    archives that carry an output between CI runs (tar, zip) keep no finer time."""
    shared: Mapping[str, int]
    """Size of every file that belongs to no award (pages, lists, assets)."""
    page_keys: Mapping[str, str]
    """The key each badge page was made from (see :class:`sitegen.produce.PageKeys`)."""


RECORD_VERSION = f"{STATE_VERSION} {__version__}"


def state_path(cache_dir: Path, out_dir: Path) -> Path:
    """Where the record of builds into ``out_dir`` is kept."""
    name = hashlib.sha256(os.fsencode(out_dir.resolve())).hexdigest()[:16]
    return cache_dir / "state" / (name + ".sqlite")


def staging_path(path: Path) -> Path:
    """Where a build writes its ledger before it becomes the record at ``path``."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def open_previous(ledger: Ledger, path: Path) -> PreviousBuild | None:
    """Attach the previous record to this build's ledger; None if there is none, or it is
    unreadable or of another version of sitegen."""
    facts = ledger.attach_previous(path, RECORD_VERSION)
    if facts is None:
        return None
    try:
        return PreviousBuild(
            marker=int(facts["marker"]),
            shared={str(k): int(v) for k, v in facts["shared"].items()},
            page_keys={str(k): str(v) for k, v in facts.get("page_keys", {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        ledger.let_go_of_previous()
        return None


def quick_path(path: Path) -> Path:
    """The small companion of a record that says whether anything changed at all."""
    return path.with_name(path.stem + ".quick.json")


def read_unchanged(
    path: Path, fingerprint: str, inputs: str, marker: Path
) -> dict[str, Any] | None:
    """What the recorded build made, when every input has the recorded stat (``inputs`` is
    the digest of them all, :attr:`sitegen.inputs.Scan.digest`) and the output is the one
    recorded; otherwise None.

    Only the record's small companion is read (a few hundred bytes whatever the number of
    awards), so a build with nothing to do stays fast and small at any size.
    """
    try:
        quick = json.loads(quick_path(path).read_bytes())
        if not isinstance(quick, dict) or quick.get("version") != [STATE_VERSION, __version__]:
            return None
        if quick["fingerprint"] != fingerprint or not is_marked(marker, quick["marker"]):
            return None
        if quick["inputs"] != inputs:
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
    """Date the output's marker file with a stamp that identifies this build; return it.

    The stamp is a whole second (archives keep those) before both now and the marker's
    date: a file written later by anyone else is dated now or after, so it never carries
    the stamp, even in the next second; and each build's stamp differs from the one
    before it. (A stamp after the marker's date, as before, was often the very next
    second, in which an output replaced right after the build went unnoticed.)
    """
    now = int(time.time())
    stamp = min(now, marker.stat().st_mtime_ns // 1_000_000_000) - 1
    os.utime(marker, ns=(stamp * 1_000_000_000, stamp * 1_000_000_000))
    return stamp


def is_marked(marker: Path, stamp: int) -> bool:
    """True when the output's marker file still has the stamp a build gave it."""
    try:
        return marker.stat().st_mtime_ns // 1_000_000_000 == stamp
    except OSError:
        return False


def keep_record(
    path: Path, ledger: Ledger, *, fingerprint: str, marker: int, shared: Mapping[str, int],
    page_keys: Mapping[str, str], counts: tuple[int, int], awards: tuple[int, int, int],
    development: bool, warnings: tuple[Diagnostic, ...], inputs: str,
) -> None:
    """Make the build's ledger the record (atomically), then write its small companion,
    which vouches for ``inputs`` (the digest of every input file's stat at the time of the
    build, :attr:`sitegen.inputs.Scan.digest`). ``awards`` is how many awards the ledger
    holds, and their files and bytes (the build has just counted them)."""
    count, files, size = awards
    ledger.keep({
        "version": RECORD_VERSION, "fingerprint": fingerprint, "marker": marker,
        "shared": dict(sorted(shared.items())), "page_keys": dict(sorted(page_keys.items())),
        "counts": list(counts),
    })
    assert ledger.path is not None  # noqa: S101 - a ledger kept as a record has a file
    ledger.path.replace(path)
    staging = staging_path(quick_path(path))
    staging.write_text(json.dumps({
        "version": [STATE_VERSION, __version__],
        "fingerprint": fingerprint,
        "marker": marker,
        "inputs": inputs,
        "result": {
            "issuers": counts[0], "badges": counts[1], "awards": count,
            "files": files + len(shared), "bytes": size + sum(shared.values()),
            "development": development,
            "warnings": [_encode_diagnostic(d) for d in warnings],
        },
    }, ensure_ascii=False, separators=(",", ":")))
    staging.replace(quick_path(path))


def forget_state(path: Path) -> None:
    """Remove the record before changing the output in place: if the build stops half-way,
    the next one finds no record and rebuilds everything."""
    for stale in (quick_path(path), path):  # the companion first: it vouches for the rest
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def _encode_diagnostic(d: Diagnostic) -> list[Any]:
    return [d.span.path, d.span.line, d.span.column, d.severity.value, d.code, d.message, d.hint]


def _decode_diagnostic(row: list[Any]) -> Diagnostic:
    path, line, column, severity, code, message, hint = row
    return Diagnostic(
        span=Span(path, line, column), severity=Severity(severity), code=code,
        message=message, hint=hint,
    )
