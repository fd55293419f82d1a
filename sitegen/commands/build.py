"""``sitegen build``: read and validate, then make and write only what changed.

The stages, in order (each stops the build at its boundary on errors, so that
nothing invalid is signed or published):

1. stat every input; if nothing changed since the build recorded for this
   output folder, stop there;
2. read and validate site.yaml, issuers, badges and their images, and load keys;
3. validate every award file that changed (in worker processes when many),
   keeping a small summary of each award, never all awards at once;
4. give new awards their status-list index;
5. make and write each changed award's folder (sign, bake, render), in parallel;
6. make the files around the awards (status lists, badge pages, sitemap…) and
   write those that changed; remove deleted awards;
7. record the build for next time.

A first build, or one after most awards changed, writes a fresh folder and swaps
it into place; later builds update the live folder award by award. Each stage is
a function of its own; stages 2 and 3 are in :mod:`sitegen.commands.readsite`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sitegen.awardkeys import package_dirs
from sitegen.batches import AwardWorker, make_awards
from sitegen.commands.load import write_lock
from sitegen.commands.readsite import BuildBase, CheckedAwards, check_awards, read_base
from sitegen.diagnostics import ContentError, Diagnostic
from sitegen.model import AwardSummary
from sitegen.output import (
    MARKER,
    check_output_dir,
    open_output,
    remove_file,
    replace_folders,
    update_file,
    write_files,
)
from sitegen.parallel import run_chunks
from sitegen.renewals import Renewals, link_renewals, renewal_key
from sitegen.shards import (
    Shard,
    content_key,
    copy_award_folders,
    read_shards,
    shard_sizes,
    write_manifest,
)
from sitegen.state import (
    AwardRecord,
    BuildState,
    forget_state,
    is_marked,
    mark_output,
    quick_fingerprint,
    read_state,
    read_unchanged,
    scan_inputs,
    stat_of,
    state_path,
    write_state,
)
from sitegen.status import (
    LOCK_FILE,
    StatusIndexes,
    allocate_indexes,
)

# Above this share of changed awards, a build writes a fresh folder instead of updating.
FRESH_SHARE = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildResult:
    """What a build did."""

    issuers: int
    badges: int
    awards: int
    files: int
    """Files and bytes of the whole site."""
    bytes: int
    development: bool
    """True when signed with a development key (pages say so)."""
    warnings: tuple[Diagnostic, ...]
    made: int = 0
    """Awards signed, rendered and written by this build."""
    reused: int = 0
    """Awards left as the previous build made them."""
    mode: str = "fresh"
    """``fresh`` (a new folder swapped in), ``update`` (changed awards replaced in place),
    ``unchanged`` (nothing to do) or ``shard`` (one slice of the awards)."""


def build_site(
    source: Path,
    out_dir: Path,
    *,
    base_url: str | None = None,
    environ: Mapping[str, str] | None = None,
    production: bool = False,
    now: datetime | None = None,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    shard: Shard | None = None,
    shards: Sequence[Path] | None = None,
) -> BuildResult:
    """Build the site in ``source`` into ``out_dir``, redoing only what changed.

    New awards get status-list indexes, recorded in the lock file so that they
    never move; ``environ`` supplies signing keys (CI secrets). Without
    ``cache_dir`` nothing is remembered and every build is a fresh one. ``workers``
    caps the processes that validate and make awards (default: one per core).
    With ``shard``, only that slice of the awards is made (no site around them,
    no lock written); with ``shards``, the awards' folders are taken from those
    shards' outputs instead of being made (see :mod:`sitegen.shards`).
    """
    check_output_dir(out_dir, source)
    if shard is not None or shards is not None:
        cache_dir = None  # shards and merges are whole builds, on CI runners
    environ = environ or {}
    fingerprint = quick_fingerprint(base_url=base_url, production=production, environ=environ)
    inputs = scan_inputs(source, package_dirs())
    record_path = state_path(cache_dir, out_dir) if cache_dir is not None else None
    if record_path is not None:
        done = read_unchanged(record_path, fingerprint, inputs, out_dir / MARKER)
        if done is not None:
            return BuildResult(**done, mode="unchanged")
    data = read_state(record_path) if record_path is not None else None
    base = read_base(source, inputs, data, fingerprint, base_url=base_url, environ=environ,
                      production=production, now=now, cache_dir=cache_dir)
    checked = check_awards(base, inputs, now=now, workers=workers)
    base.diags.raise_if_errors()  # stage boundary: nothing invalid is signed or published
    plan = _plan(base, checked, fresh=(
        data is None or base.previous is None or not _is_recorded_output(data, out_dir)
    ), shard=shard, shards=shards)
    if record_path is not None:
        forget_state(record_path)  # from here the output changes; a record would be stale
    shared = _make(base, plan, out_dir, workers=workers, progress=progress, shard=shard)
    stamp = mark_output(out_dir / MARKER)
    base.memo.prune()
    development = base.keyring.is_development
    counts = (len(base.skeleton.issuers), len(base.skeleton.badges))
    if shard is not None:
        shard_files, shard_bytes = shard_sizes(plan.sizes)
        return BuildResult(
            issuers=counts[0], badges=counts[1], awards=len(plan.sizes),
            files=shard_files, bytes=shard_bytes, development=development,
            warnings=base.diags.sorted(), made=len(plan.to_make), mode="shard",
        )

    # Stage 7: the record for next time.
    if plan.indexes != checked.locked:
        write_lock(source, plan.indexes)
        inputs = {**inputs, LOCK_FILE: stat_of(source / LOCK_FILE)}
    records = _Records(checked.summaries, plan.award_keys, plan.renewals, plan.sizes)
    warnings = base.diags.sorted()
    state = BuildState(
        fingerprint=fingerprint, digests=base.digests.record(), awards=records,
        marker=stamp, shared={path: len(content) for path, content in sorted(shared.items())},
        counts=counts, development=development, warnings=warnings,
    )
    if record_path is not None:
        write_state(record_path, state, inputs)
    made = len(plan.to_make)
    return BuildResult(
        issuers=counts[0], badges=counts[1], awards=len(records),
        files=len(shared) + sum(count for count, _ in plan.sizes.values()),
        bytes=sum(state.shared.values()) + sum(size for _, size in plan.sizes.values()),
        development=development, warnings=warnings,
        made=made, reused=len(records) - made, mode="fresh" if plan.fresh else "update",
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """Stages 4 and 5: the awards' status indexes and renewals, and which to make."""

    awards: list[AwardSummary]
    """Every valid award, by id."""
    indexes: StatusIndexes
    renewals: dict[str, Renewals]
    fresh: bool
    """Write a new folder and swap it in (else update the live one award by award)."""
    to_make: list[tuple[str, int, Renewals | None]]
    """File, status index and renewals of each award to make."""
    award_keys: dict[str, str]
    sizes: dict[str, tuple[int, int]]
    """Files and bytes of each award in the output (those to make are added as made)."""
    owners: dict[str, Path]
    """In a merge: the shard output that holds each award's folders."""
    made_from: str
    """Digest of every award's key: shards of the same content agree on it."""


