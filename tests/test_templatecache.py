"""Compiled templates kept between builds in the user's own cache folder."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import jinja2
import pytest

from sitegen.commands.build import build_site
from sitegen.templatecache import UNUSED_DAYS, user_template_cache


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from now on."""
    names: list[str] = []
    compile_template = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: object, name: str | None = None,
                 *args: object, **kwargs: object) -> object:
        names.append(name or "")
        return compile_template(self, source, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def test_the_user_cache_folder_comes_from_xdg_cache_home_or_home():
    assert user_template_cache({"XDG_CACHE_HOME": "/c", "HOME": "/h"}) == Path(
        "/c/sitegen/templates")
    assert user_template_cache({"HOME": "/h"}) == Path("/h/.cache/sitegen/templates")
    # The XDG specification ignores a relative path.
    assert user_template_cache({"XDG_CACHE_HOME": "c", "HOME": "/h"}) == Path(
        "/h/.cache/sitegen/templates")
    assert user_template_cache({}) is None


def test_a_second_build_compiles_no_template_and_writes_the_same_bytes(
    site_factory, tmp_path, compiled
):
    root = site_factory()
    cache = tmp_path / "user-cache"
    build_site(root, tmp_path / "plain", environ={})
    assert compiled, "a build without the cache compiles its templates"
    compiled.clear()
    build_site(root, tmp_path / "first", environ={}, template_cache=cache)
    assert compiled and any(cache.rglob("*"))
    compiled.clear()
    build_site(root, tmp_path / "second", environ={}, template_cache=cache)
    assert compiled == [], "every template was loaded compiled"
    assert tree(tmp_path / "second") == tree(tmp_path / "first") == tree(tmp_path / "plain")
    assert (cache.stat().st_mode & 0o777) == 0o700


def test_the_sites_own_translations_are_never_taken_from_a_stale_compiled_template(
    site_factory, tmp_path
):
    root = site_factory()
    cache = tmp_path / "user-cache"
    build_site(root, tmp_path / "before", environ={}, template_cache=cache)
    page = "verify/index.html"  # French, the site's language: the header links to it
    assert ">Vérifier un badge</a>" in (tmp_path / "before" / page).read_text()
    catalog = root / "themes/default/locales/fr/LC_MESSAGES/messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text('msgid "Check a badge"\nmsgstr "Contrôler un badge"\n')
    build_site(root, tmp_path / "after", environ={}, template_cache=cache)
    text = (tmp_path / "after" / page).read_text()
    assert ">Contrôler un badge</a>" in text and ">Vérifier un badge</a>" not in text


def test_a_cache_folder_others_may_write_in_is_not_used(site_factory, tmp_path, compiled):
    root = site_factory()
    cache = tmp_path / "shared"
    cache.mkdir()
    cache.chmod(0o777)
    build_site(root, tmp_path / "one", environ={}, template_cache=cache)
    assert compiled
    assert list(cache.iterdir()) == [], "nothing was written there"
    compiled.clear()
    build_site(root, tmp_path / "two", environ={}, template_cache=cache)
    assert compiled, "nothing was read from there either"


def test_a_broken_cache_file_is_compiled_again(site_factory, tmp_path, compiled):
    root = site_factory()
    cache = tmp_path / "user-cache"
    build_site(root, tmp_path / "first", environ={}, template_cache=cache)
    for path in cache.rglob("*.cache"):
        path.write_bytes(b"not bytecode")
    compiled.clear()
    build_site(root, tmp_path / "second", environ={}, template_cache=cache)
    assert compiled
    assert tree(tmp_path / "second") == tree(tmp_path / "first")


def test_keys_unused_for_a_month_are_removed(site_factory, tmp_path):
    root = site_factory()
    cache = tmp_path / "user-cache"
    old, recent = cache / ("0" * 32), cache / ("1" * 32)
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "x.cache").write_bytes(b"")
    long_ago = time.time() - (UNUSED_DAYS + 1) * 86400
    os.utime(old, (long_ago, long_ago))
    build_site(root, tmp_path / "out", environ={}, template_cache=cache)
    assert not old.exists() and recent.exists()
    assert len(list(cache.iterdir())) == 2  # with the key of this build's one language
