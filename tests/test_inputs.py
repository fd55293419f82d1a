"""The scan of a build's inputs: every file's stat, in a stable order, and one digest."""

from __future__ import annotations

import os

from click.testing import CliRunner

from sitegen.cli import main
from sitegen.content import Repository, list_content_files
from sitegen.inputs import LOCK_FILE, scan_inputs

NESTED = (
    "content/awards/top.yaml", "content/awards/a/x.yaml", "content/awards/a-b/y.yaml",
    "content/awards/a/sub/z.yaml", "content/awards/a/zz.yaml", "content/awards/a/notes.txt",
    "content/awards/a/sub/deeper/w.yml",
)


def test_scan_gives_award_files_in_the_order_content_files_are_read(site_factory):
    root = site_factory(dict.fromkeys(NESTED, "x: 1\n"))

    scan = scan_inputs(root, [])

    rels = [rel for rel, *_ in scan.award_files()]
    assert sorted(rels) == sorted([*NESTED, "content/awards/2024/a1.yaml"])
    yaml_files = [rel for rel in rels if rel.endswith((".yaml", ".yml"))]
    assert yaml_files == [
        rel for kind, rel in list_content_files(Repository(root=root), ("award",))
    ]
    assert rels.index("content/awards/a/sub/deeper/w.yml") < rels.index(
        "content/awards/a/zz.yaml") < rels.index("content/awards/a-b/y.yaml")


def test_scan_keeps_each_files_size_date_and_inode(site_factory):
    root = site_factory(dict.fromkeys(NESTED, "x: 1\n"))

    scan = scan_inputs(root, [])

    for rel, size, mtime, inode in scan.award_files():
        info = os.stat(root / rel)
        assert (size, mtime, inode) == (info.st_size, info.st_mtime_ns, info.st_ino)
    info = os.stat(root / "site.yaml")
    assert scan.others["site.yaml"] == (info.st_size, info.st_mtime_ns, info.st_ino)
    assert not any(rel.startswith("content/awards/") for rel in scan.others)


def test_scan_digest_changes_with_any_file_and_but_lock_ignores_the_lock(site_factory):
    root = site_factory({LOCK_FILE: "# lock\n"})
    first = scan_inputs(root, [])
    assert scan_inputs(root, []).digest == first.digest

    award = root / "content/awards/2024/a1.yaml"
    os.utime(award, ns=(award.stat().st_atime_ns, award.stat().st_mtime_ns + 1000))
    touched = scan_inputs(root, [])
    (root / "content/awards/2024/new.yaml").write_text("x: 1\n", encoding="utf-8")
    added = scan_inputs(root, [])
    (root / LOCK_FILE).write_text("# lock, longer\n", encoding="utf-8")
    locked = scan_inputs(root, [])

    assert len({first.digest, touched.digest, added.digest, locked.digest}) == 4
    assert locked.but_lock == added.but_lock


def test_a_file_name_that_is_not_utf8_is_reported_by_check_and_build(site_factory, tmp_path):
    root = site_factory()
    folder = os.fsencode(root / "content/awards/2024")
    with open(os.path.join(folder, b"bad\xff.yaml"), "wb") as handle:
        handle.write((root / "content/awards/2024/a1.yaml").read_bytes())
    out = tmp_path / "out"

    for args in (["check", "-s", str(root)], ["build", "-s", str(root), "-o", str(out)]):
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 1, result.output
        shown = "content/awards/2024/bad\N{REPLACEMENT CHARACTER}.yaml"
        assert f"{shown}:1:1: error[content.bad-name]" in result.output
        assert "Traceback" not in result.output
    assert not out.exists()


def test_a_theme_file_with_a_bad_name_is_not_reported_but_still_noticed(site_factory):
    root = site_factory()
    (root / "themes").mkdir()
    odd = os.path.join(os.fsencode(root / "themes"), b"odd\xff.html")
    with open(odd, "wb"):
        pass
    before = scan_inputs(root, [])
    with open(odd, "wb") as handle:
        handle.write(b"changed")

    assert before.bad_names == ()
    assert scan_inputs(root, []).digest != before.digest
