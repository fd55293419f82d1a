"""Arbitrary content never crashes the loader: it is either accepted or reported."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.commands.load import load_site
from sitegen.diagnostics import ContentError, Diagnostics, Severity
from sitegen.yamlsrc import parse_yaml

SCALARS = st.one_of(
    st.text(max_size=40), st.integers(), st.booleans(), st.none(),
    st.sampled_from(["2024-02-30", "ponctuel", "a@b.org", "P6M", "*x", "&x a", "{{ 7*7 }}"]),
)
KEYS = st.sampled_from(["badge", "recipient", "issued", "email", "name", "display", "listed",
                        "evidence", "revoked", "expires", "id", "x"])
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_parse_yaml_reports_instead_of_raising_on_any_bytes(data):
    diags = Diagnostics()
    node = parse_yaml(data, "f.yaml", diags)
    if node is None:
        assert any(d.severity is Severity.ERROR for d in diags)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(KEYS, VALUES, max_size=8))
def test_any_award_document_is_loaded_or_reported(site_factory, document):
    import json

    root = site_factory({"content/awards/2024/a1.yaml": json.dumps(document)})
    try:
        load_site(root)
    except ContentError as exc:
        assert exc.diagnostics
        assert all(d.span.path and d.span.line >= 1 for d in exc.diagnostics)
