"""The JSON Schema in docs/schema/ accepts the example content and matches the loader's keys."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from sitegen import config, endorsements, resolve, resolve_award, validation
from sitegen.config import resolve_config
from sitegen.content import Repository, read_documents, read_site_file
from sitegen.diagnostics import Diagnostics
from sitegen.resolve import resolve_site

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "docs" / "schema"
CONTENT_FORMAT_DOC = ROOT / "docs" / "content-format.md"
KINDS = ("site", "issuer", "badge", "award", "endorser", "endorsement")
FOLDER_KINDS = {
    "issuers": "issuer", "badges": "badge", "awards": "award",
    "endorsers": "endorser", "endorsements": "endorsement",
}

# Each object definition of the schema and the loader's tuple of allowed keys.
KEYS_BY_DEFINITION = {
    "site": config.SITE_KEYS,
    "issuer": resolve.ISSUER_KEYS,
    "badge": resolve.BADGE_KEYS,
    "award": resolve_award.AWARD_KEYS,
    "image": resolve.IMAGE_KEYS,
    "criteriaDetails": resolve.CRITERIA_KEYS,
    "criterion": resolve.CRITERION_KEYS,
    "alignment": resolve.ALIGNMENT_KEYS,
    "recipient": resolve_award.RECIPIENT_KEYS,
    "evidence": resolve_award.EVIDENCE_KEYS,
    "revocation": resolve_award.REVOKED_KEYS,
    "publicKey": resolve.PUBLIC_KEY_KEYS,
    "endorser": endorsements.ENDORSER_KEYS,
    "endorsement": endorsements.ENDORSEMENT_KEYS,
    "validation": validation.VALIDATION_KEYS,
    "validator": validation.VALIDATOR_KEYS,
    "observed": validation.OBSERVED_KEYS,
}


class _ContentLoader(yaml.SafeLoader):
    """Reads plain scalars the way sitegen does, not the YAML 1.1 way.

    Dates stay text (sitegen parses them itself), and only ``true``/``false``
    and plain decimal numbers are typed: ``yes``, ``0755`` or ``1:30`` are text.
    """


_ContentLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in (
            "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
        )
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ContentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)
_ContentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_ContentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def load_yaml(path: Path) -> Any:
    """A content file as plain data, with dates kept as text."""
    with path.open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_ContentLoader)  # noqa: S506 - a SafeLoader subclass


def load_schemas() -> dict[str, dict[str, Any]]:
    """Every schema file, keyed by file name."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SCHEMA_DIR.glob("*.schema.json"))
    }


def validator_for(kind: str) -> Draft202012Validator:
    """A validator for one kind of file; relative references resolve by file name."""
    schemas = load_schemas()
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(schema)) for name, schema in schemas.items()
    )
    return Draft202012Validator(schemas[f"{kind}.schema.json"], registry=registry)


def content_files() -> Iterator[tuple[str, Path]]:
    """Every YAML file of the example site with the kind of document it is."""
    yield "site", ROOT / "site.yaml"
    for folder, kind in FOLDER_KINDS.items():
        for path in sorted((ROOT / "content" / folder).glob("**/*")):
            if path.suffix in (".yaml", ".yml"):
                yield kind, path


