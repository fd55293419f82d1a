"""Renewals: checked across award files, linked both ways on pages, and rebuilt incrementally."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.commands.build import build_site
from sitegen.diagnostics import ContentError
from tests.test_incremental import build, clean_build, tree
from tests.test_resolve import load

OLD = "badge: ponctuel\nrecipient: {email: Ada@Example.net}\nissued: 2024-03-14\n"
NEW = "badge: ponctuel\nrecipient: {email: ada@example.net}\nissued: 2025-03-20\nrenews: a1\n"
OTHER_BADGE = """\
issuer: atelier
name: Soigneux
description: Range son poste.
image: {file: ponctuel.png, alt: Une horloge verte}
criteria: Range son poste.
validity: P1Y
"""


def page(root: Path, path: str) -> str:
    return (root / "_site" / path).read_text(encoding="utf-8")


def test_renewal_of_the_same_badge_and_person_is_accepted(site_factory):
    site, problems = load(site_factory({"content/awards/2025/a2.yaml": NEW}))
    assert problems == []
    assert {a.id: a.renews for a in site.awards} == {"a1": None, "a2": "a1"}


def test_every_renewal_problem_is_reported_at_the_renews_value(site_factory):
    root = site_factory(
        {
            "content/badges/soigneux.yaml": OTHER_BADGE,
            "content/awards/2024/b1.yaml": "badge: soigneux\nrecipient: {email: ada@example.net}\n"
            "issued: 2024-03-14\n",
            "content/awards/2025/r1.yaml": NEW.replace("a1", "a11"),
            "content/awards/2025/r2.yaml": NEW.replace("a1", "b1"),
            "content/awards/2025/r3.yaml": NEW.replace("ada@", "bob@"),
            "content/awards/2025/r4.yaml": NEW.replace("2025-03-20", "2024-03-14"),
            "content/awards/2025/r5.yaml": NEW,
            "content/awards/2025/r6.yaml": NEW,
            "content/awards/2025/r7.yaml": NEW.replace("a1", "r7"),
        }
    )
    _, problems = load(root)
    assert [(p[0], p[1], p[2], p[3]) for p in problems] == [
        ("content/awards/2025/r1.yaml", 4, 9, "award.unknown-renewed"),
        ("content/awards/2025/r2.yaml", 4, 9, "award.renews-other-badge"),
        ("content/awards/2025/r3.yaml", 4, 9, "award.renews-other-recipient"),
        ("content/awards/2025/r4.yaml", 4, 9, "award.renews-later-award"),
        ("content/awards/2025/r6.yaml", 4, 9, "award.renewed-twice"),
        ("content/awards/2025/r7.yaml", 4, 9, "award.renews-itself"),
    ]
    messages = {p[3]: (p[4], p[5]) for p in problems}
    assert messages["award.unknown-renewed"] == ("award 'a11' does not exist", "did you mean 'a1'?")
    assert messages["award.renewed-twice"][0] == (
        "award 'a1' is already renewed by content/awards/2025/r5.yaml"
    )
    assert "bob" not in str(messages) and "ada" not in str(messages)


def test_the_build_checks_renewals_too(site_factory, tmp_path):
    root = site_factory({"content/awards/2025/a2.yaml": NEW.replace("a1", "a9")})
    with pytest.raises(ContentError) as error:
        build_site(root, tmp_path / "out", environ={})
    assert [d.code for d in error.value.diagnostics] == ["award.unknown-renewed"]


def test_pages_link_a_renewed_award_and_its_renewal_both_ways(site_factory):
    root = site_factory(
        {
            "content/awards/2024/a1.yaml": OLD + "expires: 2025-03-14\n",
            "content/awards/2025/a2.yaml": NEW + "listed: true\n",
            "content/awards/2026/a3.yaml": NEW.replace("2025-03-20", "2026-03-20").replace(
                "a1", "a2"
            ),
        }
    )
    build(root)
    old = page(root, "awards/a1/index.html")
    assert "Ce badge a été renouvelé le 20 mars 2025." in old
    # The newest award is unlisted: linked from the (unlisted) old page, but never followed.
    assert (
        '<a href="../a3/" rel="nofollow">Voir l’attribution la plus récente (20 mars 2026)' in old
    )
    assert "Renouveler ce badge" not in old  # already renewed
    middle = page(root, "awards/a2/index.html")
    assert "Ce badge a été renouvelé le 20 mars 2026." in middle
    assert "../a3/" not in middle, "a listed page never links to an unlisted award"
    assert "Demandez le lien de l’attribution la plus récente" in middle
    assert 'href="../a1/"' not in middle
    newest = page(root, "awards/a3/index.html")
    assert "Attributions précédentes de ce badge" in newest
    assert '<a href="../a2/">Attribution du 20 mars 2025</a>' in newest
    assert '<a href="../a1/" rel="nofollow">Attribution du 14 mars 2024</a>' in newest
    assert "renouvelé le" not in newest


def test_an_award_that_expires_tells_how_to_renew_it(site_factory):
    root = site_factory(
        {
            "content/badges/soigneux.yaml": OTHER_BADGE
            + "how_to_obtain: Parlez-en à l’encadrant.\n",
            "content/awards/2024/a1.yaml": "badge: soigneux\nrecipient: {email: a@example.net}\n"
            "issued: 2024-03-14\n",
        }
    )
    build(root)
    text = page(root, "awards/a1/index.html")
    assert "Renouveler ce badge" in text
    assert 'data-expired-text="Ce badge a expiré : comment le renouveler"' in text
    assert "Chaque attribution de ce badge est valable 1 an." in text
    assert "Parlez-en à l’encadrant." in text
    assert "mailto:contact@atelier.example.org" in text


def test_incremental_build_equals_clean_build_as_renewals_come_and_go(site_factory, tmp_path):
    others = {f"content/awards/2024/b{i}.yaml": OLD.replace("Ada", f"Bob{i}") for i in range(6)}
    root = site_factory({"content/awards/2024/a1.yaml": OLD + "expires: 2025-03-14\n", **others})
    build(root)
    renewal = root / "content/awards/2025/a2.yaml"
    steps = [
        ("renew", 6, lambda: renewal.write_text(NEW)),
        ("list the renewal", 6, lambda: renewal.write_text(NEW + "listed: true\n")),
        (
            "renew again",
            6,
            lambda: (root / "content/awards/2026/a3.yaml").write_text(
                NEW.replace("2025-03-20", "2026-03-20").replace("a1", "a2")
            ),
        ),
        (
            "drop the link",
            6,
            lambda: renewal.write_text(
                "badge: ponctuel\nrecipient: {email: ada@example.net}\nissued: 2025-03-20\n"
            ),
        ),
        (
            "delete the renewals",
            7,
            lambda: (renewal.unlink(), (root / "content/awards/2026/a3.yaml").unlink()),
        ),
    ]
    for name, reused, change in steps:
        (root / "content/awards/2026").mkdir(parents=True, exist_ok=True)
        (root / "content/awards/2025").mkdir(parents=True, exist_ok=True)
        change()
        result = build(root)
        assert (result.mode, result.reused) == ("update", reused), name  # only linked ones redone
        assert tree(root / "_site") == clean_build(root, tmp_path / f"clean-{name}"), name
        assert build(root).mode == "unchanged", name


def test_renewing_remakes_the_renewed_award_but_not_the_others(site_factory):
    others = {f"content/awards/2024/b{i}.yaml": OLD.replace("Ada", f"Bob{i}") for i in range(4)}
    root = site_factory(others)
    build(root)
    (root / "content/awards/2025").mkdir(parents=True)
    (root / "content/awards/2025/a2.yaml").write_text(NEW)
    result = build(root)
    # The renewal and the award it renews, not the others.
    assert (result.mode, result.made, result.reused) == ("update", 2, 4)


def test_linking_follows_chains_and_stops_on_a_loop_check_would_refuse(site_factory):
    from dataclasses import replace

    from sitegen.model import AwardSummary
    from sitegen.renewals import link_renewals

    site, _ = load(site_factory({"content/awards/2025/a2.yaml": NEW}))
    a1, a2 = (AwardSummary.of(a) for a in site.awards)
    a3 = replace(a2, id="a3", renews="a2", issued=a2.issued.replace(year=2026), listed=True)
    links = link_renewals([a1, a2, a3])
    assert links["a1"].renewed_on == a2.issued and links["a1"].latest.id == "a3"
    assert [h.id for h in links["a3"].history] == ["a2", "a1"] and links["a3"].latest is None
    assert links["a2"].latest.listed is True
    looped = link_renewals([replace(a1, renews="a3"), a2, a3])  # refused by check_renewals
    assert {award_id: len(r.history) for award_id, r in looped.items()} == {
        "a1": 2,
        "a2": 2,
        "a3": 2,
    }
