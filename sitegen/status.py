"""Revocation status: stable status-list indexes for awards, and the encoded bitstring."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass

from sitegen.diagnostics import Diagnostics, Span
from sitegen.fields import SLUG
from sitegen.model import AwardSummary
from sitegen.yamlsrc import Node

# W3C Bitstring Status List: at least 16 KiB (131072 entries) for herd privacy.
LIST_SIZE = 131_072
LOCK_HEADER = (
    "# Maintained by sitegen: the position of each award in its issuer's revocation\n"
    "# status list. Positions never change once given; keep this file in git and do\n"
    "# not edit it by hand (sitegen check reports conflicts).\n"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusIndexes:
    """Every issuer's ``award id -> index`` table, including awards since deleted."""

    by_issuer: Mapping[str, Mapping[str, int]]

    def index_of(self, issuer: str, award_id: str) -> int:
        """The award's index (it must have been allocated)."""
        return self.by_issuer[issuer][award_id]


def preferred_index(issuer: str, award_id: str) -> int:
    """A random-looking starting index, so positions leak neither order nor count."""
    seed = f"sitegen/status-index/v1\0{issuer}\0{award_id}".encode()
    return int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") % LIST_SIZE


def allocate_indexes(awards: Iterable[AwardSummary], locked: StatusIndexes) -> StatusIndexes:
    """Give every award without an index a free one; never move or reuse a locked one.

    New awards are taken in id order and probe upwards from their preferred
    index, so the result depends only on the lock and the awards.
    """
    return allocate_in_order(
        sorted((a.id, a.badge.issuer.slug) for a in awards), locked
    )


def allocate_in_order(awards: Iterable[tuple[str, str]], locked: StatusIndexes) -> StatusIndexes:
    """:func:`allocate_indexes` for awards given as ``(id, issuer)`` in id order (read from
    a build's ledger, without holding every award's summary).

    An issuer's locked table is copied only when one of its awards is new; the tables
    keep the order in which awards came (the lock file is sorted when written)."""
    tables: dict[str, Mapping[str, int]] = dict(locked.by_issuer)
    # The copies that take new awards, each with its used indexes (one byte an index:
    # smaller than a set of numbers).
    grown: dict[str, tuple[dict[str, int], bytearray]] = {}
    for award_id, issuer in awards:
        if award_id in tables.get(issuer, {}):
            continue
        if issuer not in grown:
            copy, used = dict(tables.get(issuer, {})), bytearray(LIST_SIZE)
            for locked_index in copy.values():
                used[locked_index] = 1
            tables[issuer], grown[issuer] = copy, (copy, used)
        table, taken = grown[issuer]
        if len(table) >= LIST_SIZE:
            raise ValueError(f"issuer {issuer!r} has no free status index")
        index = preferred_index(issuer, award_id)
        while taken[index]:
            index = (index + 1) % LIST_SIZE
        table[award_id] = index
        taken[index] = 1
    if not grown:
        return locked  # nothing new: no copy of the lock
    return StatusIndexes(by_issuer=dict(sorted(tables.items())))


def read_lock(node: Node | None, path: str, diags: Diagnostics) -> StatusIndexes:
    """Validate the lock file's tables; report malformed entries and index conflicts."""
    if node is None:
        return StatusIndexes(by_issuer={})
    if not isinstance(node.value, dict):
        diags.error(node.span, "status.bad-lock", f"{path} must map issuers to award indexes")
        return StatusIndexes(by_issuer={})
    tables: dict[str, dict[str, int]] = {}
    for issuer, entry in node.value.items():
        if not SLUG.fullmatch(issuer) or not isinstance(entry.node.value, dict):
            diags.error(entry.key_span, "status.bad-lock", f"bad issuer entry '{issuer}'")
            continue
        table: dict[str, int] = {}
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
            table[award_id] = index
        tables[issuer] = table
    return StatusIndexes(by_issuer=tables)


_ENTRY = re.compile(r"  (\S+): (0|[1-9][0-9]{0,9})")


