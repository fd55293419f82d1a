"""A build's awards in an SQLite file instead of memory, kept after the build as its record.

A build of a hundred thousand awards cannot hold a summary, a key and a size of
every award in memory and stay small: it writes them here as it learns them, and
reads them back by badge, by issuer or in id order when it makes the lists and
pages about many awards. The same file, with the digest of every input read and
a few facts about the build, is what the next build into the same folder starts
from (see :mod:`sitegen.state`): it is attached, read award by award, and never
loaded whole.

Without a cache folder the ledger is a temporary file that SQLite removes itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sitegen.model import AwardSummary, Badge, Localized, Revocation
from sitegen.statuslock import TABLE as STATUS

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE input (
    rel TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
    inode INTEGER NOT NULL, digest TEXT NOT NULL
);
CREATE TABLE award (
    id TEXT PRIMARY KEY, file TEXT NOT NULL, badge TEXT NOT NULL, issuer TEXT NOT NULL,
    issued TEXT NOT NULL, expires TEXT, revoked TEXT, reason TEXT, listed INTEGER NOT NULL,
    shown_name TEXT, renews TEXT, recipient TEXT NOT NULL, evidence TEXT NOT NULL,
    key TEXT NOT NULL DEFAULT '', renewals TEXT NOT NULL DEFAULT '',
    kept INTEGER NOT NULL DEFAULT 0, make INTEGER NOT NULL DEFAULT 1,
    files INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0
);
"""
# Made once every award is in: an index filled row by row costs more than one sort.
_INDEXES = """
CREATE INDEX IF NOT EXISTS award_file ON award(file);
CREATE INDEX IF NOT EXISTS award_badge ON award(badge, listed, id);
CREATE INDEX IF NOT EXISTS award_issuer ON award(issuer, id);
"""
_COLUMNS = (
    "id, file, badge, issuer, issued, expires, revoked, reason, listed, shown_name, renews, "
    "recipient, evidence, key, renewals, kept, make, files, bytes"
)
_SUMMARY = (
    "id, badge, issued, expires, revoked, reason, listed, shown_name, renews, recipient"
)
_RECORD = f"file, key, evidence, files, bytes, renewals, {_SUMMARY}"
# Rows read a page at a time, by id: the caller may update the awards between pages.
_PAGE = 500
# An award's status index, from the lock (see :mod:`sitegen.statuslock`); NULL if none.
_INDEX = f"(SELECT idx FROM {STATUS} s WHERE s.issuer = award.issuer AND s.id = award.id)"


@dataclass(frozen=True, slots=True, kw_only=True)
class AwardRecord:
    """One award as a build left it."""

    file: str
    """The award's content file."""
    key: str
    """Digest of everything its output depends on."""
    summary: AwardSummary
    evidence: tuple[str, ...]
    """The content files it publishes as evidence (part of its key)."""
    files: int
    """How many files its folders hold, and their size in bytes."""
    bytes: int
    renewals: str = ""
    """Digest of its place among renewals (its page links to the awards around it)."""


