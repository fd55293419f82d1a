"""Collecting output files in memory and writing them atomically in place of the old site."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# Every sitegen output has this file (GitHub Pages needs it anyway); an
# existing non-empty folder without it is not ours to replace.
MARKER = ".nojekyll"


class OutputError(Exception):
    """The output folder cannot be written; the message says why, for a person."""


@dataclass(slots=True)
class OutputPlan:
    """Every file of the site, by site-relative path; a path may be planned only once."""

    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, path: str, data: bytes) -> None:
        """Plan one file; two producers of the same path is a bug, not a content error."""
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts or path != pure.as_posix():
            raise ValueError(f"unsafe output path {path!r}")
        if path in self.files:
            raise ValueError(f"output path {path!r} planned twice")
        self.files[path] = data

    def total_bytes(self) -> int:
        """The size of the whole site."""
        return sum(len(data) for data in self.files.values())


def check_output_dir(out_dir: Path, source: Path) -> None:
    """Refuse output folders that would overwrite or be read as the site's source."""
    out, src = out_dir.resolve(), source.resolve()
    if out == src or out in src.parents:
        raise OutputError(f"the output folder {out_dir} contains the site's source")
    if (src / "content") in (out, *out.parents):
        raise OutputError(f"the output folder {out_dir} is inside content/")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise OutputError(
            f"{out_dir} exists and is not a sitegen output folder; "
            "refusing to replace it (choose another --output, or empty it first)"
        )


def write_plan(plan: OutputPlan, out_dir: Path) -> None:
    """Write every planned file to a fresh folder, then swap it into place.

    Readers see either the old site or the new one, never a mix; an
    interrupted build leaves the old site untouched.
    """
    if MARKER not in plan.files:
        raise ValueError(f"the plan must contain {MARKER}")
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {parent}: {exc.strerror}") from exc
    staging = parent / f".{out_dir.name}.new-{os.getpid()}"
    retired = parent / f".{out_dir.name}.old-{os.getpid()}"
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        for path in sorted(plan.files):
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(plan.files[path])
        if out_dir.exists():
            out_dir.rename(retired)
        staging.rename(out_dir)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if retired.exists() and not out_dir.exists():
            retired.rename(out_dir)
        raise OutputError(f"cannot write the site to {out_dir}: {exc.strerror or exc}") from exc
    shutil.rmtree(retired, ignore_errors=True)
