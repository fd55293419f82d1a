"""Reading a whole site into one validated model (for checks and tools), and the status lock.

``sitegen build`` never holds every award at once (see :mod:`sitegen.commands.build`);
``check``, ``verify``, ``import``, ``export`` and ``ceremony`` use the whole model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sitegen.batches import declared_id
from sitegen.config import resolve_config
from sitegen.content import Repository, SourceDocument, read_documents, read_site_file
from sitegen.diagnostics import Diagnostic, Diagnostics
from sitegen.images import PreparedImage, read_images
from sitegen.inputs import LOCK_FILE
from sitegen.model import AwardSummary, Site
from sitegen.resolve import resolve_site
from sitegen.status import (
    StatusIndexes,
    allocate_indexes,
    lock_lines,
    read_lock,
    read_written_lock,
    report_removed_awards,
)
from sitegen.yamlsrc import Node, parse_yaml

# The lock file has one line (about 40 bytes) per award ever published: room for millions.
MAX_LOCK_BYTES = 256_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedSite:
    """A validated site with every award in memory (for checks and tools, not builds)."""

    site: Site
    repo: Repository
    images: dict[str, PreparedImage]
    indexes: StatusIndexes
    """Status-list index of every award, locked ones first."""
    lock_changed: bool
    """True when new awards got indexes that the lock file does not record yet."""
    diagnostics: tuple[Diagnostic, ...]
    """Warnings (errors stop loading)."""


def load_site(
    source: Path, *, base_url: str | None = None, now: datetime | None = None
) -> LoadedSite:
    """Read and validate everything into one model; raise :class:`ContentError` listing every
    problem.

    ``now`` (from the command line, never read here) enables the checks that
    depend on the date, like awards dated in the future.
    """
    diags = Diagnostics()
    repo = Repository(root=source)
    config = resolve_config(read_site_file(repo, diags), diags, base_url=base_url)
    documents = read_documents(repo, diags)
    if config is None:
        diags.raise_if_errors()
        raise AssertionError("a missing config is always reported")
    site = resolve_site(documents, repo, config, diags, now=now)
    images = read_images(site, repo, diags)
    lock_yaml, locked = read_lock_file(source, diags)
    report_removed_awards(declared_ids(documents), locked, lock_yaml, diags)
    diags.raise_if_errors()  # stage boundary: nothing invalid is signed or published
    indexes = allocate_indexes((AwardSummary.of(a) for a in site.awards), locked)
    return LoadedSite(
        site=site, repo=repo, images=images, indexes=indexes,
        lock_changed=indexes != locked, diagnostics=diags.sorted(),
    )


def read_lock_file(
    source: Path, diags: Diagnostics
) -> tuple[Callable[[], Node | None], StatusIndexes]:
    """The lock's status indexes, and how to read its YAML with places for messages.

    A lock exactly as sitegen wrote it is read line by line; the YAML reader that
    keeps lines and columns runs for a lock edited by hand, or to place a message.
    """
    lock_path = source / LOCK_FILE
    if not lock_path.is_file():
        return lambda: None, StatusIndexes(by_issuer={})
    data = lock_path.read_bytes()

    def read_node() -> Node | None:  # the careful reader, for messages: slow on large locks
        return parse_yaml(data, LOCK_FILE, Diagnostics(), max_bytes=MAX_LOCK_BYTES)

    written = read_written_lock(data) if len(data) <= MAX_LOCK_BYTES else None
    if written is not None:
        return read_node, written
    node = parse_yaml(data, LOCK_FILE, diags, max_bytes=MAX_LOCK_BYTES)
    return lambda: node, read_lock(node, LOCK_FILE, diags)


def declared_ids(documents: Sequence[SourceDocument]) -> set[str]:
    """The id of every award document, valid or not."""
    return {declared_id(doc) for doc in documents if doc.kind == "award"}


def write_lock(source: Path, indexes: StatusIndexes) -> None:
    """Record status indexes in the repository (atomically), for CI to commit back."""
    path = source / LOCK_FILE
    staging = path.with_name(f".{LOCK_FILE}.tmp")
    with staging.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(lock_lines(indexes))
    staging.replace(path)