def read_written_lock(data: bytes) -> StatusIndexes | None:
    """The lock file read line by line, when it is exactly as sitegen writes it.

    Reading a lock of a hundred thousand awards through the YAML reader that keeps
    every line and column takes seconds; the file sitegen wrote itself needs
    none of that. Anything else (an edit by hand, a conflict, a bad index) gives
    None, and the YAML reader then reports it with its place in the file.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.startswith(LOCK_HEADER):
        return None
    tables: dict[str, dict[str, int]] = {}
    table: dict[str, int] | None = None
    for line in io.StringIO(text[len(LOCK_HEADER):], newline="\n"):  # not a list of lines
        line = line.removesuffix("\n")
        entry = _ENTRY.fullmatch(line)
        if entry is not None and table is not None:
            award_id, index = entry[1], int(entry[2])
            if not SLUG.fullmatch(award_id) or award_id in table or index >= LIST_SIZE:
                return None
            table[award_id] = index
        elif line.endswith(":") and SLUG.fullmatch(line[:-1]) and line[:-1] not in tables:
            table = tables[line[:-1]] = {}
        else:
            return None
    for found in tables.values():
        if len(set(found.values())) != len(found):
            return None  # two awards share an index: the YAML reader says where
    indexes = StatusIndexes(by_issuer=tables)
    return indexes if _is_written(indexes, data) else None


def report_removed_awards(
    award_ids: Container[str], locked: StatusIndexes, read_node: Callable[[], Node | None],
    diags: Diagnostics,
) -> None:
    """Warn about awards that were published (they have an index) but whose file is gone.

    ``award_ids`` are the ids of every award file, valid or not: a file with
    errors is reported for its errors, not as removed. ``read_node`` gives the
    lock file's YAML with places, read only when there is something to report.
    """
    if all(award_id in award_ids for table in locked.by_issuer.values() for award_id in table):
        return
    lock = read_node()
    if lock is None or not isinstance(lock.value, dict):
        return
    for issuer, table in locked.by_issuer.items():
        entries = lock.value[issuer].node.value
        assert isinstance(entries, dict)  # noqa: S101 - read_lock kept only mappings
        for award_id in table:
            if award_id not in award_ids:
                diags.warning(
                    entries[award_id].key_span, "award.removed",
                    f"award '{award_id}' was published but its file is gone: its page and "
                    "credential disappear, and copies people shared stop verifying",
                    "restore the file and revoke the award instead (revoked: {date, reason})",
                )


def render_lock(indexes: StatusIndexes) -> bytes:
    """The lock file's text: sorted, one award per line."""
    return "".join(lock_lines(indexes)).encode("utf-8")


def lock_lines(indexes: StatusIndexes) -> Iterator[str]:
    """The lines of the lock file (see :func:`render_lock`), one at a time: a lock of a
    hundred thousand awards is written and compared without being held whole."""
    yield LOCK_HEADER
    for issuer, table in sorted(indexes.by_issuer.items()):
        yield f"{issuer}:\n"
        for award_id in sorted(table):
            yield f"  {award_id}: {table[award_id]}\n"


def _is_written(indexes: StatusIndexes, data: bytes) -> bool:
    """Whether ``data`` is exactly the lock file that sitegen writes for ``indexes``."""
    position = 0
    for line in lock_lines(indexes):
        encoded = line.encode("utf-8")
        if data[position:position + len(encoded)] != encoded:
            return False
        position += len(encoded)
    return position == len(data)


def encode_bitstring(set_indexes: Iterable[int], size: int = LIST_SIZE) -> str:
    """GZIP then base64url without padding, with the multibase ``u`` prefix (MSB first)."""
    buffer = bytearray(size // 8)
    for index in set_indexes:
        buffer[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(buffer), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_bitstring(encoded: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes:
    """The raw bitstring of an ``encodedList`` (bounded, against decompression bombs)."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must start with the multibase prefix 'u'")
    data = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ValueError("status list is too large")
    return raw


def is_set(bitstring: bytes, index: int) -> bool:
    """The bit at ``index`` (index 0 is the most significant bit of byte 0)."""
    if not 0 <= index < len(bitstring) * 8:
        raise IndexError(f"status index {index} is outside the list")
    return bool((bitstring[index // 8] >> (7 - index % 8)) & 1)
