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
it into place; later builds update the live folder award by award.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sitegen.awardkeys import AwardKeys, package_dirs
from sitegen.batches import AwardWorker, make_awards, validate_awards
from sitegen.commands.load import read_lock_file, write_lock
from sitegen.config import resolve_config
from sitegen.content import (
    Repository,
    is_content_name,
    read_document,
    read_documents,
    read_site_file,
)
from sitegen.diagnostics import ContentError, Diagnostic, Diagnostics
from sitegen.endorsements import resolve_endorsements
from sitegen.images import PreparedImage, read_images
from sitegen.keyring import read_keyring
from sitegen.memo import Memo, tree_digest
from sitegen.model import AwardSummary, Site
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
from sitegen.renewals import Renewals, check_renewals, link_renewals, renewal_key
from sitegen.resolve import resolve_catalog
from sitegen.resolve_award import report_duplicate_award
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
    FileStat,
    InputDigests,
    decode_state,
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
    allocate_indexes,
    report_removed_awards,
)
from sitegen.theme import read_theme

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

    # Stage 2: settings, issuers, badges, images and keys.
    diags = Diagnostics()
    repo = Repository(root=source)
    config = resolve_config(read_site_file(repo, diags), diags, base_url=base_url)
    if config is None:
        diags.raise_if_errors()
        raise AssertionError("a missing config is always reported")
    documents = read_documents(repo, diags, ("issuer", "badge", "endorser", "endorsement"))
    catalog = resolve_catalog(documents, repo, config, diags)
    endorsers, endorsements = resolve_endorsements(documents, catalog, repo, diags, now=now)
    skeleton = Site(config=config, issuers=tuple(catalog.issuers.values()),
                    badges=tuple(catalog.badges.values()),
                    endorsers=endorsers, endorsements=endorsements)
    memo = Memo(cache_dir / "cache" if cache_dir is not None else None)
    images: dict[str, PreparedImage] = {}  # rendered while workers validate awards
    keyring = read_keyring(skeleton, source, environ, diags, production=production)
    theme = read_theme(source, config.theme)
    previous = decode_state(data, catalog.badges) if data is not None else None
    digests = InputDigests(source, inputs, previous.digests if previous else {})
    theme_key = tree_digest(theme.dirs)
    keys = AwardKeys.of(fingerprint, inputs, digests, catalog, keyring, theme_key=theme_key)

    # Stage 3: award files, skipping those whose key is the recorded one.
    lock_yaml, locked = read_lock_file(source, diags)
    files = _award_files(inputs)
    by_file = {r.file: r for r in previous.awards.values()} if previous else {}
    kept: dict[str, AwardRecord] = {}
    changed: list[str] = []
    for rel in files:
        record = by_file.get(rel)
        if record is not None and record.key == keys.award(
            record.summary, rel, record.evidence, locked
        ):
            kept[rel] = record
        else:
            changed.append(rel)
    checked = dict(zip(
        changed,
        validate_awards(
            changed, catalog, repo, now, workers=workers,
            meanwhile=lambda: images.update(read_images(skeleton, repo, diags, memo)),
        ),
        strict=True,
    ))
    summaries: dict[str, tuple[str, AwardSummary, tuple[str, ...]]] = {}
    declared_ids: set[str] = set()
    for rel in files:
        record = kept.get(rel)
        summary: AwardSummary | None
        if record is not None:
            award_id, summary, evidence = record.summary.id, record.summary, record.evidence
        else:
            award_id, found, evidence, problems = checked[rel]
            diags.extend(problems)
            summary = found
        declared_ids.add(award_id)
        if summary is None:
            continue
        if award_id in summaries:
            doc = read_document(repo, "award", rel, Diagnostics())
            if doc is not None:
                report_duplicate_award(doc, award_id, summaries[award_id][0], diags)
            continue
        summaries[award_id] = (rel, summary, evidence)
    check_renewals(((rel, summary) for rel, summary, _ in summaries.values()), repo, diags)
    report_removed_awards(declared_ids, locked, lock_yaml, diags)
    diags.raise_if_errors()  # stage boundary: nothing invalid is signed or published

    # Stage 4: status indexes.
    awards = [summaries[k][1] for k in sorted(summaries)]
    indexes = allocate_indexes(awards, locked)
    renewals = link_renewals(awards)  # an award's page shows its renewals: part of its key

    # Stage 5: the awards' folders.
    from sitegen.produce import Maker, Workshop

    unchanged = {
        award_id for award_id, (rel, _, _) in summaries.items()
        if rel in kept and kept[rel].summary.id == award_id
        and kept[rel].renewals == renewal_key(renewals.get(award_id))
    }
    fresh = (
        data is None or previous is None or not _is_recorded_output(data, out_dir)
        or len(summaries) - len(unchanged) > FRESH_SHARE * len(summaries)
    )
    to_make = [
        (rel, indexes.index_of(summary.badge.issuer.slug, award_id), renewals.get(award_id))
        for award_id, (rel, summary, _) in sorted(summaries.items())
        if fresh or award_id not in unchanged
    ]
    # One maker (templates, translations, signing templates) for this process and, by
    # inheritance, for the workers forked from it.
    maker = Maker(Workshop(site=skeleton, repo=repo, images=images, theme=theme,
                           theme_key=theme_key, keyring=keyring))
    sizes: dict[str, tuple[int, int]] = {
        kept[rel].summary.id: (kept[rel].files, kept[rel].bytes)
        for rel in kept if kept[rel].summary.id in unchanged
    }
    # A kept award's key was just checked, and its status index never moves.
    award_keys = {
        award_id: kept[rel].key if award_id in unchanged
        else keys.award(summary, rel, evidence, indexes)
        for award_id, (rel, summary, evidence) in summaries.items()
    }
    owners: dict[str, Path] = {}
    if shard is not None or shards is not None:
        made_from = content_key(award_keys.items())
        if shard is not None:
            to_make = [task for position, task in enumerate(to_make) if shard.takes(position)]
        else:
            owners, to_make = read_shards(shards or (), made_from, summaries), []
    if record_path is not None:
        forget_state(record_path)  # from here the output changes; a record would be stale
    shared: dict[str, bytes] = {}  # stage 6, made while workers make the awards
    with open_output(out_dir, fresh=fresh) as root:
        for results in run_chunks(
            lambda: AwardWorker(maker, catalog, root, fresh), make_awards, to_make,
            workers=workers, meanwhile=None if shard is not None else lambda: shared.update(
                maker.site_files(awards, indexes, memo)
            ),
        ):
            for award_id, count, size in results:
                sizes[award_id] = (count, size)
                if progress is not None:
                    progress(len(sizes) - len(unchanged), len(to_make))
        for award_id, folder in sorted(owners.items()):
            sizes[award_id] = copy_award_folders(root, folder, maker.award_folders(award_id))

        # Stage 6: everything around the awards (a shard leaves them to the merge).
        if shard is not None:
            (root / MARKER).write_bytes(b"")
            write_manifest(root, shard, made_from, sorted(sizes))
        elif fresh:
            write_files(root, shared)
        else:
            assert previous is not None  # noqa: S101 - an update needs a previous build
            for path, content in sorted(shared.items()):
                update_file(root, path, content)
            for path in sorted(set(previous.shared) - set(shared)):
                remove_file(root, path)
            for award_id in sorted(set(previous.awards) - set(summaries)):
                replace_folders(root, maker.award_folders(award_id), {})
    stamp = mark_output(out_dir / MARKER)
    memo.prune()
    if shard is not None:
        shard_files, shard_bytes = shard_sizes(sizes)
        return BuildResult(
            issuers=len(skeleton.issuers), badges=len(skeleton.badges), awards=len(sizes),
            files=shard_files, bytes=shard_bytes, development=keyring.is_development,
            warnings=diags.sorted(), made=len(to_make), mode="shard",
        )

    # Stage 7: the record for next time.
    if indexes != locked:
        write_lock(source, indexes)
        inputs = {**inputs, LOCK_FILE: stat_of(source / LOCK_FILE)}
    records = _Records(summaries, award_keys, renewals, sizes)
    warnings = diags.sorted()
    state = BuildState(
        fingerprint=fingerprint, digests=digests.record(), awards=records,
        marker=stamp, shared={path: len(content) for path, content in sorted(shared.items())},
        counts=(len(skeleton.issuers), len(skeleton.badges)),
        development=keyring.is_development, warnings=warnings,
    )
    if record_path is not None:
        write_state(record_path, state, inputs)
    made = len(to_make)
    return BuildResult(
        issuers=len(skeleton.issuers), badges=len(skeleton.badges), awards=len(records),
        files=len(shared) + sum(count for count, _ in sizes.values()),
        bytes=sum(state.shared.values()) + sum(size for _, size in sizes.values()),
        development=keyring.is_development, warnings=warnings,
        made=made, reused=len(records) - made, mode="fresh" if fresh else "update",
    )


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


def _award_files(inputs: Mapping[str, FileStat]) -> list[str]:
    """The award files among the scanned inputs, in the order :func:`list_content_files`
    gives (by path parts), without listing the folders again."""
    folder = "content/awards/"
    found = [
        rel for rel in inputs
        if rel.startswith(folder) and is_content_name(rel.rsplit("/", 1)[-1])
    ]
    return sorted(found, key=lambda rel: rel.split("/"))


def _is_recorded_output(data: Mapping[str, Any], out_dir: Path) -> bool:
    """True when the output folder is still the one the recorded build wrote."""
    return isinstance(data.get("marker"), int) and is_marked(out_dir / MARKER, data["marker"])


__all__ = ["BuildResult", "ContentError", "build_site"]