def _plan(
    base: BuildBase, checked: CheckedAwards, *, fresh: bool, shard: Shard | None,
    shards: Sequence[Path] | None,
) -> _Plan:
    """Give new awards their status index, link renewals, and choose the awards to make:
    all of them in a fresh build (or when most changed), else those whose key changed."""
    summaries, kept = checked.summaries, checked.kept
    awards = [summaries[k][1] for k in sorted(summaries)]
    indexes = allocate_indexes(awards, checked.locked)
    renewals = link_renewals(awards)  # an award's page shows its renewals: part of its key
    unchanged = {
        award_id for award_id, (rel, _, _) in summaries.items()
        if rel in kept and kept[rel].summary.id == award_id
        and kept[rel].renewals == renewal_key(renewals.get(award_id))
    }
    fresh = fresh or len(summaries) - len(unchanged) > FRESH_SHARE * len(summaries)
    to_make = [
        (rel, indexes.index_of(summary.badge.issuer.slug, award_id), renewals.get(award_id))
        for award_id, (rel, summary, _) in sorted(summaries.items())
        if fresh or award_id not in unchanged
    ]
    sizes = {
        kept[rel].summary.id: (kept[rel].files, kept[rel].bytes)
        for rel in kept if kept[rel].summary.id in unchanged
    }
    # A kept award's key was just checked, and its status index never moves.
    award_keys = {
        award_id: kept[rel].key if award_id in unchanged
        else base.keys.award(summary, rel, evidence, indexes)
        for award_id, (rel, summary, evidence) in summaries.items()
    }
    owners: dict[str, Path] = {}
    made_from = ""
    if shard is not None or shards is not None:
        made_from = content_key(award_keys.items())
        if shard is not None:
            to_make = [task for position, task in enumerate(to_make) if shard.takes(position)]
        else:
            owners, to_make = read_shards(shards or (), made_from, summaries), []
    return _Plan(
        awards=awards, indexes=indexes, renewals=renewals, fresh=fresh, to_make=to_make,
        award_keys=award_keys, sizes=sizes, owners=owners, made_from=made_from,
    )