def walk_properties(node: object) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (name, schema) pair under a ``properties`` keyword, at any depth.

    Conditions (``if``) only restate a property already described.
    """
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            yield name, value
        for key, value in node.items():
            if key != "if":
                yield from walk_properties(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_properties(value)


def test_schema_files_are_valid_draft_2020_12_schemas() -> None:
    schemas = load_schemas()
    assert set(schemas) == {"content.schema.json"} | {f"{k}.schema.json" for k in KINDS}
    for name, schema in schemas.items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", name
        Draft202012Validator.check_schema(schema)


def test_schema_references_resolve_to_definitions() -> None:
    definitions = load_schemas()["content.schema.json"]["$defs"]
    text = (SCHEMA_DIR / "content.schema.json").read_text(encoding="utf-8")
    for target in re.findall(r'"\$ref": "#/\$defs/([A-Za-z]+)"', text):
        assert target in definitions
    for kind in KINDS:
        entry = load_schemas()[f"{kind}.schema.json"]
        assert entry["$ref"] == f"content.schema.json#/$defs/{kind}"


@pytest.mark.parametrize(
    ("kind", "path"),
    [pytest.param(k, p, id=p.relative_to(ROOT).as_posix()) for k, p in content_files()],
)
def test_schema_accepts_example_content_file(kind: str, path: Path) -> None:
    errors = sorted(validator_for(kind).iter_errors(load_yaml(path)), key=str)
    assert [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors] == []


def test_example_content_covers_every_kind_of_file() -> None:
    kinds = [kind for kind, _ in content_files()]
    assert set(KINDS) <= set(kinds)


@pytest.mark.parametrize(("definition", "keys"), list(KEYS_BY_DEFINITION.items()))
def test_schema_allows_exactly_the_keys_the_loader_allows(
    definition: str, keys: tuple[str, ...]
) -> None:
    schema = load_schemas()["content.schema.json"]["$defs"][definition]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(keys)


def test_every_object_definition_is_checked_against_the_loader() -> None:
    definitions = load_schemas()["content.schema.json"]["$defs"]
    objects = {name for name, d in definitions.items() if d.get("type") == "object"}
    assert objects == set(KEYS_BY_DEFINITION)


def test_every_schema_property_has_a_description_for_editor_tooltips() -> None:
    for name, schema in load_schemas().items():
        assert schema.get("description"), name
        for prop, sub in walk_properties(schema):
            assert isinstance(sub, dict) and sub.get("description"), f"{name}: {prop}"


def test_schema_rejects_misspelled_key_and_bad_values() -> None:
    award = validator_for("award")
    good = {"badge": "indispensable", "recipient": {"email": "a@example.net"},
            "issued": "2024-03-14"}
    assert list(award.iter_errors(good)) == []
    assert not award.is_valid({**good, "recipeint": {"email": "a@example.net"}})
    assert not award.is_valid({**good, "issued": "14/03/2024"})
    assert not award.is_valid({**good, "listed": "yes"})
    assert not award.is_valid({**good, "recipient": {"email": "a@example.net", "display": "full"}})
    assert not award.is_valid({**good, "evidence": [{"criterion": "ponctualite"}]})
    badge = validator_for("badge")
    assert not badge.is_valid({"issuer": "x", "name": "B", "description": "D",
                               "image": {"file": "b.jpg", "alt": "A"}, "criteria": "C"})


def copy_example_site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copy(ROOT / "site.yaml", root / "site.yaml")
    return root


def load_codes(root: Path) -> list[str]:
    diags = Diagnostics()
    repo = Repository(root=root)
    site_config = resolve_config(read_site_file(repo, diags), diags)
    if site_config is not None:
        resolve_site(read_documents(repo, diags), repo, site_config, diags)
    return [d.code for d in diags.sorted()]


def first_file_using_each_key() -> dict[tuple[str, str], Path]:
    """For each (kind, top-level key), the first example file that writes it."""
    found: dict[tuple[str, str], Path] = {}
    for kind, path in content_files():
        for key in load_yaml(path):
            found.setdefault((kind, key), path)
    return found


def required_key_cases() -> Iterator[Any]:
    definitions = load_schemas()["content.schema.json"]["$defs"]
    for (kind, key), path in sorted(first_file_using_each_key().items()):
        # A key of a "oneOf" alternative (an endorsement's badge or issuer) is required
        # when the file has no other alternative.
        alternatives = [a["required"] for a in definitions[kind].get("oneOf", [])]
        yield pytest.param(
            kind, path, key,
            key in definitions[kind]["required"] or any(key in a for a in alternatives),
            id=f"{path.relative_to(ROOT).as_posix()}:{key}",
        )


# Keys the example cannot show honestly: a made-up LinkedIn page id would point
# "Add to profile" at whichever real company owns that number; the fictitious
# partners have no key of their own, so their endorsements show the development key.
NOT_IN_EXAMPLE = {"issuer.linkedin_id", "endorser.keys"}


def test_example_content_uses_every_top_level_key() -> None:
    definitions = load_schemas()["content.schema.json"]["$defs"]
    used = first_file_using_each_key()
    unused = [f"{kind}.{key}" for kind in KINDS for key in definitions[kind]["properties"]
              if (kind, key) not in used and f"{kind}.{key}" not in NOT_IN_EXAMPLE]
    assert unused == []


# Optional keys whose removal breaks a reference from another file: the example's
# renewal names the earlier award by its explicit id.
BROKEN_BY_REMOVAL = {("award", "id"): ("award.unknown-renewed",)}


@pytest.mark.parametrize(("kind", "path", "key", "required"), list(required_key_cases()))
def test_loader_agrees_with_schema_on_required_top_level_keys(
    tmp_path: Path, kind: str, path: Path, key: str, required: bool
) -> None:
    data = load_yaml(path)
    root = copy_example_site(tmp_path)
    copy = root / path.relative_to(ROOT)
    del data[key]
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    codes = load_codes(root)
    assert (f"{kind}.missing-key" in codes) is required, codes
    if not required:
        assert [c for c in codes if c not in BROKEN_BY_REMOVAL.get((kind, key), ())] == []


def diagnostic_codes_in_source() -> set[str]:
    """Codes written anywhere in sitegen/; f-string prefixes become a placeholder."""
    prefixes = (
        "yaml|site|issuer|badge|award|image|content|keys|status|import|ceremony|endorsers?|endorsement"
    )
    files = ("html", "json", "yaml", "png", "svg", "jwt", "key", "py", "css", "zip")
    codes: set[str] = set()
    for path in sorted((ROOT / "sitegen").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for literal in re.findall(rf'"((?:{prefixes})\.[a-z-]+)"', text):
            if literal.rsplit(".", 1)[1] not in files:
                codes.add(literal)
        for suffix in re.findall(r'f"\{[a-z.]+\}\.([a-z-]+)"', text):
            if suffix not in files:
                codes.add(f"*.{suffix}")
    codes.discard("site.yaml")  # the file name, not a code
    return codes


def test_content_format_doc_lists_every_diagnostic_code() -> None:
    doc = CONTENT_FORMAT_DOC.read_text(encoding="utf-8")
    missing = []
    for code in sorted(diagnostic_codes_in_source()):
        if code.startswith("*."):
            pattern = rf"`(?:site|issuer|badge|award|content|endorser|endorsement)\.{re.escape(code[2:])}`"
        else:
            pattern = rf"`{re.escape(code)}`"
        if not re.search(pattern, doc):
            missing.append(code)
    assert missing == []
