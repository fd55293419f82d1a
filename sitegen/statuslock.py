"""The status lock: the status-list index of every award ever published, in an SQLite table.

Indexes never move once given, so the repository keeps them in a lock file
(``status-indexes.yaml``) that each build reads and, when new awards got
indexes, writes back. A hundred thousand awards would take some 10 MB of Python
objects; in a temporary table of the build's ledger they take none, and the
ledger's queries join them to the awards.
"""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sitegen.diagnostics import Diagnostics, Span
from sitegen.fields import SLUG
from sitegen.inputs import LOCK_FILE
from sitegen.status import LIST_SIZE, preferred_index
from sitegen.yamlsrc import Node, parse_yaml

# The table's name, for the ledger's queries that join it to the awards.
TABLE = "temp.status_index"
_SCHEMA = (
    "CREATE TEMP TABLE status_index (issuer TEXT NOT NULL, id TEXT NOT NULL, "
    "idx INTEGER NOT NULL, PRIMARY KEY (issuer, id)) WITHOUT ROWID"
)
LOCK_HEADER = (
    "# Maintained by sitegen: the position of each award in its issuer's revocation\n"
    "# status list. Positions never change once given; keep this file in git and do\n"
    "# not edit it by hand (sitegen check reports conflicts).\n"
)
# The lock file has one line (about 40 bytes) per award ever published: room for millions.
MAX_LOCK_BYTES = 256_000_000
_ENTRY = re.compile(r"  (\S+): (0|[1-9][0-9]{0,9})")


class StatusIndexes:
    """Every issuer's award ids and their indexes, awards since deleted included, in a
    temporary table of ``db`` (a build's ledger's connection, or one of its own)."""

    def __init__(self, db: sqlite3.Connection | None = None) -> None:
        self.db = db if db is not None else sqlite3.connect(":memory:")
        self.db.execute(_SCHEMA)
        self.grown = False
        """Whether new awards got indexes that the lock file does not record yet."""

    def index_of(self, issuer: str, award_id: str) -> int | None:
        """The award's index, if it has one."""
        row = self.db.execute(
            f"SELECT idx FROM {TABLE} WHERE issuer = ? AND id = ?", (issuer, award_id)
        ).fetchone()
        return None if row is None else int(row[0])

    def items(self) -> Iterator[tuple[str, str, int]]:
        """Issuer, award id and index of every entry, sorted as the lock file is."""
        return ((r[0], r[1], r[2]) for r in self.db.execute(
            f"SELECT issuer, id, idx FROM {TABLE} ORDER BY issuer, id"
        ))

    def list_numbers(self, issuer: str) -> list[int]:
        """The numbers of the issuer's status lists (from 1): those its indexes fall in."""
        return [r[0] for r in self.db.execute(
            f"SELECT DISTINCT idx / {LIST_SIZE} + 1 FROM {TABLE} WHERE issuer = ? ORDER BY 1",
            (issuer,),
        )] or [1]

    def allocate(self, awards: Iterable[tuple[str, str]]) -> None:
        """Give each award, ``(id, issuer)`` in id order and without an index yet, a free
        index: never a locked one, never one given before.

        Each probes upwards from its preferred index, so the result depends only on the
        lock and the awards."""
        taken: dict[str, bytearray] = {}  # per issuer, one byte an index
        free: dict[str, int] = {}

        def given() -> Iterator[tuple[str, str, int]]:
            for award_id, issuer in awards:
                if issuer not in taken:  # its indexes as the lock gives them
                    taken[issuer], free[issuer] = bytearray(LIST_SIZE), LIST_SIZE
                    for (locked,) in self.db.execute(
                        f"SELECT idx FROM {TABLE} WHERE issuer = ?", (issuer,)
                    ):
                        taken[issuer][locked] = 1
                        free[issuer] -= 1
                if not free[issuer]:
                    raise ValueError(f"issuer {issuer!r} has no free status index")
                index = preferred_index(issuer, award_id)
                while taken[issuer][index]:
                    index = (index + 1) % LIST_SIZE
                taken[issuer][index] = 1
                free[issuer] -= 1
                yield issuer, award_id, index

        self.insert(given())
        self.grown = self.grown or bool(taken)

    def lock_lines(self) -> Iterator[str]:
        """The lines of the lock file, sorted, one award a line, given one at a time."""
        yield LOCK_HEADER
        issuer = None
        for owner, award_id, index in self.items():
            if owner != issuer:
                issuer = owner
                yield f"{issuer}:\n"
            yield f"  {award_id}: {index}\n"

    def insert(self, rows: Iterable[tuple[str, str, int]]) -> None:
        """Add entries (issuer, award id, index) as they come: the caller has checked them."""
        self.db.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?)", rows)


