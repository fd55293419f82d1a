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

from sitegen.awardkeys import PageKeys, package_dirs
from sitegen.batches import AwardWorker, make_awards
from sitegen.commands.readsite import BuildBase, check_awards, read_base
from sitegen.diagnostics import ContentError, Diagnostic
from sitegen.inputs import LOCK_FILE, scan_inputs, stat_of, vouch
from sitegen.output import (
    MARKER,
    check_output_dir,
    open_output,
    remove_file,
    replace_folders,
    update_file,
    write_files,
)
from sitegen.parallel import release_free_memory, run_chunks
from sitegen.renewals import Renewals, link_renewals, renewal_key
from sitegen.shards import (
    Shard,
    content_key,
    copy_award_folders,
    read_shards,
    write_manifest,
)
from sitegen.state import (
    forget_state,
    is_marked,
    keep_record,
    mark_output,
    quick_fingerprint,
    read_unchanged,
    state_path,
)
from sitegen.statuslock import StatusIndexes, write_lock

# Above this share of changed awards, a build writes a fresh folder instead of updating.
FRESH_SHARE = 0.5
# A file around the awards this large (a badge page listing thousands of earners, a part
# of the site map) leaves the C allocator holding memory that the build gives back.
LARGE_FILE = 256 * 1024


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
    template_cache: Path | None = None,
) -> BuildResult:
    """Build the site in ``source`` into ``out_dir``, redoing only what changed.

    New awards get status-list indexes, recorded in the lock file so that they
    never move; ``environ`` supplies signing keys (CI secrets). Without
    ``cache_dir`` nothing is remembered and every build is a fresh one. ``workers``
    caps the processes that validate and make awards (default: one per core).
    With ``shard``, only that slice of the awards is made (no site around them,
    no lock written); with ``shards``, the awards' folders are taken from those
    shards' outputs instead of being made (see :mod:`sitegen.shards`). Compiled
    templates are kept in ``template_cache``, a folder of the user's own (see
    :mod:`sitegen.templatecache`).
    """
    check_output_dir(out_dir, source)
    if shard is not None or shards is not None:
        cache_dir = None  # shards and merges are whole builds, on CI runners
    environ = environ or {}
    fingerprint = quick_fingerprint(base_url=base_url, production=production, environ=environ)
    scan = scan_inputs(source, package_dirs())
    record_path = state_path(cache_dir, out_dir) if cache_dir is not None else None
    if record_path is not None:
        done = read_unchanged(record_path, fingerprint, scan.digest, out_dir / MARKER)
        if done is not None:
            return BuildResult(**done, mode="unchanged")
    base = read_base(source, scan, record_path, fingerprint, base_url=base_url,
                     environ=environ, production=production, now=now, cache_dir=cache_dir)
    del scan  # the award files' stats are in the ledger now
    try:
        return _build(base, source, out_dir, record_path, fingerprint,
                      workers=workers, progress=progress, shard=shard, shards=shards, now=now,
                      template_cache=template_cache)
    finally:
        base.ledger.close()  # unless kept as the record: a temporary file, removed


