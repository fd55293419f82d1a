"""Incremental builds redo only what changed, and still equal a clean build byte for byte."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from defusedxml import ElementTree

from sitegen import hosting
from sitegen.commands.build import build_site
from sitegen.diagnostics import ContentError
from sitegen.output import OutputError
from sitegen.state import state_path

AWARD = "badge: ponctuel\nrecipient: {email: b@example.net}\nissued: 2024-03-15\n"
LISTED = (
    "badge: ponctuel\nrecipient: {email: c@example.net, name: Ada Lovelace, display: full}\n"
    "issued: 2024-03-16\nlisted: true\n"
)


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def stamps(root: Path) -> dict[str, tuple[int, int]]:
    """Inode and modification time of every file: unchanged when a file was not rewritten.

    The marker file is left out: each build dates it, to recognise its own output.
    """
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".nojekyll"}


def clean_build(root: Path, out: Path) -> dict[str, str]:
    copy = out.parent / (out.name + "-src")
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".sitegen", "_site"))
    build_site(copy, out, environ={})
    return tree(out)


def build(root: Path, **options: object):  # type: ignore[no-untyped-def]
    return build_site(root, root / "_site", environ={}, cache_dir=root / ".sitegen", **options)


def test_incremental_build_equals_clean_build_after_every_kind_of_change(site_factory, tmp_path):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD, "content/awards/2024/l.yaml": LISTED})
    first = build(root)
    assert (first.mode, first.made) == ("fresh", 3)

    again = build(root)
    assert (again.mode, again.made) == ("unchanged", 0), "nothing changed, nothing is redone"

    badge = root / "content/badges/ponctuel.yaml"
    steps = [
        ("add", lambda: (root / "content/awards/2024/a3.yaml").write_text(AWARD)),
        ("change", lambda: (root / "content/awards/2024/a2.yaml").write_text(
            AWARD + "narrative: Bravo.\n")),
        ("revoke", lambda: (root / "content/awards/2024/a3.yaml").write_text(
            AWARD + "revoked: {date: 2024-05-01, reason: Erreur}\n")),
        ("unlist", lambda: (root / "content/awards/2024/l.yaml").write_text(
            LISTED.replace("listed: true", "listed: false"))),
        ("status index moved by hand", lambda: _move_status_index(root)),
        ("delete", lambda: (root / "content/awards/2024/a1.yaml").unlink()),
        ("evidence file", lambda: _add_evidence(root)),
        ("evidence changed", lambda: (root / "content/awards/2024/proof.txt").write_text("v2")),
        ("badge", lambda: badge.write_text(badge.read_text().replace("Ponctuel", "Ponctuelle"))),
        ("template", lambda: _edit_template(root)),
    ]
    for name, change in steps:
        change()
        result = build(root)
        assert result.mode != "unchanged", name
        assert tree(root / "_site") == clean_build(root, tmp_path / f"clean-{name}"), name
        assert build(root).mode == "unchanged", name


def _move_status_index(root: Path) -> None:
    """Give the last award of the lock another status index, as a hand edit would."""
    lock = root / "status-indexes.yaml"
    lines = lock.read_text().splitlines(keepends=True)
    name, _, index = lines[-1].rpartition(": ")
    lines[-1] = f"{name}: {int(index) + 1}\n"
    lock.write_text("".join(lines))


def _add_evidence(root: Path) -> None:
    (root / "content/awards/2024/proof.txt").write_text("v1")
    (root / "content/awards/2024/a2.yaml").write_text(
        AWARD + "evidence:\n  - {name: Relevé, file: proof.txt}\n"
    )


def _edit_template(root: Path) -> None:
    from sitegen.theme import builtin_theme_dir

    own = root / "themes/default"
    shutil.copytree(builtin_theme_dir(), own)
    page = own / "templates/404.html"
    page.write_text(page.read_text().replace("</h1>", " !</h1>", 1))


def test_changing_one_award_rewrites_only_its_folders_and_the_lists(site_factory):
    root = site_factory({f"content/awards/2024/b{i}.yaml": AWARD for i in range(5)})
    build(root)
    before = stamps(root / "_site")
    (root / "content/awards/2024/b3.yaml").write_text(AWARD + "narrative: Bravo.\n")
    result = build(root)
    assert (result.mode, result.made, result.reused) == ("update", 1, 5)
    after = stamps(root / "_site")
    rewritten = {path for path in after if before.get(path) != after[path]}
    assert rewritten, "the award's folder was replaced"
    assert all("/b3/" in path for path in rewritten), sorted(rewritten)
    assert after.keys() == before.keys()


def sitemap_locations(path: Path) -> tuple[str, list[str]]:
    """The root element's name and every address of a site map or site map index."""
    root = ElementTree.parse(path).getroot()
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    return root.tag.removeprefix(namespace), [e.text or "" for e in root.iter(namespace + "loc")]


