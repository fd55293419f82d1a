"""The status lock: indexes given once and never moved, read and written as one file."""

from sitegen.diagnostics import Diagnostics
from sitegen.status import LIST_SIZE, preferred_index
from sitegen.statuslock import (
    StatusIndexes,
    read_lock,
    read_lock_file,
    read_written_lock,
    report_removed_awards,
    write_lock,
)
from sitegen.yamlsrc import parse_yaml

LOCK = "status-indexes.yaml"


def indexes_of(tables):
    """A lock from ``{issuer: {award id: index}}``."""
    indexes = StatusIndexes()
    indexes.insert([(issuer, award_id, index) for issuer, table in tables.items()
                    for award_id, index in table.items()])
    return indexes


def tables_of(indexes):
    tables = {}
    for issuer, award_id, index in indexes.items():
        tables.setdefault(issuer, {})[award_id] = index
    return tables


def lock_text(tables):
    return "".join(indexes_of(tables).lock_lines()).encode("utf-8")


def test_adding_deleting_and_reordering_awards_never_moves_an_index():
    indexes = StatusIndexes()
    indexes.allocate((f"a{i}", "atelier") for i in range(2, 6))
    first = tables_of(indexes)["atelier"]
    assert indexes.grown
    # a later build: a3 deleted (its line stays), a9 new
    later = indexes_of({"atelier": first})
    later.allocate([("a9", "atelier")])
    second = tables_of(later)["atelier"]
    assert {k: v for k, v in second.items() if k != "a9"} == first  # a3 keeps its slot
    assert second["a9"] not in first.values()
    assert len(set(second.values())) == len(second)


def test_collision_probes_to_the_next_free_index():
    taken = preferred_index("atelier", "a1")
    indexes = indexes_of({"atelier": {"old": taken}})
    indexes.allocate([("a1", "atelier")])
    assert indexes.index_of("atelier", "a1") == (taken + 1) % LIST_SIZE
    assert indexes.index_of("atelier", "nobody") is None


def test_nothing_new_leaves_the_lock_as_it_was():
    indexes = indexes_of({"b": {"z9": 4, "a1": 2}})
    indexes.allocate([])
    assert not indexes.grown
    assert indexes.list_numbers("b") == [1] and indexes.list_numbers("none") == [1]


def test_an_issuer_with_more_awards_than_a_list_gets_a_second_list():
    indexes = indexes_of({"b": {"a1": 2, "a2": LIST_SIZE + 5}})
    assert indexes.list_numbers("b") == [1, 2]


def test_a_full_issuer_is_an_error_not_a_reused_index():
    indexes = StatusIndexes()
    indexes.insert([("b", f"x{i}", i) for i in range(LIST_SIZE)])
    try:
        indexes.allocate([("new", "b")])
    except ValueError as error:
        assert "no free status index" in str(error)
    else:
        raise AssertionError("an index was given twice")


def test_the_lock_is_written_sorted_whatever_order_the_awards_came_in(tmp_path):
    indexes = indexes_of({"b": {"z9": 4, "a1": 2}})
    indexes.allocate([("c3", "a"), ("m5", "b")])
    write_lock(tmp_path, indexes)
    assert (tmp_path / LOCK).read_text().splitlines()[3:] == [
        "a:", f"  c3: {preferred_index('a', 'c3')}",
        "b:", "  a1: 2", f"  m5: {preferred_index('b', 'm5')}", "  z9: 4",
    ]
    assert not list(tmp_path.glob(".*.tmp"))


def test_lock_round_trip_and_conflict_detection():
    text = lock_text({"atelier": {"a1": 5, "a2": 77}})
    diags = Diagnostics()
    read = StatusIndexes()
    read_lock(parse_yaml(text, LOCK, diags), "x", diags, read)
    assert tables_of(read) == {"atelier": {"a1": 5, "a2": 77}} and not diags.has_errors
    conflict = text + b"  a3: 5\n"
    diags = Diagnostics()
    read = StatusIndexes()
    read_lock(parse_yaml(conflict, LOCK, diags), LOCK, diags, read)
    ((d,),) = [diags.sorted()]
    assert d.code == "status.index-conflict"
    assert d.span.line == text.count(b"\n") + 1
    assert d.message == "awards 'a1' (line 5) and 'a3' share status index 5"
    assert tables_of(read) == {"atelier": {"a1": 5, "a2": 77}}, "the newer award loses"


