"""Incremental builds reuse unchanged work and still equal a clean build byte for byte."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from sitegen.commands.build import build_site

AWARD = "badge: ponctuel\nrecipient: {email: b@example.net}\nissued: 2024-03-15\n"


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def clean_build(root: Path, out: Path) -> dict[str, str]:
    copy = out.parent / (out.name + "-src")
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".sitegen", "_site"))
    build_site(copy, out, environ={})
    return tree(out)


def test_incremental_build_equals_clean_build_after_every_kind_of_change(site_factory, tmp_path):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD})
    cache = root / ".sitegen/cache"
    first = build_site(root, root / "_site", environ={}, cache_dir=cache)
    assert first.made > 0

    again = build_site(root, root / "_site", environ={}, cache_dir=cache)
    assert again.made == 0, "nothing changed, nothing is signed or rendered again"

    steps = [
        ("add", lambda: (root / "content/awards/2024/a3.yaml").write_text(AWARD)),
        ("change", lambda: (root / "content/awards/2024/a2.yaml").write_text(
            AWARD + "narrative: Bravo.\n")),
        ("delete", lambda: (root / "content/awards/2024/a1.yaml").unlink()),
        ("template", lambda: _edit_template(root)),
    ]
    for name, change in steps:
        change()
        result = build_site(root, root / "_site", environ={}, cache_dir=cache)
        assert tree(root / "_site") == clean_build(root, tmp_path / f"clean-{name}"), name
        assert result.reused > 0 or name == "template", name


def _edit_template(root: Path) -> None:
    from sitegen.theme import builtin_theme_dir

    own = root / "themes/default"
    shutil.copytree(builtin_theme_dir(), own)
    page = own / "templates/404.html"
    page.write_text(page.read_text().replace("</h1>", " !</h1>", 1))


def test_changing_one_award_re_signs_only_that_award(site_factory):
    root = site_factory({f"content/awards/2024/b{i}.yaml": AWARD for i in range(5)})
    cache = root / ".sitegen/cache"
    build_site(root, root / "_site", environ={}, cache_dir=cache)
    (root / "content/awards/2024/b3.yaml").write_text(AWARD + "narrative: Bravo.\n")
    result = build_site(root, root / "_site", environ={}, cache_dir=cache)
    # the award's credential + JWT, its pages (award, certificate), its share image is reused
    assert result.made == 4, result.made


def test_unused_cache_entries_are_pruned(site_factory):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD})
    cache = root / ".sitegen/cache"
    build_site(root, root / "_site", environ={}, cache_dir=cache)
    before = {p for p in cache.rglob("*") if p.is_file()}
    (root / "content/awards/2024/a2.yaml").unlink()
    build_site(root, root / "_site", environ={}, cache_dir=cache)
    after = {p for p in cache.rglob("*") if p.is_file()}
    assert before - after, "the deleted award's signatures and pages are gone"
    assert len(after) < len(before)