def test_a_large_sitemap_is_split_in_parts_that_updates_keep_in_step(
    site_factory, tmp_path, monkeypatch
):
    listed = {f"content/awards/2024/l{n}.yaml": LISTED.replace("c@", f"c{n}@") for n in range(3)}
    root = site_factory(listed)
    whole = tmp_path / "whole"
    build_site(root, whole, environ={})
    kind, addresses = sitemap_locations(whole / "sitemap.xml")
    assert kind == "urlset" and len(addresses) == 6  # home, issuer, badge, 3 listed awards

    monkeypatch.setattr(hosting, "SITEMAP_URLS", 2)
    build(root)
    site = root / "_site"
    kind, parts = sitemap_locations(site / "sitemap.xml")
    assert kind == "sitemapindex"
    assert parts == [f"https://badges.example.org/sitemap-{n}.xml" for n in (1, 2, 3)]
    found = []
    for n in (1, 2, 3):
        kind, part = sitemap_locations(site / f"sitemap-{n}.xml")
        assert kind == "urlset" and len(part) == 2
        found += part
    assert found == addresses

    for n in (1, 2):  # two awards fewer in the map: its third part goes, as in a clean build
        (root / f"content/awards/2024/l{n}.yaml").write_text(AWARD)
    assert build(root).mode == "update"
    assert sitemap_locations(site / "sitemap.xml")[1] == parts[:2]
    assert not (site / "sitemap-3.xml").exists()
    assert tree(site) == clean_build(root, tmp_path / "clean")


def test_an_unchanged_build_writes_nothing(site_factory):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD})
    build(root)
    before = stamps(root / "_site")
    (root / "content/awards/2024/a2.yaml").touch()  # same bytes, newer date: read, not redone
    result = build(root)
    assert result.made == 0
    assert stamps(root / "_site") == before


def test_award_files_only_touched_as_by_a_fresh_checkout_make_no_award_again(
    site_factory, tmp_path
):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD, "content/awards/2024/l.yaml": LISTED})
    _add_evidence(root)  # a2 has evidence
    build(root)
    before = stamps(root / "_site")
    for path in (root / "content").rglob("*"):  # a fresh checkout dates every file anew
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5 * 10**9))
    (root / "content/awards/2024/a3.yaml").write_text(AWARD)
    result = build(root)
    assert (result.mode, result.made, result.reused) == ("update", 1, 3)
    assert tree(root / "_site") == clean_build(root, tmp_path / "clean")
    after = stamps(root / "_site")
    kept = [path for path in before if path.startswith(("awards/a1/", "awards/a2/"))]
    assert kept and all(after[path] == before[path] for path in kept), \
        "an award whose files were only touched is not made again"


def test_deleting_an_award_removes_its_folders(site_factory):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD})
    build(root)
    assert (root / "_site/awards/a2/index.html").exists()
    (root / "content/awards/2024/a2.yaml").unlink()
    build(root)
    assert not (root / "_site/awards/a2").exists()
    assert not list((root / "_site").rglob("a2"))