def test_a_lock_file_of_a_hundred_thousand_awards_is_read(tmp_path):
    tables = {"atelier": {f"award-{i:06}": i for i in range(100_000)}}
    (tmp_path / LOCK).write_bytes(lock_text(tables))
    assert (tmp_path / LOCK).stat().st_size > 1_000_000
    diags = Diagnostics()
    _, locked = read_lock_file(tmp_path, diags)
    assert not diags.has_errors
    assert tables_of(locked) == tables


def test_a_lock_as_sitegen_writes_it_is_read_without_the_yaml_reader_and_alike():
    tables = {"atelier": {"a1": 3, "b2": 0}, "autre": {"c3": 7}}
    data = lock_text(tables)
    fast = StatusIndexes()
    assert read_written_lock(data, fast)
    diags = Diagnostics()
    careful = StatusIndexes()
    read_lock(parse_yaml(data, LOCK, diags), "x", diags, careful)
    assert tables_of(fast) == tables_of(careful) == tables
    # Anything sitegen would not write goes to the YAML reader, which says where.
    for edited in (data.replace(b"  a1: 3\n", b"  a1: 3  # moved\n"),
                   data.replace(b"  b2: 0\n", b"  b2: 3\n"),  # two awards, one index
                   data.replace(b"  a1: 3", b"  a1: 999999999"),
                   data.replace(b"autre:\n", b"autre:\n  c3: 1\n"),
                   data.replace(b"autre:\n", b"atelier:\n"),  # an issuer twice
                   data[len(b"# Maintained"):],
                   data.replace(b"  a1: 3\n  b2: 0\n", b"  b2: 0\n  a1: 3\n"),  # unsorted
                   data + b"\n",
                   data[:-1],  # no newline at the end
                   data.replace(b"  c3: 7", b"  c3: 07")):
        rejected = StatusIndexes()
        assert not read_written_lock(edited, rejected), edited
        assert list(rejected.items()) == [], "nothing half-read is kept"


def test_a_lock_past_a_thousand_lines_that_goes_wrong_late_keeps_nothing():
    data = lock_text({"atelier": {f"award-{i:06}": i for i in range(2500)}})
    indexes = StatusIndexes()
    assert not read_written_lock(data + b"  award-000000: 9999\n", indexes)
    assert list(indexes.items()) == []


def test_an_award_removed_from_a_written_lock_is_reported_at_its_line(tmp_path):
    text = lock_text({"atelier": {"a1": 3, "b2": 0}})
    (tmp_path / LOCK).write_bytes(text)
    diags = Diagnostics()
    read_node, locked = read_lock_file(tmp_path, diags)
    report_removed_awards(
        ((issuer, award_id) for issuer, award_id, _ in locked.items() if award_id != "a1"),
        read_node, diags,
    )
    ((d,),) = [diags.sorted()]
    assert d.code == "award.removed" and "'b2'" in d.message
    assert d.span.line == text.count(b"\n")  # the last line


def test_nothing_removed_never_reads_the_lock_with_places():
    def read_node():
        raise AssertionError("read for nothing")

    diags = Diagnostics()
    report_removed_awards(iter(()), read_node, diags)
    assert not diags.sorted()


def test_a_build_warns_about_a_published_award_whose_file_is_gone_and_keeps_its_line(
    site_factory,
):
    from sitegen.commands.build import build_site

    lock = "".join(indexes_of({"atelier": {"a1": 10, "gone-award": 11}}).lock_lines())
    root = site_factory({LOCK: lock, "content/awards/2024/a2.yaml": (
        "badge: ponctuel\nrecipient: {email: b@example.net}\nissued: 2024-03-14\n")})
    result = build_site(root, root / "_site")
    ((d,),) = [[w for w in result.warnings if w.code == "award.removed"]]
    assert (d.span.path, d.span.line, d.span.column) == (LOCK, 6, 3)
    assert "'gone-award'" in d.message
    written = (root / LOCK).read_text().splitlines()[3:]
    assert written == ["atelier:", "  a1: 10", f"  a2: {preferred_index('atelier', 'a2')}",
                       "  gone-award: 11"]