def _make(
    base: BuildBase, plan: _Plan, out_dir: Path, *, workers: int | None,
    progress: Callable[[int, int], None] | None, shard: Shard | None,
) -> dict[str, bytes]:
    """Stages 5 and 6: make and write the awards' folders (in workers) and, meanwhile, the
    files around them; remove deleted awards. Returns the files around the awards."""
    from sitegen.produce import Maker, Workshop

    # One maker (templates, translations, signing templates) for this process and, by
    # inheritance, for the workers forked from it.
    maker = Maker(Workshop(site=base.skeleton, repo=base.repo, images=base.images,
                           theme=base.theme, theme_key=base.theme_key, keyring=base.keyring))
    sizes, previous, reused = plan.sizes, base.previous, len(plan.sizes)
    shared: dict[str, bytes] = {}  # stage 6, made while workers make the awards
    with open_output(out_dir, fresh=plan.fresh) as root:
        for results in run_chunks(
            lambda: AwardWorker(maker, base.catalog, root, plan.fresh), make_awards,
            plan.to_make, workers=workers,
            meanwhile=None if shard is not None else lambda: shared.update(
                maker.site_files(plan.awards, plan.indexes, base.memo)
            ),
        ):
            for award_id, count, size in results:
                sizes[award_id] = (count, size)
                if progress is not None:
                    progress(len(sizes) - reused, len(plan.to_make))
        for award_id, folder in sorted(plan.owners.items()):
            sizes[award_id] = copy_award_folders(root, folder, maker.award_folders(award_id))

        # Stage 6: everything around the awards (a shard leaves them to the merge).
        if shard is not None:
            (root / MARKER).write_bytes(b"")
            write_manifest(root, shard, plan.made_from, sorted(sizes))
        elif plan.fresh:
            write_files(root, shared)
        else:
            assert previous is not None  # noqa: S101 - an update needs a previous build
            for path, content in sorted(shared.items()):
                update_file(root, path, content)
            for path in sorted(set(previous.shared) - set(shared)):
                remove_file(root, path)
            for award_id in sorted(set(previous.awards) - {a.id for a in plan.awards}):
                replace_folders(root, maker.award_folders(award_id), {})
    return shared


class _Records(Mapping[str, AwardRecord]):
    """The awards' records for the build record, each made when it is written (a record
    of every award at once would be the largest thing a big build holds)."""

    def __init__(
        self, summaries: Mapping[str, tuple[str, AwardSummary, tuple[str, ...]]],
        keys: Mapping[str, str], renewals: Mapping[str, Renewals],
        sizes: Mapping[str, tuple[int, int]],
    ) -> None:
        self._summaries, self._keys, self._renewals, self._sizes = (
            summaries, keys, renewals, sizes
        )

    def __getitem__(self, award_id: str) -> AwardRecord:
        rel, summary, evidence = self._summaries[award_id]
        count, size = self._sizes[award_id]
        return AwardRecord(
            file=rel, summary=summary, evidence=evidence, key=self._keys[award_id],
            renewals=renewal_key(self._renewals.get(award_id)), files=count, bytes=size,
        )

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._summaries))

    def __len__(self) -> int:
        return len(self._summaries)


def _is_recorded_output(data: Mapping[str, Any], out_dir: Path) -> bool:
    """True when the output folder is still the one the recorded build wrote."""
    return isinstance(data.get("marker"), int) and is_marked(out_dir / MARKER, data["marker"])


__all__ = ["BuildResult", "ContentError", "build_site"]