def test_an_output_replaced_by_someone_else_is_built_afresh(site_factory):
    root = site_factory()
    build(root)
    shutil.rmtree(root / "_site")
    (root / "_site").mkdir()
    (root / "_site/.nojekyll").write_text("")
    result = build(root)
    assert result.mode == "fresh"
    assert (root / "_site/awards/a1/index.html").exists()


def test_an_output_replaced_in_the_second_after_the_build_is_still_seen(site_factory):
    root = site_factory()
    build(root)
    shutil.rmtree(root / "_site")
    (root / "_site").mkdir()
    marker = root / "_site/.nojekyll"
    marker.write_text("")
    soon = int(time.time()) + 1  # as if written in the next second, by someone else
    os.utime(marker, (soon, soon))
    assert build(root).mode == "fresh"


def test_a_build_that_fails_half_way_leaves_no_record_and_the_next_one_repairs(
    site_factory, tmp_path, monkeypatch
):
    root = site_factory({f"content/awards/2024/b{i}.yaml": AWARD for i in range(3)})
    build(root)
    record = state_path(root / ".sitegen", root / "_site")
    assert record.exists()
    (root / "content/awards/2024/b1.yaml").write_text(AWARD + "narrative: Un.\n")
    (root / "content/awards/2024/b2.yaml").write_text(AWARD + "narrative: Deux.\n")

    from sitegen import batches

    real = batches.replace_folders
    calls = []

    def failing(root, folders, files):  # type: ignore[no-untyped-def]
        calls.append(folders)
        if len(calls) == 2:  # the disk fills up after the first award is written
            raise OSError(28, "No space left on device")
        return real(root, folders, files)

    monkeypatch.setattr(batches, "replace_folders", failing)
    with pytest.raises(OutputError, match="No space left"):
        build(root)
    assert len(calls) == 2
    assert not record.exists(), "a half-updated output has no record"
    monkeypatch.setattr(batches, "replace_folders", real)
    assert build(root).mode == "fresh"
    assert tree(root / "_site") == clean_build(root, tmp_path / "clean")


def test_a_build_that_stops_before_checking_awards_leaves_no_ledger(site_factory, monkeypatch):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD})
    build(root)
    record = state_path(root / ".sitegen", root / "_site")
    (root / "content/awards/2024/a2.yaml").write_text(AWARD + "narrative: Un.\n")
    from sitegen.commands import readsite

    class Unreadable:
        @staticmethod
        def of(*_: object, **__: object) -> None:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(readsite, "AwardKeys", Unreadable)
    with pytest.raises(OSError, match="Input/output error"):
        build(root)
    assert sorted(p.name for p in record.parent.iterdir()) == sorted(
        [record.name, record.stem + ".quick.json"]
    ), "the stopped build's ledger is gone"


def test_invalid_content_writes_nothing_and_keeps_the_record(site_factory):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD})
    build(root)
    before = stamps(root / "_site")
    (root / "content/awards/2024/a2.yaml").write_text(AWARD.replace("ponctuel", "ponctul"))
    with pytest.raises(ContentError) as error:
        build(root)
    assert "award.unknown-badge" in {d.code for d in error.value.diagnostics}
    assert stamps(root / "_site") == before
    record = state_path(root / ".sitegen", root / "_site")
    assert sorted(p.name for p in record.parent.iterdir()) == sorted(
        [record.name, record.stem + ".quick.json"]
    ), "the stopped build's ledger is gone"
    (root / "content/awards/2024/a2.yaml").write_text(AWARD)
    assert build(root).made == 0, "back to what was built: nothing to redo"
    assert stamps(root / "_site") == before


def test_unchanged_awards_are_still_checked_against_a_changed_badge(site_factory):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD})
    build(root)
    (root / "content/badges/ponctuel.yaml").rename(root / "content/badges/exact.yaml")
    with pytest.raises(ContentError) as error:
        build(root)
    paths = {d.span.path for d in error.value.diagnostics if d.code == "award.unknown-badge"}
    assert paths == {"content/awards/2024/a1.yaml", "content/awards/2024/a2.yaml"}


