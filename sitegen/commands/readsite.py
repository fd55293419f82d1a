"""Stages 2 and 3 of a build: read and validate what every award depends on, then the
award files whose key changed (see :mod:`sitegen.commands.build`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sitegen.awardkeys import AwardKeys
from sitegen.batches import Checked, validate_awards
from sitegen.config import resolve_config
from sitegen.content import Repository, read_document, read_documents, read_site_file
from sitegen.diagnostics import Diagnostics
from sitegen.digests import InputDigests
from sitegen.endorsements import resolve_endorsements
from sitegen.images import PreparedImage, read_images
from sitegen.inputs import Scan
from sitegen.keyring import Keyring, read_keyring
from sitegen.ledger import Ledger
from sitegen.memo import Memo, tree_digest
from sitegen.model import Site
from sitegen.renewals import check_renewals
from sitegen.resolve import Catalog, resolve_catalog
from sitegen.resolve_award import report_duplicate_award
from sitegen.state import PreviousBuild, open_previous, staging_path
from sitegen.statuslock import StatusIndexes, read_lock_file, report_removed_awards
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
    ledger: Ledger
    """Where the awards go as they are checked (and the previous build's, attached)."""
    previous: PreviousBuild | None
    digests: InputDigests
    keys: AwardKeys
    scanned: str
    """The digest of every input's stat but the status lock's (see
    :attr:`sitegen.inputs.Scan.but_lock`)."""


def read_base(
    source: Path, scan: Scan, record_path: Path | None,
    fingerprint: str, *, base_url: str | None, environ: Mapping[str, str], production: bool,
    now: datetime | None, cache_dir: Path | None,
) -> BuildBase:
    """Read and validate settings, issuers, badges, endorsements and keys; open the build's
    ledger, with the previous build's record (at ``record_path``) attached to it. The caller
    closes the ledger, or discards it if the build stops."""
    diags = Diagnostics()
    scan.report_bad_names(diags)
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
    theme_key = tree_digest(theme.dirs)
    ledger = Ledger(staging_path(record_path) if record_path is not None else None,
                    catalog.badges)
    try:
        previous = open_previous(ledger, record_path) if record_path is not None else None
        digests = InputDigests.of_scan(source, scan, ledger)
        keys = AwardKeys.of(fingerprint, scan.others, digests, catalog, keyring,
                            theme_key=theme_key)
    except BaseException:
        ledger.close()  # no build to hand it to: its file goes
        raise
    return BuildBase(
        diags=diags, repo=repo, catalog=catalog, skeleton=skeleton, keyring=keyring,
        theme=theme, theme_key=theme_key,
        memo=Memo(cache_dir / "cache" if cache_dir is not None else None), images={},
        ledger=ledger, previous=previous, digests=digests, keys=keys, scanned=scan.but_lock,
    )


def check_awards(
    base: BuildBase, *, now: datetime | None, workers: int | None
) -> StatusIndexes:
    """Put every valid award into the ledger: those whose key has not changed as the
    previous build recorded them, the others validated (in workers, reporting into
    ``base.diags``), with the badge images rendered meanwhile. Returns the status lock,
    read into the ledger."""
    diags, repo, ledger, digests = base.diags, base.repo, base.ledger, base.digests
    lock_yaml, locked = read_lock_file(repo.root, diags, ledger.db)
    digests.know_previous_awards()
    ledger.keep_previous(_kept_key(base))
    if ledger.has_previous:
        for rel in digests.award_files():  # not kept above: those with evidence, or changed
            record = ledger.previous_award(rel)
            if record is None:
                continue
            kept = record.summary
            index = locked.index_of(kept.badge.issuer.slug, kept.id)
            if record.key == base.keys.award(kept, rel, record.evidence, index):
                ledger.add(rel, kept, record.evidence, kept=record)
    changed = digests.hold_award_files()  # not kept (a duplicate id was not added either)
    invalid_ids: set[str] = set()
    for rel, (award_id, summary, evidence, problems, digest) in zip(
        changed, _validated(base, changed, now, workers), strict=True
    ):
        diags.extend(problems)
        if digest:
            base.digests.know(rel, digest)
        if summary is None:
            invalid_ids.add(award_id)
            continue
        first = ledger.add(rel, summary, evidence)
        if first is None:
            continue
        if first.split("/") > rel.split("/"):  # the kept award's file comes later: it is
            ledger.replace(rel, summary, evidence)  # the duplicate, as in a clean build
            first, rel = rel, first
        doc = read_document(repo, "award", rel, Diagnostics())
        if doc is not None:
            report_duplicate_award(doc, award_id, first, diags)
    ledger.finish_adding()
    check_renewals(ledger.of_renewals(), repo, diags, badge_ids=ledger.badge_ids)
    report_removed_awards(ledger.gone_from_lock(but=invalid_ids), lock_yaml, diags)
    return locked


def _kept_key(base: BuildBase) -> Callable[[str, str, str, int | None], str]:
    """The key of a previous build's award (without evidence) from its badge, issuer, file's
    digest and status index, as :meth:`AwardKeys.award` gives it ("" if its badge is gone
    or has changed issuer)."""
    badges, keys = base.catalog.badges, base.keys

    def key(badge: str, issuer: str, file_digest: str, index: int | None) -> str:
        current = badges.get(badge)
        if current is None or current.issuer.slug != issuer:
            return ""
        return keys.award_of(badge, file_digest, (), index)

    return key


def _validated(
    base: BuildBase, files: Iterable[str], now: datetime | None, workers: int | None
) -> Iterator[Checked]:
    return validate_awards(
        files, base.catalog, base.repo, now, workers=workers,
        meanwhile=lambda: base.images.update(
            read_images(base.skeleton, base.repo, base.diags, base.memo)
        ),
    )
