import base64
import gzip

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.diagnostics import Diagnostics
from sitegen.status import (
    LIST_SIZE,
    StatusIndexes,
    allocate_indexes,
    decode_bitstring,
    encode_bitstring,
    is_set,
    preferred_index,
    read_lock,
    render_lock,
)
from sitegen.yamlsrc import parse_yaml
from tests.test_resolve import load

SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_encoding_matches_the_spec_example_for_an_empty_list():
    assert decode_bitstring(SPEC_EMPTY_LIST) == bytes(LIST_SIZE // 8)
    assert decode_bitstring(encode_bitstring([])) == bytes(LIST_SIZE // 8)


def test_encoding_is_msb_first_gzip_base64url_multibase_and_deterministic():
    encoded = encode_bitstring([0, 7, 9])
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == LIST_SIZE // 8
    assert raw[0] == 0b1000_0001 and raw[1] == 0b0100_0000
    assert encode_bitstring([0, 7, 9]) == encoded


@settings(max_examples=50)
@given(st.sets(st.integers(min_value=0, max_value=LIST_SIZE - 1), max_size=40))
def test_bitstring_round_trip(indexes):
    bits = decode_bitstring(encode_bitstring(indexes))
    for i in [*indexes, 0, LIST_SIZE - 1]:
        assert is_set(bits, i) == (i in indexes)


def test_adding_deleting_and_reordering_awards_never_moves_an_index(site_factory):
    award = "badge: ponctuel\nrecipient: {email: x@example.net}\nissued: 2024-03-14\n"
    site, _ = load(site_factory({f"content/awards/2024/a{i}.yaml": award for i in range(2, 6)}))
    first = allocate_indexes(site.awards, StatusIndexes(by_issuer={}))
    # a new award, one removed, files moved: indexes come from the lock
    site2, _ = load(site_factory({
        "content/awards/2024/a3.yaml": None, "content/awards/2024/a9.yaml": award}))
    second = allocate_indexes(site2.awards, first)
    for award_id, index in first.by_issuer["atelier"].items():
        assert second.by_issuer["atelier"][award_id] == index  # deleted a3 keeps its slot
    assert len(set(second.by_issuer["atelier"].values())) == len(second.by_issuer["atelier"])


def test_collision_probes_to_the_next_free_index(site_factory):
    site, _ = load(site_factory())
    taken = preferred_index("atelier", "a1")
    locked = StatusIndexes(by_issuer={"atelier": {"old": taken}})
    result = allocate_indexes(site.awards, locked)
    assert result.by_issuer["atelier"]["a1"] == (taken + 1) % LIST_SIZE


def test_lock_round_trip_and_conflict_detection():
    indexes = StatusIndexes(by_issuer={"atelier": {"a1": 5, "a2": 77}})
    text = render_lock(indexes)
    diags = Diagnostics()
    assert read_lock(parse_yaml(text, "status-indexes.yaml", diags), "x", diags) == indexes
    conflict = text + b"  a3: 5\n"
    diags = Diagnostics()
    read_lock(parse_yaml(conflict, "status-indexes.yaml", diags), "status-indexes.yaml", diags)
    ((d,),) = [diags.sorted()]
    assert d.code == "status.index-conflict"
    assert d.span.line == text.count(b"\n") + 1
    assert d.message == "awards 'a1' (line 5) and 'a3' share status index 5"


def test_a_lock_file_of_a_hundred_thousand_awards_is_read(tmp_path):
    from sitegen.commands.load import read_lock_file
    from sitegen.diagnostics import Diagnostics

    indexes = StatusIndexes(by_issuer={"atelier": {f"award-{i:06}": i for i in range(100_000)}})
    (tmp_path / "status-indexes.yaml").write_bytes(render_lock(indexes))
    assert (tmp_path / "status-indexes.yaml").stat().st_size > 1_000_000
    diags = Diagnostics()
    _, locked = read_lock_file(tmp_path, diags)
    assert not diags.has_errors
    assert locked == indexes


def test_a_lock_as_sitegen_writes_it_is_read_without_the_yaml_reader_and_alike():
    from sitegen.diagnostics import Diagnostics
    from sitegen.status import read_written_lock

    indexes = StatusIndexes(by_issuer={"atelier": {"a1": 3, "b2": 0}, "autre": {"c3": 7}})
    data = render_lock(indexes)
    assert read_written_lock(data) == indexes
    diags = Diagnostics()
    assert read_lock(parse_yaml(data, "status-indexes.yaml", diags), "x", diags) == indexes
    # Anything sitegen would not write goes to the YAML reader, which says where.
    for edited in (data.replace(b"  a1: 3\n", b"  a1: 3  # moved\n"),
                   data.replace(b"  b2: 0\n", b"  b2: 3\n"),  # two awards, one index
                   data.replace(b"  a1: 3", b"  a1: 999999999"),
                   data.replace(b"autre:\n", b"autre:\n  c3: 1\n"),
                   data[len(b"# Maintained"):],
                   data.replace(b"  a1: 3\n  b2: 0\n", b"  b2: 0\n  a1: 3\n"),  # unsorted
                   data + b"\n"):
        assert read_written_lock(edited) is None, edited


def test_the_lock_is_written_sorted_whatever_order_the_awards_came_in():
    from sitegen.status import allocate_in_order

    locked = StatusIndexes(by_issuer={"b": {"z9": 4, "a1": 2}})
    grown = allocate_in_order([("m5", "b"), ("c3", "a")], locked)
    assert grown.by_issuer["b"] == {"z9": 4, "a1": 2, "m5": preferred_index("b", "m5")}
    assert locked.by_issuer == {"b": {"z9": 4, "a1": 2}}, "the lock is never changed"
    assert render_lock(grown).decode().splitlines()[3:] == [
        "a:", f"  c3: {preferred_index('a', 'c3')}",
        "b:", "  a1: 2", f"  m5: {preferred_index('b', 'm5')}", "  z9: 4",
    ]
    assert allocate_in_order([("z9", "b"), ("a1", "b")], locked) is locked


def test_an_award_removed_from_a_written_lock_is_reported_at_its_line(tmp_path):
    from sitegen.commands.load import read_lock_file
    from sitegen.diagnostics import Diagnostics
    from sitegen.status import report_removed_awards

    indexes = StatusIndexes(by_issuer={"atelier": {"a1": 3, "b2": 0}})
    (tmp_path / "status-indexes.yaml").write_bytes(render_lock(indexes))
    diags = Diagnostics()
    read_node, locked = read_lock_file(tmp_path, diags)
    report_removed_awards({"a1"}, locked, read_node, diags)
    ((d,),) = [diags.sorted()]
    assert d.code == "award.removed" and "'b2'" in d.message
    assert d.span.line == render_lock(indexes).count(b"\n")  # the last line
