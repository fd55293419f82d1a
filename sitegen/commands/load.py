"""Reading a whole site into one validated model (for checks and tools).

``sitegen build`` never holds every award at once (see :mod:`sitegen.commands.build`);
``check``, ``verify``, ``import``, ``export`` and ``ceremony`` use the whole model.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sitegen.batches import declared_id
from sitegen.config import resolve_config
from sitegen.content import Repository, SourceDocument, read_documents, read_site_file
from sitegen.diagnostics import Diagnostic, Diagnostics
from sitegen.images import PreparedImage, read_images
from sitegen.model import Site
from sitegen.resolve import resolve_site
from sitegen.statuslock import read_lock_file, report_removed_awards


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedSite:
    """A validated site with every award in memory (for checks and tools, not builds)."""

    site: Site
    repo: Repository
    images: dict[str, PreparedImage]
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
    declared = declared_ids(documents)
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        lock_yaml, locked = read_lock_file(source, diags, db)
        report_removed_awards(((issuer, award_id) for issuer, award_id, _ in locked.items()
                               if award_id not in declared), lock_yaml, diags)
    diags.raise_if_errors()  # stage boundary: nothing invalid is signed or published
    return LoadedSite(site=site, repo=repo, images=images, diagnostics=diags.sorted())


def declared_ids(documents: Sequence[SourceDocument]) -> set[str]:
    """The id of every award document, valid or not."""
    return {declared_id(doc) for doc in documents if doc.kind == "award"}