def test_a_duplicate_id_is_reported_even_when_the_first_file_is_unchanged(site_factory):
    root = site_factory()
    build(root)
    (root / "content/awards/2024/copy.yaml").write_text("id: a1\n" + AWARD)
    with pytest.raises(ContentError) as error:
        build(root)
    [duplicate] = [d for d in error.value.diagnostics if d.code == "award.duplicate-id"]
    assert duplicate.span.path == "content/awards/2024/copy.yaml"
    assert "content/awards/2024/a1.yaml" in duplicate.message


def test_parallel_workers_build_the_same_bytes_as_one_process(site_factory, tmp_path):
    files = {f"content/awards/2024/p{i:03}.yaml": AWARD for i in range(70)}
    files["content/awards/2024/l.yaml"] = LISTED
    root = site_factory(files)
    one = build_site(root, tmp_path / "one", environ={}, workers=1)
    two = build_site(root, tmp_path / "two", environ={}, workers=2)
    assert one.awards == two.awards == 72
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_unused_cache_entries_are_pruned(site_factory):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD})
    build(root)
    cache = root / ".sitegen/cache"
    before = {p for p in cache.rglob("*") if p.is_file()}
    badge = root / "content/badges/ponctuel.yaml"
    badge.write_text(badge.read_text().replace("Ponctuel", "Ponctuelle"))
    build(root)
    after = {p for p in cache.rglob("*") if p.is_file()}
    assert before - after, "the old share image is gone"
    assert len(after) == len(before)


def test_a_folder_link_loop_in_content_does_not_hang_the_build(site_factory):
    root = site_factory()
    (root / "content/awards/loop").symlink_to(root / "content/awards", target_is_directory=True)
    assert build(root).awards == 1
    assert build(root).mode == "unchanged"


ENDORSER = "name: Agence\nurl: https://agence.example.org/\nemail: contact@agence.example.org\n"
ENDORSEMENT = "endorser: agence\nbadge: ponctuel\nissued: 2024-04-01\ncomment: Fiable.\n"


def test_endorsement_changes_rebuild_like_a_clean_build_without_remaking_awards(
    site_factory, tmp_path
):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD})
    build(root)
    before = stamps(root / "_site")
    endorsement = root / "content/endorsements/agence-ponctuel.yaml"

    def add() -> None:
        (root / "content/endorsers").mkdir()
        (root / "content/endorsers/agence.yaml").write_text(ENDORSER)
        endorsement.parent.mkdir()
        endorsement.write_text(ENDORSEMENT)

    steps = [
        ("add", add),
        ("comment", lambda: endorsement.write_text(ENDORSEMENT.replace("Fiable.", "Sérieux."))),
        ("expiry", lambda: endorsement.write_text(ENDORSEMENT + "expires: 2030-01-01\n")),
        ("of the issuer", lambda: endorsement.write_text(
            ENDORSEMENT.replace("badge: ponctuel", "issuer: atelier"))),
        ("endorser", lambda: (root / "content/endorsers/agence.yaml").write_text(
            ENDORSER.replace("Agence", "Agence Emploi"))),
        ("delete", endorsement.unlink),
    ]
    for name, change in steps:
        change()
        result = build(root)
        assert (result.mode, result.made) == ("update", 0), name  # award files are untouched
        assert tree(root / "_site") == clean_build(root, tmp_path / f"clean-{name}"), name
        assert build(root).mode == "unchanged", name
    after = stamps(root / "_site")
    assert not (root / "_site/endorsements/agence-ponctuel").exists()
    assert all(after[p] == before[p] for p in before if p.startswith("awards/")), \
        "no award file was rewritten"


