from sitegen.diagnostics import Diagnostics
from sitegen.yamlsrc import parse_yaml


def parse(text: bytes):
    diags = Diagnostics()
    node = parse_yaml(text, "f.yaml", diags)
    return node, [(d.code, d.span.line, d.span.column, d.message) for d in diags.sorted()]


def test_parse_keeps_dates_and_yaml11_words_as_text():
    node, problems = parse(b"a: 2024-03-14\nb: NO\nc: on\nd: 0755\ne: 1\nf: true\ng: 1.5\n")
    assert problems == []
    values = {k: e.node.value for k, e in node.value.items()}
    assert values == {"a": "2024-03-14", "b": "NO", "c": "on", "d": "0755", "e": 1, "f": True, "g": 1.5}


def test_parse_quoted_scalars_are_text():
    node, _ = parse(b'a: "true"\nb: \'1\'\n')
    assert node.value["a"].node.value == "true"
    assert node.value["b"].node.value == "1"


def test_parse_records_positions_of_keys_and_values():
    node, _ = parse(b"top:\n  inner: value\n")
    entry = node.value["top"].node.value["inner"]
    assert (entry.key_span.line, entry.key_span.column) == (2, 3)
    assert (entry.node.span.line, entry.node.span.column) == (2, 10)


def test_parse_reports_duplicate_key_at_second_occurrence():
    _, problems = parse(b"name: a\nurl: b\nname: c\n")
    assert problems == [("yaml.duplicate-key", 3, 1, "duplicate key 'name' (first defined at line 1)")]


def test_parse_reports_syntax_error_with_position_and_tab_hint():
    diags = Diagnostics()
    assert parse_yaml(b"a:\n\tb: 1\n", "f.yaml", diags) is None
    (d,) = diags.sorted()
    assert (d.code, d.span.line) == ("yaml.syntax", 2)
    assert d.hint == "indent with spaces, not tabs"


def test_parse_rejects_aliases():
    _, problems = parse(b"a: &x [1, 2]\nb: *x\n")
    assert [p[0] for p in problems] == ["yaml.alias"]


def test_parse_stops_billion_laughs_without_expanding():
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i-1}'] * 9)}]" for i in range(1, 9)]
    _, problems = parse("\n".join(lines).encode())
    assert problems and {p[0] for p in problems} == {"yaml.alias"}


def test_parse_rejects_tags():
    _, problems = parse(b"a: !!python/object:os.system x\n")
    assert [p[0] for p in problems] == ["yaml.tag"]


def test_parse_accepts_bom_and_crlf():
    node, problems = parse(b"\xef\xbb\xbfa: 1\r\nb: x\r\n")
    assert problems == []
    assert node.value["b"].node.value == "x"


def test_parse_reports_invalid_utf8_position():
    _, problems = parse(b"a: ok\nb: caf\xe9\n")
    assert problems == [("yaml.encoding", 2, 7, "invalid UTF-8 byte 0xe9")]


def test_parse_reports_empty_file():
    _, problems = parse(b"  \n# only a comment\n")
    assert problems == [("yaml.empty", 1, 1, "file is empty")]


def test_parse_rejects_huge_file():
    _, problems = parse(b"a: " + b"x" * 1_100_000)
    assert [p[0] for p in problems] == ["yaml.too-large"]
