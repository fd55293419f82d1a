"""Run an import from another platform: read, plan, check a staged copy, then write it all."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from sitegen.batches import declared_id
from sitegen.commands.load import load_site
from sitegen.commands.new import PLACEHOLDER_IMAGE
from sitegen.content import Repository, read_documents
from sitegen.diagnostics import ContentError, Diagnostic, Diagnostics
from sitegen.migrate.badgr import read_badgr
from sitegen.migrate.ob2json import read_ob2_json
from sitegen.migrate.obf import read_obf
from sitegen.migrate.plan import ORIGINAL, Existing, MigrationPlan, plan_migration
from sitegen.migrate.records import Export, InputFile, MigrationError, read_inputs
from sitegen.output import OutputError

DEFAULT_OUTPUT = "_site"
READERS: dict[str, Callable[[tuple[InputFile, ...]], Export]] = {
    "ob2-json": read_ob2_json,
    "badgr": read_badgr,
    "obf": read_obf,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationReport:
    """What an import did (or would do), for people and as JSON."""

    platform: str
    plan: MigrationPlan
    written: bool
    warnings: tuple[Diagnostic, ...] = ()
    """Warnings of the check about the imported files (an SVG that was cleaned...)."""

    def lines(self) -> tuple[str, ...]:
        """One line per file, then what was not imported, grouped, then a summary."""
        verb = "created" if self.written else "would create"
        out = [f"{verb} {f.path} ({f.what}, from {f.original})" for f in self.plan.files]
        out += [f"already imported: {what}" for what in self.plan.reused]
        out += [f"already imported: award {key}" for key in self.plan.already_there]
        if self.plan.notes:
            out.append(f"not imported, or not as it was ({len(self.plan.notes)}):")
            grouped = Counter((n.origin, n.subject, n.message) for n in self.plan.notes)
            for (origin, subject, message), count in grouped.items():
                times = f" ({count} times)" if count > 1 else ""
                out.append(f"  {origin}: {subject}: {message}{times}")
        awards = sum(1 for f in self.plan.files if f.what.startswith("award "))
        summary = (f"{awards} award(s) and {len(self.plan.files) - awards} other file(s) from "
                   f"{self.platform}")
        if self.written:
            out += [f"imported {summary}",
                    "next: run 'sitegen check', review the files and commit them"]
        else:
            out.append(f"dry run: would import {summary}; nothing was written")
        return tuple(out)

    def to_json(self) -> str:
        """The report as JSON (stable key order), for ``--report``."""
        return json.dumps({
            "platform": self.platform,
            "written": self.written,
            "created": [{"path": f.path, "what": f.what, "original": f.original,
                         "source": f.origin} for f in self.plan.files],
            "already_imported": [*self.plan.reused, *self.plan.already_there],
            "not_imported": [{"source": n.origin, "subject": n.subject, "message": n.message}
                             for n in self.plan.notes],
        }, indent=2, ensure_ascii=False) + "\n"


def import_export(
    source: Path, kind: str, path: Path, *, now: datetime, dry_run: bool = False
) -> MigrationReport:
    """Import the export at ``path`` into the site in ``source``: everything checked, or nothing.

    Raises :class:`MigrationError` for an unreadable export, :class:`ContentError`
    when the files it would write do not pass ``sitegen check``, and
    :class:`OutputError` when they cannot be written.
    """
    loaded = load_site(source, now=now)  # a repository with errors is fixed first
    export = READERS[kind](read_inputs(path))
    existing = _existing(source)
    placeholder = resources.files("sitegen").joinpath(
        "scaffold", *PLACEHOLDER_IMAGE.split("/")).read_bytes()
    plan = plan_migration(
        export, existing, kind=kind, language=loaded.site.config.language,
        placeholder=placeholder,
    )
    warnings = _check_staged(source, plan, now)
    if not dry_run and plan.files:
        _write(source, plan)
    return MigrationReport(
        platform=export.platform, plan=plan, written=not dry_run, warnings=warnings,
    )


def _existing(source: Path) -> Existing:
    repo = Repository(root=source)
    documents = read_documents(repo, Diagnostics())
    imported: dict[str, str] = {}
    for doc in documents:
        if doc.kind in ("issuer", "badge"):
            head = (source / doc.path).read_text("utf-8", errors="replace").splitlines()[:5]
            for line in head:
                match = ORIGINAL.fullmatch(line.strip())
                if match:
                    imported[match.group(1)] = doc.stem
    return Existing(
        issuer_slugs=frozenset(d.stem for d in documents if d.kind == "issuer"),
        badge_slugs=frozenset(d.stem for d in documents if d.kind == "badge"),
        award_ids=frozenset(declared_id(d) for d in documents if d.kind == "award"),
        imported=imported,
    )


def _check_staged(source: Path, plan: MigrationPlan, now: datetime) -> tuple[Diagnostic, ...]:
    """Check a copy of the site with the new files exactly as ``sitegen check`` would."""
    with tempfile.TemporaryDirectory(prefix="sitegen-import-") as tmp:
        staged = Path(tmp) / "site"
        # Content may use images and evidence anywhere in the repository, so all of it is
        # copied, except what a check never reads: hidden folders (git, keys, build
        # state) and the default output folder.
        shutil.copytree(source, staged, symlinks=True, ignore=_not_content(source))
        for file in plan.files:
            target = staged / file.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.data)
        origins = {f.path: f.origin for f in plan.files}
        try:
            loaded = load_site(staged, now=now)
        except ContentError as exc:
            raise ContentError(tuple(
                _explain(d, origins.get(d.span.path)) for d in exc.diagnostics
            )) from None
        return tuple(_explain(d, origins[d.span.path]) for d in loaded.diagnostics
                     if d.span.path in origins)


def _not_content(source: Path) -> Callable[[str, list[str]], set[str]]:
    top = str(source)

    def ignore(folder: str, names: list[str]) -> set[str]:
        if folder != top:
            return set()
        return {n for n in names if n.startswith(".") or n == DEFAULT_OUTPUT}

    return ignore


def _explain(found: Diagnostic, origin: str | None) -> Diagnostic:
    if origin is None:
        return found
    hint = f"in the file the import would write, from {origin}"
    return Diagnostic(
        span=found.span, severity=found.severity, code=found.code, message=found.message,
        hint=f"{found.hint} ({hint})" if found.hint else hint,
    )


def _write(source: Path, plan: MigrationPlan) -> None:
    """Create every planned file, never replacing one; on failure remove those written."""
    root = source.resolve()
    written: list[Path] = []
    try:
        for file in plan.files:
            path = source / file.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.resolve().relative_to(root)
            with path.open("xb") as stream:
                written.append(path)
                stream.write(file.data)
    except (OSError, ValueError) as exc:
        for path in written:
            path.unlink(missing_ok=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise OutputError(f"cannot write the imported files: {reason}; nothing was written") \
            from exc


__all__ = ["MigrationError", "MigrationReport", "import_export"]
