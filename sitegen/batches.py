"""Work on batches of award files, in worker processes: validate them, or make and write them.

Results cross processes, so they stay small: a summary names its badge by slug,
and making returns only counts (workers write the files themselves).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.content import Repository, SourceDocument, read_document
from sitegen.diagnostics import ContentError, Diagnostic, Diagnostics
from sitegen.model import AwardSummary
from sitegen.output import replace_folders, write_files
from sitegen.parallel import run_chunks
from sitegen.renewals import Renewals
from sitegen.resolve import Catalog
from sitegen.resolve_award import resolve_award

if TYPE_CHECKING:  # produce imports the signing and rendering machinery: only when making
    from sitegen.produce import Maker


def declared_id(doc: SourceDocument) -> str:
    """An award file's id as written (its ``id`` key, else its file name), valid or not."""
    entries = doc.node.value
    explicit = entries.get("id") if isinstance(entries, dict) else None
    value = explicit.node.value if explicit is not None else None
    return value if isinstance(value, str) else doc.stem


Checked = tuple[str, AwardSummary | None, tuple[str, ...], tuple[Diagnostic, ...], str]
"""An award file's declared id, summary (None if invalid), evidence files, problems and
digest."""


def validate_awards(
    files: Iterable[str], catalog: Catalog, repo: Repository, now: datetime | None,
    *, workers: int | None = None, meanwhile: Callable[[], object] | None = None,
) -> Iterator[Checked]:
    """Read and validate award files (in parallel when many), giving in order for each its
    declared id, its summary (None if invalid), the evidence files it publishes, its
    problems and the digest of the bytes read ("" if unreadable), which spares the build
    reading it again. ``meanwhile`` runs in this process while workers validate (see
    ``run_chunks``). Results come as workers give them: never all at once."""
    for chunk in run_chunks(
        lambda: (catalog, repo, now), _validate_chunk, files, workers=workers,
        meanwhile=meanwhile,
    ):
        for declared_id, packed, evidence, problems, digest in chunk:
            summary = None
            if packed is not None:  # link to this process's badge: a copy per award adds up
                badge_slug, fields = packed
                summary = AwardSummary(badge=catalog.badges[badge_slug], **fields)
            yield declared_id, summary, evidence, problems, digest


_Packed = tuple[
    str, tuple[str, dict[str, Any]] | None, tuple[str, ...], tuple[Diagnostic, ...], str
]


def _validate_chunk(
    context: tuple[Catalog, Repository, datetime | None], files: Sequence[str]
) -> list[_Packed]:
    """Validate award files; summaries name their badge by slug (results cross processes)."""
    catalog, repo, now = context
    results: list[_Packed] = []
    for rel in files:
        diags = Diagnostics()
        doc = read_document(repo, "award", rel, diags)
        if doc is None:
            results.append((Path(rel).stem, None, (), diags.sorted(), ""))
            continue
        award = resolve_award(doc, catalog, repo, diags, now=now)
        packed = None
        evidence: tuple[str, ...] = ()
        if award is not None:
            summary = AwardSummary.of(award)
            fields = {
                name: getattr(summary, name) for name in AwardSummary.__slots__
                if name != "badge"
            }
            packed = (award.badge.slug, fields)
            evidence = tuple(e.file for e in award.evidence if e.file)
        results.append((declared_id(doc), packed, evidence, diags.sorted(), doc.digest))
    return results


@dataclass(frozen=True, slots=True)
class AwardWorker:
    """What a process that makes awards holds."""

    maker: Maker
    catalog: Catalog
    root: Path
    fresh: bool


def make_awards(worker: AwardWorker, tasks: Sequence[tuple[str, int, Renewals | None]]) -> list[
    tuple[str, int, int]
]:
    """Read, make and write some awards (already validated): id, file count and bytes of each.

    The awards are made together (:meth:`~sitegen.produce.Maker.awards_files`), then
    written one by one."""
    repo = worker.maker.workshop.repo
    batch = []
    for rel, index, renewals in tasks:
        diags = Diagnostics()
        doc = read_document(repo, "award", rel, diags)
        award = resolve_award(doc, worker.catalog, repo, diags) if doc is not None else None
        if award is None:  # the file changed since it was validated
            raise ContentError(diags.sorted())
        batch.append((award, index, renewals))
    done = []
    for (award, _, _), files in zip(batch, worker.maker.awards_files(batch), strict=True):
        if worker.fresh:
            write_files(worker.root, files)
        else:
            replace_folders(worker.root, worker.maker.award_folders(award.id), files)
        done.append((award.id, len(files), sum(len(v) for v in files.values())))
    return done
