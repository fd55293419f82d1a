"""Stages 2 and 3 of a build: read and validate what every award depends on, then the
award files whose key changed (see :mod:`sitegen.commands.build`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sitegen.awardkeys import AwardKeys
from sitegen.batches import validate_awards
from sitegen.commands.load import read_lock_file
from sitegen.config import resolve_config
from sitegen.content import (
    Repository,
    is_content_name,
    read_document,
    read_documents,
    read_site_file,
)
from sitegen.diagnostics import Diagnostics
from sitegen.endorsements import resolve_endorsements
from sitegen.images import PreparedImage, read_images
from sitegen.keyring import Keyring, read_keyring
from sitegen.memo import Memo, tree_digest
from sitegen.model import AwardSummary, Site
from sitegen.renewals import check_renewals
from sitegen.resolve import Catalog, resolve_catalog
from sitegen.resolve_award import report_duplicate_award
from sitegen.state import AwardRecord, BuildState, FileStat, InputDigests, decode_state
from sitegen.status import StatusIndexes, report_removed_awards
from sitegen.theme import Theme, read_theme


@dataclass(frozen=True, slots=True)
class BuildBase:
    """Stage 2: what every award depends on."""

    diags: Diagnostics
    repo: Repository
    catalog: Catalog
    skeleton: Site
    """Settings, issuers, badges and endorsements, without awards."""
    keyring: Keyring
    theme: Theme
    theme_key: str
    memo: Memo
    images: dict[str, PreparedImage]
    """Filled while workers validate the awards."""
    previous: BuildState | None
    digests: InputDigests
    keys: AwardKeys


def read_base(
    source: Path, inputs: Mapping[str, FileStat], data: Mapping[str, Any] | None,
    fingerprint: str, *, base_url: str | None, environ: Mapping[str, str], production: bool,
    now: datetime | None, cache_dir: Path | None,
) -> BuildBase:
    """Read and validate settings, issuers, badges, endorsements and keys."""
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
    keyring = read_keyring(skeleton, source, environ, diags, production=production)
    theme = read_theme(source, config.theme)
    previous = decode_state(data, catalog.badges) if data is not None else None
    digests = InputDigests(source, inputs, previous.digests if previous else {})
    theme_key = tree_digest(theme.dirs)
    return BuildBase(
        diags=diags, repo=repo, catalog=catalog, skeleton=skeleton, keyring=keyring,
        theme=theme, theme_key=theme_key,
        memo=Memo(cache_dir / "cache" if cache_dir is not None else None), images={},
        previous=previous, digests=digests,
        keys=AwardKeys.of(fingerprint, inputs, digests, catalog, keyring, theme_key=theme_key),
    )


@dataclass(frozen=True, slots=True)
class CheckedAwards:
    """Stage 3: every valid award's file, summary and evidence files, by id."""

    summaries: dict[str, tuple[str, AwardSummary, tuple[str, ...]]]
    kept: dict[str, AwardRecord]
    """By file: the previous build's record of awards whose key has not changed."""
    locked: StatusIndexes


def check_awards(
    base: BuildBase, inputs: Mapping[str, FileStat], *, now: datetime | None, workers: int | None
) -> CheckedAwards:
    """Validate the award files whose key changed (reporting into ``base.diags``), and render
    the badge images meanwhile."""
    diags, repo, previous = base.diags, base.repo, base.previous
    lock_yaml, locked = read_lock_file(repo.root, diags)
    files = _award_files(inputs)
    by_file = {r.file: r for r in previous.awards.values()} if previous else {}
    kept: dict[str, AwardRecord] = {}
    changed: list[str] = []
    for rel in files:
        record = by_file.get(rel)
        if record is not None and record.key == base.keys.award(
            record.summary, rel, record.evidence, locked
        ):
            kept[rel] = record
        else:
            changed.append(rel)
    del by_file
    checked = dict(zip(
        changed,
        validate_awards(
            changed, base.catalog, repo, now, workers=workers,
            meanwhile=lambda: base.images.update(
                read_images(base.skeleton, repo, diags, base.memo)
            ),
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
            award_id, summary, evidence, problems, digest = checked.pop(rel)
            diags.extend(problems)
            if digest:
                base.digests.know(rel, digest)
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
    return CheckedAwards(summaries=summaries, kept=kept, locked=locked)


def _award_files(inputs: Mapping[str, FileStat]) -> list[str]:
    """The award files among the scanned inputs, in the order :func:`list_content_files`
    gives (by path parts), without listing the folders again."""
    folder = "content/awards/"
    found = [
        rel for rel in inputs
        if rel.startswith(folder) and is_content_name(rel.rsplit("/", 1)[-1])
    ]
    return sorted(found, key=lambda rel: rel.split("/"))
