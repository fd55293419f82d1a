"""Sharded builds: three slices merged give, byte for byte, the site of one build."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.commands.build import build_site
from sitegen.output import OutputError
from sitegen.shards import MANIFEST, Shard

AWARD = "badge: ponctuel\nrecipient: {{email: b{n}@example.net}}\nissued: 2024-03-{day:02}\n"
LISTED = (
    "badge: ponctuel\nrecipient: {email: c@example.net, name: Ada Lovelace, display: full}\n"
    "issued: 2024-03-16\nlisted: true\n"
)
REVOKED = AWARD + "revoked: {{date: 2024-04-01, reason: Erreur de saisie}}\n"


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def site(site_factory) -> Path:  # type: ignore[no-untyped-def]
    files = {f"content/awards/2024/s{n}.yaml": AWARD.format(n=n, day=n + 1) for n in range(9)}
    files["content/awards/2024/l.yaml"] = LISTED
    files["content/awards/2024/r.yaml"] = REVOKED.format(n=99, day=20)
    return site_factory(files)


def single_build(root: Path, out: Path) -> tuple[dict[str, str], int]:
    copy = out.parent / (out.name + "-src")
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".sitegen", "_site"))
    result = build_site(copy, out, environ={})
    return tree(out), result.awards


def test_three_shards_merged_equal_a_single_build(site, tmp_path):
    expected, awards = single_build(site, tmp_path / "single")
    assert awards >= 11
    made = []
    for number in (1, 2, 3):
        result = build_site(site, tmp_path / f"shard-{number}", environ={},
                            shard=Shard(number, 3), cache_dir=site / ".sitegen")
        assert result.mode == "shard"
        made.append(result.made)
    assert sum(made) == awards and all(made), "every award made once, every shard has some"
    assert not (site / ".sitegen").exists(), "shards remember nothing"
    shard_awards = [{p.name for p in (tmp_path / f"shard-{n}/awards").iterdir()}
                    for n in (1, 2, 3)]
    assert not (shard_awards[0] & shard_awards[1]) and not (shard_awards[1] & shard_awards[2])
    assert not (tmp_path / "shard-1/index.html").exists(), "the merge makes the shared pages"

    # Shards come in any order (CI artifacts are downloaded as they come).
    shards = [tmp_path / f"shard-{n}" for n in (3, 1, 2)]
    merged = build_site(site, tmp_path / "merged", environ={}, shards=shards)
    assert merged.awards == awards and merged.made == 0
    assert tree(tmp_path / "merged") == expected
    assert (site / "status-indexes.yaml").read_bytes() == (
        tmp_path / "single-src/status-indexes.yaml").read_bytes()


def test_merge_refuses_missing_repeated_or_foreign_shards(site, tmp_path):
    for number in (1, 2):
        build_site(site, tmp_path / f"s{number}", environ={}, shard=Shard(number, 2))
    with pytest.raises(OutputError, match=r"shard\(s\) 2/2 missing"):
        build_site(site, tmp_path / "out", environ={}, shards=[tmp_path / "s1"])
    with pytest.raises(OutputError, match="are both shard 1/2"):
        build_site(site, tmp_path / "out", environ={}, shards=[tmp_path / "s1", tmp_path / "s1"])
    with pytest.raises(OutputError, match="is not a shard"):
        build_site(site, tmp_path / "out", environ={}, shards=[tmp_path / "s1", site / "content"])
    # A shard made before a content change is refused, not mixed in.
    (site / "content/awards/2024/s0.yaml").write_text(AWARD.format(n=0, day=1) + "narrative: Oui.\n")
    with pytest.raises(OutputError, match="made from other content"):
        build_site(site, tmp_path / "out", environ={}, shards=[tmp_path / "s1", tmp_path / "s2"])
    assert not (tmp_path / "out").exists(), "nothing written"


def test_merge_refuses_a_damaged_manifest(site, tmp_path):
    build_site(site, tmp_path / "s1", environ={}, shard=Shard(1, 1))
    (tmp_path / "s1" / MANIFEST).write_text("{")
    with pytest.raises(OutputError, match="damaged"):
        build_site(site, tmp_path / "out", environ={}, shards=[tmp_path / "s1"])


@pytest.mark.parametrize("spec", ["0/3", "4/3", "3", "a/b", "1/1001"])
def test_a_bad_shard_is_a_usage_error(site, spec):
    result = CliRunner().invoke(main, ["build", "--source", str(site), "--shard", spec])
    assert result.exit_code == 2
    assert "--shard" in result.output and "Traceback" not in result.output


def test_shard_and_merge_from_the_command_line(site, tmp_path):
    runner = CliRunner()
    for number in (1, 2):
        result = runner.invoke(main, ["build", "--source", str(site), "--shard", f"{number}/2",
                                      "-o", str(tmp_path / f"s{number}")])
        assert result.exit_code == 0, result.output
        assert f"shard {number}/2" in result.output
    result = runner.invoke(main, ["merge", "--source", str(site), str(tmp_path / "s1"),
                                  str(tmp_path / "s2"), "-o", str(tmp_path / "merged")])
    assert result.exit_code == 0, result.output
    assert "assembled from 2 shard(s)" in result.output
    assert (tmp_path / "merged/index.html").is_file()


def test_the_ci_recipes_in_the_docs_match_their_schemastore_schemas():
    pytest.importorskip("check_jsonschema")
    import json
    import re
    from importlib import resources

    import jsonschema
    from ruamel.yaml import YAML

    from tests.conftest import ROOT

    text = (ROOT / "docs/sharding.md").read_text(encoding="utf-8")
    github, gitlab = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    workflow = "name: Publish\non:\n  push:\n    branches: [main]\njobs:\n" + github
    vendor = resources.files("check_jsonschema").joinpath("builtin_schemas", "vendor")
    for name, document in (("github-workflows.json", workflow), ("gitlab-ci.json", gitlab)):
        schema = json.loads(vendor.joinpath(name).read_text(encoding="utf-8"))
        data = YAML(typ="safe").load(document)
        validator = jsonschema.validators.validator_for(schema)(schema)
        assert [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)] == [], name
    assert "needs: shard" in github and "--shard ${{ matrix.shard }}/3" in github
    assert '--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"' in gitlab