def _build(
    base: BuildBase, source: Path, out_dir: Path, record_path: Path | None, fingerprint: str,
    *, workers: int | None, progress: Callable[[int, int], None] | None, shard: Shard | None,
    shards: Sequence[Path] | None, now: datetime | None, template_cache: Path | None,
) -> BuildResult:
    indexes = check_awards(base, now=now, workers=workers)
    base.diags.raise_if_errors()  # stage boundary: nothing invalid is signed or published
    previous = base.previous
    plan = _plan(base, indexes, fresh=(
        previous is None or not is_marked(out_dir / MARKER, previous.marker)
    ), shard=shard, shards=shards)
    lock_stat = base.digests.others.get(LOCK_FILE)
    base.ledger.let_go_of_previous()
    if record_path is not None:
        forget_state(record_path)  # from here the output changes; a record would be stale
    pages = PageKeys(site=base.keys.pages, previous={} if plan.fresh or previous is None else {
        path: key for path, key in previous.page_keys.items() if path in previous.shared
    })
    sizes, made = _make(base, plan, pages, out_dir, workers=workers, progress=progress,
                        shard=shard, template_cache=template_cache)
    stamp = mark_output(out_dir / MARKER)
    base.memo.prune()
    development = base.keyring.is_development
    counts = (len(base.skeleton.issuers), len(base.skeleton.badges))
    files, size = base.ledger.totals()
    if shard is not None:
        return BuildResult(
            issuers=counts[0], badges=counts[1], awards=made,
            files=files + 2, bytes=size, development=development,
            warnings=base.diags.sorted(), made=made, mode="shard",
        )

    # Stage 7: the record for next time.
    if plan.indexes.grown:
        write_lock(source, plan.indexes)
        lock_stat = stat_of(source / LOCK_FILE)
    warnings = base.diags.sorted()
    awards = len(base.ledger)
    if record_path is not None:
        base.digests.record()
        keep_record(record_path, base.ledger, fingerprint=fingerprint, marker=stamp,
                    shared=sizes, page_keys=pages.made, counts=counts,
                    awards=(awards, files, size),
                    development=development, warnings=warnings,
                    inputs=vouch(base.scanned, lock_stat))
    return BuildResult(
        issuers=counts[0], badges=counts[1], awards=awards,
        files=len(sizes) + files, bytes=sum(sizes.values()) + size,
        development=development, warnings=warnings, made=made,
        reused=awards - made, mode="fresh" if plan.fresh else "update",
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """Stages 4 and 5: the awards' status indexes, and which to make (their keys and
    renewals' digests are in the ledger)."""

    indexes: StatusIndexes
    """Every award's, in the ledger (new awards' given by the plan)."""
    fresh: bool
    """Write a new folder and swap it in (else update the live one award by award)."""
    to_make: Callable[[], Iterator[tuple[str, int, Renewals | None]]]
    """File, status index and renewals of each award to make, read from the ledger."""
    count: int
    """How many awards to make."""
    removed: list[str]
    """Awards of the previous build that are gone."""
    owners: dict[str, Path]
    """In a merge: the shard output that holds each award's folders."""
    made_from: str
    """Digest of every award's key: shards of the same content agree on it."""


def _plan(
    base: BuildBase, indexes: StatusIndexes, *, fresh: bool, shard: Shard | None,
    shards: Sequence[Path] | None,
) -> _Plan:
    """Give new awards their status index, link renewals, and choose the awards to make:
    all of them in a fresh build (or when most changed), else those whose key changed."""
    ledger = base.ledger
    indexes.allocate(ledger.without_index())
    # An award's page shows its renewals: part of its key.
    renewals = link_renewals(summary for _, summary in ledger.of_renewals())
    ledger.keep_unchanged(renewals=renewal_key(None), but=renewals)
    changed = 0
    for record, kept, index in ledger.records():  # the others: new, changed, or renewals
        award_id = record.summary.id
        renewal = renewal_key(renewals.get(award_id))
        # A kept award's key was just checked, and its status index never moves.
        unchanged = kept and record.renewals == renewal
        changed += not unchanged
        ledger.plan(award_id, renewals=renewal, make=not unchanged, key=record.key
                    if unchanged else base.keys.award(record.summary, record.file,
                                                      record.evidence, index))
    total = len(ledger)
    fresh = fresh or changed > FRESH_SHARE * total
    count = total if fresh else changed

    def to_make() -> Iterator[tuple[str, int, Renewals | None]]:
        if shards is not None:
            return  # a merge copies the awards' folders from the shards
        for position, (award_id, rel, index) in enumerate(ledger.to_make(everything=fresh)):
            if shard is None or shard.takes(position):
                yield rel, index, renewals.get(award_id)

    owners: dict[str, Path] = {}
    made_from = ""
    if shard is not None or shards is not None:
        made_from = content_key(ledger.keys())
        if shard is not None:
            count = len(range(shard.number - 1, count, shard.count))
        else:
            owners, count = read_shards(shards or (), made_from, ledger.ids()), 0
    return _Plan(
        indexes=indexes, fresh=fresh, to_make=to_make, count=count,
        removed=ledger.removed_awards(), owners=owners, made_from=made_from,
    )


def _make(
    base: BuildBase, plan: _Plan, pages: PageKeys, out_dir: Path, *, workers: int | None,
    progress: Callable[[int, int], None] | None, shard: Shard | None,
    template_cache: Path | None,
) -> tuple[dict[str, int], int]:
    """Stages 5 and 6: make and write the awards' folders (in workers) and, meanwhile, the
    files around them, each written as soon as it is made; remove deleted awards. Returns
    the size of each file around the awards, and how many awards were made.

    An update that stops half-way (an award file changed since it was checked) leaves
    the live folder part updated, as its award folders would: the record is already
    forgotten, so the next build makes everything again."""
    from sitegen.produce import Maker, Workshop

    # One maker (templates, translations, signing templates) for this process and, by
    # inheritance, for the workers forked from it.
    maker = Maker(Workshop(site=base.skeleton, repo=base.repo, images=base.images,
                           theme=base.theme, theme_key=base.theme_key, keyring=base.keyring,
                           template_cache=template_cache))
    ledger, previous = base.ledger, base.previous
    made = 0
    shard_ids: list[str] = []  # a shard names the awards it made
    sizes: dict[str, int] = {}  # stage 6, made while workers make the awards
    with open_output(out_dir, fresh=plan.fresh) as root:

        def write_site_files() -> None:
            for path, content in maker.site_files(ledger, plan.indexes, base.memo, pages):
                if content is None:  # a badge page as the output has it (see PageKeys)
                    assert previous is not None  # noqa: S101 - only an update keeps pages
                    sizes[path] = previous.shared[path]
                    continue
                if plan.fresh:
                    write_files(root, {path: content})
                else:
                    update_file(root, path, content)
                sizes[path] = len(content)
                if len(content) >= LARGE_FILE:  # made from many awards' summaries
                    release_free_memory()

        for results in run_chunks(
            lambda: AwardWorker(maker, base.catalog, root, plan.fresh), make_awards,
            plan.to_make(), count=plan.count, workers=workers,
            meanwhile=None if shard is not None else write_site_files,
        ):
            for award_id, count, size in results:
                ledger.made(award_id, count, size)
                made += 1
                if shard is not None:
                    shard_ids.append(award_id)
                if progress is not None:
                    progress(made, plan.count)
        for award_id, folder in sorted(plan.owners.items()):
            ledger.made(award_id, *copy_award_folders(root, folder, maker.award_folders(award_id)))

        # Stage 6: what is gone (a shard leaves the files around the awards to the merge).
        if shard is not None:
            (root / MARKER).write_bytes(b"")
            write_manifest(root, shard, plan.made_from, sorted(shard_ids))
        elif not plan.fresh:
            assert previous is not None  # noqa: S101 - an update needs a previous build
            for path in sorted(set(previous.shared) - set(sizes)):
                remove_file(root, path)
            for award_id in plan.removed:
                replace_folders(root, maker.award_folders(award_id), {})
    return sizes, made


__all__ = ["BuildResult", "ContentError", "build_site"]
