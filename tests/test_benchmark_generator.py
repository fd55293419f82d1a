"""The benchmark site generator keeps producing content that ``sitegen check`` accepts."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from benchmarks.generate import write_extra_award, write_site
from sitegen.cli import main


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generated_site_of_30_awards_passes_check(tmp_path: Path) -> None:
    write_site(tmp_path / "site", awards=30)
    write_extra_award(tmp_path / "site", number=30)
    result = CliRunner().invoke(main, ["check", "--source", str(tmp_path / "site")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "31 award(s)" in result.stderr
    assert "warning" not in result.stderr


def test_generated_site_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    write_site(tmp_path / "a", awards=30, seed=7)
    write_site(tmp_path / "b", awards=30, seed=7)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