def read_lock_file(
    source: Path, diags: Diagnostics, db: sqlite3.Connection | None = None
) -> tuple[Callable[[], Node | None], StatusIndexes]:
    """The lock's status indexes (in a table of ``db``), and how to read its YAML with places
    for messages.

    A lock exactly as sitegen wrote it is read line by line; the YAML reader that
    keeps lines and columns runs for a lock edited by hand, or to place a message.
    """
    indexes = StatusIndexes(db)
    lock_path = source / LOCK_FILE
    if not lock_path.is_file():
        return lambda: None, indexes
    data = lock_path.read_bytes()

    def read_node() -> Node | None:  # the careful reader, for messages: slow on large locks
        return parse_yaml(data, LOCK_FILE, Diagnostics(), max_bytes=MAX_LOCK_BYTES)

    if len(data) <= MAX_LOCK_BYTES and read_written_lock(data, indexes):
        return read_node, indexes
    node = parse_yaml(data, LOCK_FILE, diags, max_bytes=MAX_LOCK_BYTES)
    read_lock(node, LOCK_FILE, diags, indexes)
    return lambda: node, indexes


def write_lock(source: Path, indexes: StatusIndexes) -> None:
    """Record status indexes in the repository (atomically), for CI to commit back."""
    path = source / LOCK_FILE
    staging = path.with_name(f".{LOCK_FILE}.tmp")
    with staging.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(indexes.lock_lines())
    staging.replace(path)


class _NotWritten(Exception):
    """The lock is not exactly as sitegen writes it."""


def read_written_lock(data: bytes, indexes: StatusIndexes) -> bool:
    """Read the lock file line by line into ``indexes`` when it is exactly as sitegen writes
    it (sorted, one award a line, no index given twice); else read nothing, return False.

    Reading a lock of a hundred thousand awards through the YAML reader that keeps
    every line and column takes seconds; the file sitegen wrote itself needs
    none of that. Anything else (an edit by hand, a conflict, a bad index) is left
    to the YAML reader, which reports it with its place in the file.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not text.startswith(LOCK_HEADER):
        return False
    try:
        indexes.insert(_written_entries(text[len(LOCK_HEADER):]))
    except _NotWritten:
        indexes.db.execute(f"DELETE FROM {TABLE}")
        return False
    return True


def _written_entries(body: str) -> Iterator[tuple[str, str, int]]:
    """Issuer, award id and index of each line of a lock's ``body`` (after its header);
    raises :class:`_NotWritten` at the first line sitegen would not have written."""
    issuer = last_id = ""
    taken = bytearray()
    for line in io.StringIO(body, newline="\n"):  # not a list of lines
        if not line.endswith("\n"):
            raise _NotWritten
        entry = _ENTRY.fullmatch(line, 0, len(line) - 1)
        if entry is not None and issuer:
            award_id, index = entry[1], int(entry[2])
            if (not SLUG.fullmatch(award_id) or award_id <= last_id or index >= LIST_SIZE
                    or taken[index]):
                raise _NotWritten
            taken[index] = 1
            last_id = award_id
            yield issuer, award_id, index
        elif line.endswith(":\n") and SLUG.fullmatch(line[:-2]) and line[:-2] > issuer:
            issuer, last_id, taken = line[:-2], "", bytearray(LIST_SIZE)
        else:
            raise _NotWritten


def read_lock(node: Node | None, path: str, diags: Diagnostics, indexes: StatusIndexes) -> None:
    """Read the lock file's YAML into ``indexes``; report malformed entries and index
    conflicts (for a lock edited by hand: one sitegen wrote is read line by line)."""
    if node is None:
        return
    if not isinstance(node.value, dict):
        diags.error(node.span, "status.bad-lock", f"{path} must map issuers to award indexes")
        return
    for issuer, entry in node.value.items():
        if not SLUG.fullmatch(issuer) or not isinstance(entry.node.value, dict):
            diags.error(entry.key_span, "status.bad-lock", f"bad issuer entry '{issuer}'")
            continue
        rows: list[tuple[str, str, int]] = []
        owners: dict[int, tuple[str, Span]] = {}
        for award_id, item in entry.node.value.items():
            index = item.node.value
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < LIST_SIZE:
                diags.error(
                    item.node.span, "status.bad-lock",
                    f"index of '{award_id}' must be a whole number from 0 to {LIST_SIZE - 1}",
                )
                continue
            if index in owners:
                other, span = owners[index]
                diags.error(
                    item.key_span, "status.index-conflict",
                    f"awards '{other}' (line {span.line}) and '{award_id}' share status "
                    f"index {index}",
                    "delete the line of the newer award; sitegen gives it a free index",
                )
                continue
            owners[index] = (award_id, item.key_span)
            rows.append((issuer, award_id, index))
        indexes.insert(rows)


def report_removed_awards(
    gone: Iterable[tuple[str, str]], read_node: Callable[[], Node | None], diags: Diagnostics,
) -> None:
    """Warn about awards that were published (they have an index) but whose file is gone.

    ``gone`` gives the issuer and id of each locked award that no award file declares
    (valid or not: a file with errors is reported for its errors, not as removed).
    ``read_node`` gives the lock file's YAML with places, read only when there is
    something to report.
    """
    lock: Node | None = None
    for issuer, award_id in gone:
        lock = lock or read_node()
        if lock is None or not isinstance(lock.value, dict):
            return
        entries = lock.value[issuer].node.value
        assert isinstance(entries, dict)  # noqa: S101 - read_lock kept only mappings
        diags.warning(
            entries[award_id].key_span, "award.removed",
            f"award '{award_id}' was published but its file is gone: its page and "
            "credential disappear, and copies people shared stop verifying",
            "restore the file and revoke the award instead (revoked: {date, reason})",
        )