def test_a_build_with_nothing_to_do_reads_only_the_records_small_companion(site_factory):
    root = site_factory({f"content/awards/2024/b{i}.yaml": AWARD for i in range(3)})
    build(root)
    record = state_path(root / ".sitegen", root / "_site")
    quick = record.with_name(record.stem + ".quick.json")
    assert quick.stat().st_size < 2000  # whatever the number of awards
    record.write_text("not the record")  # never read when nothing changed
    assert build(root).mode == "unchanged"
    (root / "content/awards/2024/b1.yaml").write_text(AWARD + "narrative: Un.\n")
    assert build(root).mode == "fresh"  # an unreadable record means a full build
    assert build(root).mode == "unchanged"


def test_a_new_file_that_comes_first_takes_the_id_of_an_unchanged_award_as_in_a_clean_build(
    site_factory, tmp_path
):
    root = site_factory()
    build(root)
    (root / "content/awards/2024/0-first.yaml").write_text("id: a1\n" + AWARD)
    with pytest.raises(ContentError) as incremental:
        build(root)
    copy = tmp_path / "clean-src"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".sitegen", "_site"))
    with pytest.raises(ContentError) as clean:
        build_site(copy, tmp_path / "clean", environ={})

    def found(error: pytest.ExceptionInfo[ContentError]) -> list[tuple[str, str, str]]:
        return [(d.code, d.span.path, d.message) for d in error.value.diagnostics]

    assert found(incremental) == found(clean)
    assert ("award.duplicate-id", "content/awards/2024/a1.yaml") in {
        (code, path) for code, path, _ in found(clean)
    }


def test_a_badge_page_is_made_again_only_when_its_earners_or_what_it_shows_changed(
    site_factory, tmp_path, monkeypatch
):
    from sitegen.render import Renderer
    from tests.conftest import BADGE_YAML, ISSUER_YAML, SITE_YAML, png_bytes

    other = "badge: assidu\nrecipient: {email: d@example.net, name: Grace Hopper, " \
        "display: full}\nissued: 2024-03-17\nlisted: true\n"
    root = site_factory({
        "site.yaml": SITE_YAML + "languages: [fr, en]\n",
        "content/badges/assidu.yaml": BADGE_YAML.replace("Ponctuel", "Assidu")
        .replace("ponctuel.png", "assidu.png"),
        "content/badges/assidu.png": png_bytes(),
        "content/awards/2024/l.yaml": LISTED, "content/awards/2024/g.yaml": other,
    })
    build(root)
    made: list[str] = []
    render_badge = Renderer.badge

    def counted(self, badge, listed=()):  # type: ignore[no-untyped-def]
        made.append(f"{self.tr.language}:{badge.slug}")
        return render_badge(self, badge, listed)

    monkeypatch.setattr(Renderer, "badge", counted)
    steps = [
        # (change, the badge pages made again)
        ("a listed earner", lambda: (root / "content/awards/2024/l2.yaml").write_text(
            LISTED.replace("c@", "e@").replace("Ada Lovelace", "Ada King")), {"ponctuel"}),
        ("an unlisted one", lambda: (root / "content/awards/2024/a2.yaml").write_text(AWARD),
         set()),
        ("a shown name", lambda: (root / "content/awards/2024/g.yaml").write_text(
            other.replace("Grace Hopper", "Grace B. Hopper")), {"assidu"}),
        ("the issuer", lambda: (root / "content/issuers/atelier.yaml").write_text(
            ISSUER_YAML.replace("Atelier Test", "Atelier Essai")), {"ponctuel", "assidu"}),
        ("a badge", lambda: (root / "content/badges/assidu.yaml").write_text(
            BADGE_YAML.replace("Ponctuel", "Assidue").replace("ponctuel.png", "assidu.png")),
         {"ponctuel", "assidu"}),  # a theme may show every badge on each badge's page
        ("nothing they show", lambda: (root / "content/awards/2024/a2.yaml").write_text(
            AWARD + "narrative: Bravo.\n"), set()),
    ]
    for name, change, expected in steps:
        made.clear()
        change()
        assert build(root).mode != "unchanged", name
        assert sorted(made) == sorted(f"{lang}:{slug}" for lang in ("fr", "en")
                                      for slug in expected), name
        assert tree(root / "_site") == clean_build(root, tmp_path / f"clean-{name}"), name
