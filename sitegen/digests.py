"""Content digests of a build's input files, each taken once, and kept in its ledger.

A file whose stat is the one the previous build recorded keeps that build's digest
without being read. The award folder's files (a hundred thousand in a big site) have
their stats and digests in the ledger's SQLite file, never in Python objects, and are
listed from it; the digests of the few other inputs, which every award's key uses, are
also kept at hand.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.content import is_content_name
from sitegen.inputs import AWARDS_FOLDER, FileStat, Scan
from sitegen.ledger import Ledger, paged
from sitegen.state import file_digest

# The award folder's files as scanned, in the order of their path parts (``seq``); and
# the award files a build validates, listed once so that they can be read twice.
_TABLES = """
CREATE TEMP TABLE scanned (
    seq INTEGER PRIMARY KEY, rel TEXT NOT NULL, size INTEGER NOT NULL,
    mtime INTEGER NOT NULL, inode INTEGER NOT NULL, award INTEGER NOT NULL
);
CREATE TEMP TABLE unkept (seq INTEGER PRIMARY KEY, rel TEXT NOT NULL);
"""
# Rows read a page at a time: never a list of every award file in memory.
_PAGE = 1000
# The award files that no award of the ledger comes from.
_NOT_KEPT = "award = 1 AND NOT EXISTS (SELECT 1 FROM award WHERE file = s.rel)"


@dataclass(slots=True)
class InputDigests:
    """The digests of a build's input files, taken from the previous build's record or
    from the files themselves, and recorded for the next build."""

    source: Path
    others: Mapping[str, FileStat]
    """The stat of every input outside the award folder."""
    ledger: Ledger
    digests: dict[str, str] = field(default_factory=dict)
    """Digests kept at hand: inputs outside the award folder, and files the scan missed."""

    @classmethod
    def of_scan(cls, source: Path, scan: Scan, ledger: Ledger) -> InputDigests:
        """Digests of the inputs of ``scan``, whose award files go into ``ledger``."""
        db = ledger.db
        db.executescript(_TABLES + "BEGIN;")  # (executescript commits first)
        db.executemany(
            "INSERT INTO temp.scanned (rel, size, mtime, inode, award) VALUES (?, ?, ?, ?, ?)",
            ((rel, size, mtime, inode, is_content_name(rel.rsplit("/", 1)[1]))
             for rel, size, mtime, inode in scan.award_files()),
        )
        db.execute("CREATE UNIQUE INDEX temp.scanned_rel ON scanned(rel)")
        return cls(source=source, others=scan.others, ledger=ledger)

    def of(self, rel: str) -> str:
        """The digest of the site file ``rel``, or ``"missing"``."""
        known = self.digests.get(rel)
        if known is None and rel.startswith(AWARDS_FOLDER):
            known = self._one("SELECT digest FROM input WHERE rel = ?", rel)
        if known is not None:
            return str(known)
        value = self._taken(rel, self._stat(rel), self._previous(rel))
        self.know(rel, value)
        return value

    def know(self, rel: str, value: str) -> None:
        """Take the digest of ``rel`` from whoever just read it (so it is not read again);
        the first digest taken stays."""
        if rel.startswith(AWARDS_FOLDER) and value != "missing":
            cursor = self.ledger.db.execute(
                "INSERT OR IGNORE INTO input SELECT rel, size, mtime, inode, ? "
                "FROM temp.scanned WHERE rel = ?", (value, rel),
            )
            if cursor.rowcount > 0 or self._stat(rel) is not None:
                return  # recorded (now or before)
        self.digests.setdefault(rel, value)

    def know_previous_awards(self) -> None:
        """Take the digest of every file of the previous build's awards that is still there,
        in bulk: the recorded one if the file's stat is unchanged, else the file's own."""
        if not self.ledger.has_previous:
            return
        db = self.ledger.db
        db.execute(
            "INSERT OR IGNORE INTO input SELECT s.rel, s.size, s.mtime, s.inode, p.digest "
            "FROM prev.award a JOIN temp.scanned s ON s.rel = a.file "
            "JOIN prev.input p ON p.rel = a.file "
            "WHERE p.size = s.size AND p.mtime = s.mtime AND p.inode = s.inode"
        )
        touched = _by_seq(  # a fresh checkout touches them all
            db, "SELECT s.seq, s.rel, s.size, s.mtime, s.inode FROM temp.scanned s "
            "JOIN prev.award a ON a.file = s.rel WHERE s.seq > ? "
            "AND NOT EXISTS (SELECT 1 FROM input i WHERE i.rel = s.rel) ORDER BY s.seq LIMIT ?",
        )
        for _, rel, *stat in touched:
            value = self._taken(rel, None, None)
            if value == "missing":  # removed since the scan
                self.digests.setdefault(rel, value)
                continue
            db.execute("INSERT OR IGNORE INTO input VALUES (?, ?, ?, ?, ?)", (rel, *stat, value))

    def award_files(self) -> Iterator[str]:
        """The award files that no award of the ledger comes from, by path parts, read a
        page at a time (the caller may add awards from the files already given)."""
        for _, rel in _by_seq(self.ledger.db, "SELECT seq, rel FROM temp.scanned s "
                              f"WHERE seq > ? AND {_NOT_KEPT} ORDER BY seq LIMIT ?"):
            yield rel

    def hold_award_files(self) -> HeldFiles:
        """:meth:`award_files`, listed once so that they can be read as often as needed,
        whatever awards are added meanwhile (until the next call)."""
        db = self.ledger.db
        db.execute("DELETE FROM temp.unkept")
        db.execute(
            f"INSERT INTO temp.unkept SELECT seq, rel FROM temp.scanned s WHERE {_NOT_KEPT}"
        )
        return HeldFiles(self.ledger, int(self._one("SELECT count(*) FROM temp.unkept")))

    def record(self) -> None:
        """Put the digests kept at hand into the ledger too, for the next build."""
        self.ledger.db.executemany(
            "INSERT OR IGNORE INTO input VALUES (?, ?, ?, ?, ?)",
            ((rel, *self.others[rel], value) for rel, value in sorted(self.digests.items())
             if rel in self.others and value != "missing"),
        )

    def _taken(self, rel: str, stat: FileStat | None, before: tuple[FileStat, str] | None) -> str:
        """The digest of ``rel``: the previous build's (``before``, its stat and digest) if the
        file's stat is unchanged, else the file's own, or ``"missing"``."""
        if stat is not None and before is not None and before[0] == stat:
            return before[1]
        try:
            return file_digest((self.source / rel).read_bytes())
        except OSError:
            return "missing"

    def _stat(self, rel: str) -> FileStat | None:
        if not rel.startswith(AWARDS_FOLDER):
            return self.others.get(rel)
        row = self.ledger.db.execute(
            "SELECT size, mtime, inode FROM temp.scanned WHERE rel = ?", (rel,)
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def _previous(self, rel: str) -> tuple[FileStat, str] | None:
        if not self.ledger.has_previous:
            return None
        row = self.ledger.db.execute(
            "SELECT size, mtime, inode, digest FROM prev.input WHERE rel = ?", (rel,)
        ).fetchone()
        return None if row is None else ((row[0], row[1], row[2]), row[3])

    def _one(self, query: str, *parameters: Any) -> Any:
        row = self.ledger.db.execute(query, parameters).fetchone()
        return None if row is None else row[0]


@dataclass(frozen=True, slots=True)
class HeldFiles:
    """Award files listed in the ledger (see :meth:`InputDigests.hold_award_files`)."""

    ledger: Ledger
    count: int

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[str]:
        for _, rel in _by_seq(
            self.ledger.db, "SELECT seq, rel FROM temp.unkept WHERE seq > ? ORDER BY seq LIMIT ?"
        ):
            yield rel



def _by_seq(db: sqlite3.Connection, query: str) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` (``seq`` first, after ``?``, at most ``?`` of them) a page at a
    time (see :func:`sitegen.ledger.paged`)."""
    return paged(db, query, after=0, size=_PAGE)