class Ledger:
    """The awards of the build under way, and the record of the previous one (attached as
    ``prev``, read only) until :meth:`let_go_of_previous`."""

    def __init__(self, path: Path | None, badges: Mapping[str, Badge]) -> None:
        self.path = path
        self.badges = badges
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # a stale one from a build that stopped
        # Journal and syncs off: the file becomes a record only once renamed into place.
        self.db = sqlite3.connect(os.fspath(path) if path is not None else "",
                                  isolation_level=None, check_same_thread=False)
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        self.db.executescript(_SCHEMA)
        self.db.execute("BEGIN")
        self.has_previous = False
        self.kept = False

    # The previous build's record.

    def attach_previous(self, path: Path, version: str) -> Mapping[str, Any] | None:
        """Attach the previous record if it is readable and of this version: its facts."""
        if not path.is_file():
            return None
        try:
            self.db.execute("COMMIT")
            self.db.execute("ATTACH DATABASE ? AS prev", (f"file:{path}?mode=ro",))
        except sqlite3.Error:
            self.db.execute("BEGIN")
            return None
        self.db.execute("BEGIN")
        try:
            facts = {name: json.loads(value) for name, value in
                     self.db.execute("SELECT name, value FROM prev.meta")}
            self.db.execute("SELECT id FROM prev.award LIMIT 1").fetchall()
            self.db.execute("SELECT rel FROM prev.input LIMIT 1").fetchall()
        except (sqlite3.Error, ValueError):
            facts = {}
        if facts.get("version") != version:
            self.let_go_of_previous()
            return None
        self.has_previous = True
        return facts

    def let_go_of_previous(self) -> None:
        """Detach the previous record (before it is removed)."""
        self.db.execute("COMMIT")
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("DETACH DATABASE prev")
        self.db.execute("BEGIN")
        self.has_previous = False

    def previous_award(self, rel: str) -> AwardRecord | None:
        """The previous build's record of the award in file ``rel`` (None if its badge is
        gone, or the file made no award)."""
        if not self.has_previous:
            return None
        row = self.db.execute(
            f"SELECT {_RECORD} FROM prev.award WHERE file = ?", (rel,)
        ).fetchone()
        return None if row is None else self._record(row)

    def keep_previous(self, key: Callable[[str, str, str, int | None], str]) -> None:
        """Keep, in one step, the previous build's awards without evidence whose file's digest
        this build knows and whose key, ``key(badge, issuer, file digest, status index or
        None)``, is still the one recorded: on an established site, nearly all of them.
        Called before any :meth:`add`; the caller checks the others one by one."""
        if not self.has_previous:
            return
        self.db.create_function("award_key", 4, key, deterministic=True)
        try:
            self.db.execute(
                f"INSERT INTO award ({_COLUMNS}) SELECT "
                + ", ".join("1" if c in ("kept", "make") else f"a.{c}"
                            for c in _COLUMNS.split(", "))
                + " FROM prev.award a JOIN input i ON i.rel = a.file"
                f" LEFT JOIN {STATUS} s ON s.issuer = a.issuer AND s.id = a.id"
                " WHERE a.evidence = '[]'"
                " AND a.key != '' AND a.key = award_key(a.badge, a.issuer, i.digest, s.idx)"
            )
        finally:
            self.db.create_function("award_key", 4, None)
        self.db.execute("CREATE INDEX award_file ON award(file)")  # for the files not kept

    def removed_awards(self) -> list[str]:
        """Ids of the previous build's awards that this build has not."""
        if not self.has_previous:
            return []
        return [row[0] for row in self.db.execute(
            "SELECT id FROM prev.award WHERE id NOT IN (SELECT id FROM award) ORDER BY id"
        )]

    # This build's awards.

    def add(
        self, rel: str, summary: AwardSummary, evidence: tuple[str, ...],
        kept: AwardRecord | None = None,
    ) -> str | None:
        """Add a valid award; if another file already gave its id, add nothing and return
        that file."""
        s = summary
        try:
            self.db.execute(
                "INSERT INTO award VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                (s.id, rel, s.badge.slug, s.badge.issuer.slug, s.issued.isoformat(),
                 s.expires.isoformat() if s.expires else None,
                 s.revocation.date.isoformat() if s.revocation else None,
                 json.dumps(s.revocation.reason.values, ensure_ascii=False)
                 if s.revocation else None,
                 int(s.listed), s.shown_name, s.renews, s.recipient_key,
                 json.dumps(evidence, ensure_ascii=False),
                 kept.key if kept else "", kept.renewals if kept else "", int(bool(kept)),
                 kept.files if kept else 0, kept.bytes if kept else 0),
            )
        except sqlite3.IntegrityError:
            return self.file_of(s.id) or ""
        return None

    def replace(self, rel: str, summary: AwardSummary, evidence: tuple[str, ...]) -> None:
        """Give an award's id to another file (which comes first, so it wins)."""
        self.db.execute("DELETE FROM award WHERE id = ?", (summary.id,))
        self.add(rel, summary, evidence)

    def finish_adding(self) -> None:
        """Index the awards, once all are in."""
        self.db.executescript(_INDEXES + "BEGIN;")  # (executescript commits first)

    def file_of(self, award_id: str) -> str | None:
        """The file of an award."""
        row = self.db.execute("SELECT file FROM award WHERE id = ?", (award_id,)).fetchone()
        return None if row is None else str(row[0])

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM award").fetchone()[0])

    def ids(self) -> Iterator[str]:
        """Every award's id, in order."""
        return (row[0] for row in self.db.execute("SELECT id FROM award ORDER BY id"))

    def without_index(self) -> Iterator[tuple[str, str]]:
        """Id and issuer of the awards without a status index, in id order (the caller gives
        them indexes meanwhile)."""
        for row in self._pages("issuer", f"{_INDEX} IS NULL"):
            yield row[0], row[1]

    def gone_from_lock(self, but: Container[str]) -> Iterator[tuple[str, str]]:
        """Issuer and id of the awards that have a status index but are not in the ledger,
        leaving out the ids ``but`` names (invalid award files)."""
        rows = self.db.execute(
            f"SELECT issuer, id FROM {STATUS} s WHERE NOT EXISTS "
            "(SELECT 1 FROM award a WHERE a.id = s.id) ORDER BY issuer, id"
        )
        return ((r[0], r[1]) for r in rows if r[1] not in but)

    def of_renewals(self) -> list[tuple[str, AwardSummary]]:
        """File and summary of every award that renews another or is renewed."""
        return [(row[0], self._summary(row[1:])) for row in self.db.execute(
            f"SELECT file, {_SUMMARY} FROM award WHERE renews IS NOT NULL "
            "OR id IN (SELECT renews FROM award WHERE renews IS NOT NULL) ORDER BY id"
        )]

    def badge_ids(self, badge: str) -> list[str]:
        """The ids of a badge's awards."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM award WHERE badge = ? ORDER BY id", (badge,)
        )]

    def keep_unchanged(self, *, renewals: str, but: Iterable[str]) -> None:
        """Plan not to make the kept awards whose renewals' digest is ``renewals``, but for
        the awards ``but`` names (those with renewals now): most of a site, in one step."""
        self.db.execute(
            "UPDATE award SET make = 0 WHERE kept = 1 AND renewals = ? "
            "AND id NOT IN (SELECT value FROM json_each(?))",
            (renewals, json.dumps(sorted(but))),
        )

    def records(self) -> Iterator[tuple[AwardRecord, bool, int]]:
        """The record of every award still to be made, whether it was kept from the previous
        build, and its status index, by id (the caller may plan each award meanwhile).
        Every award has its index by now."""
        for row in self._pages(f"kept, {_INDEX}, {_RECORD}", "make = 1"):
            record = self._record(row[3:])
            assert record is not None  # noqa: S101 - this build's awards have its badges
            yield record, bool(row[1]), row[2]

    def to_make(self, *, everything: bool) -> Iterator[tuple[str, str, int]]:
        """Id, file and status index of the awards to make (all, or those planned), by id
        (the caller records each award made meanwhile)."""
        for row in self._pages(f"file, {_INDEX}", "1" if everything else "make = 1"):
            yield row[0], row[1], row[2]

    def _pages(self, columns: str, where: str) -> Iterator[tuple[Any, ...]]:
        """``id`` and ``columns`` of the awards ``where`` holds, by id, a page at a time: a
        statement is never open on the awards while the caller updates them."""
        return paged(
            self.db, f"SELECT id, {columns} FROM award WHERE id > ? AND {where} ORDER BY id "
            "LIMIT ?", after="", size=_PAGE,
        )

    def keys(self) -> list[tuple[str, str]]:
        """Every award's id and key, by id."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT id, key FROM award ORDER BY id")]

    def plan(self, award_id: str, *, key: str, renewals: str, make: bool) -> None:
        """Set an award's key and its renewals' digest, and whether to make it."""
        self.db.execute(
            "UPDATE award SET key = ?, renewals = ?, make = ? WHERE id = ?",
            (key, renewals, int(make), award_id),
        )

    def made(self, award_id: str, files: int, size: int) -> None:
        """Record an award's files and bytes in the output."""
        self.db.execute(
            "UPDATE award SET files = ?, bytes = ? WHERE id = ?", (files, size, award_id)
        )

    def totals(self) -> tuple[int, int]:
        """Files and bytes of all awards."""
        files, size = self.db.execute("SELECT sum(files), sum(bytes) FROM award").fetchone()
        return int(files or 0), int(size or 0)

    # What the lists and pages about many awards need (see ``Maker.site_files``).

    def revoked(self, issuer: str) -> list[AwardSummary]:
        """The issuer's revoked awards, by id."""
        return [self._summary(row) for row in self.db.execute(
            f"SELECT {_SUMMARY} FROM award WHERE issuer = ? AND revoked IS NOT NULL "
            "ORDER BY id", (issuer,),
        )]

    def latest_change(self, issuer: str) -> datetime | None:
        """The latest date an award of the issuer was issued or revoked."""
        latest: datetime | None = None
        for issued, revoked in self.db.execute(
            "SELECT issued, revoked FROM award WHERE issuer = ?", (issuer,)
        ):
            for text in (issued, revoked):
                if text is not None:
                    when = datetime.fromisoformat(text)
                    latest = when if latest is None or when > latest else latest
        return latest

    def listed_digest(self, badge: str) -> str:
        """Digest of what :meth:`listed` gives for ``badge``, read without making summaries."""
        taken = hashlib.sha256()
        for row in self._listed_rows(badge):
            taken.update(repr(row).encode("utf-8"))
        return taken.hexdigest()

    def listed(self, badge: str | None = None) -> Iterator[AwardSummary]:
        """The listed awards (of one badge, or all), by id."""
        return (self._summary(row) for row in self._listed_rows(badge))

    def _listed_rows(self, badge: str | None) -> sqlite3.Cursor:
        if badge is None:
            return self.db.execute(f"SELECT {_SUMMARY} FROM award WHERE listed = 1 ORDER BY id")
        return self.db.execute(
            f"SELECT {_SUMMARY} FROM award WHERE badge = ? AND listed = 1 ORDER BY id", (badge,)
        )

    # The record.

    def keep(self, facts: Mapping[str, Any]) -> None:
        """Write the build's facts and close: the file is now a record (renamed into place
        by the caller)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [(name, json.dumps(value, ensure_ascii=False)) for name, value in facts.items()],
        )
        self.db.execute("COMMIT")
        self.db.close()
        self.kept = True

    def close(self) -> None:
        """Close the ledger; unless kept as a record, its file is removed."""
        if self.kept:
            return
        self.db.close()
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _summary(self, row: tuple[Any, ...]) -> AwardSummary:
        award_id, badge, issued, expires, revoked, reason, listed, name, renews, recipient = row
        return AwardSummary(
            id=award_id, badge=self.badges[badge], issued=datetime.fromisoformat(issued),
            expires=datetime.fromisoformat(expires) if expires else None,
            revocation=Revocation(
                date=datetime.fromisoformat(revoked),
                reason=Localized(tuple((str(k), str(v)) for k, v in json.loads(reason))),
            ) if revoked else None,
            listed=bool(listed), shown_name=name, renews=renews, recipient_key=recipient,
        )

    def _record(self, row: tuple[Any, ...]) -> AwardRecord | None:
        file, key, evidence, files, size, renewals = row[:6]
        if row[7] not in self.badges:
            return None
        return AwardRecord(
            file=file, key=key, summary=self._summary(row[6:]),
            evidence=tuple(json.loads(evidence)), files=files, bytes=size, renewals=renewals,
        )


def paged(
    db: sqlite3.Connection, query: str, *, after: Any, size: int
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` a page of ``size`` at a time, by its first column: the query
    takes the last value seen (``after`` to begin) and the page size as its parameters,
    and orders by that column. No statement stays open while the caller writes to ``db``."""
    while rows := db.execute(query, (after, size)).fetchall():
        after = rows[-1][0]
        yield from rows
