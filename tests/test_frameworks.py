"""Alignments to ESCO and ROME: the shape of their references is checked, pages label them."""

from __future__ import annotations

from sitegen import ob2, ob3
from tests.conftest import BADGE_YAML
from tests.test_incremental import build
from tests.test_ob2 import documents
from tests.test_resolve import load

ESCO_SKILL = "http://data.europa.eu/esco/skill/113b4428-0a31-4199-8496-070af7854b91"
ESCO_JOB = "https://data.europa.eu/esco/occupation/4a0d8a4a-21bd-4b3a-9d2b-2c2ec1b4bb38"
PORTAL = (
    "https://esco.ec.europa.eu/en/classification/skill?uri=http%3A%2F%2Fdata.europa.eu"
    "%2Fesco%2Fskill%2F113b4428-0a31-4199-8496-070af7854b91"
)


def badge_with(alignments: str) -> dict[str, str]:
    return {"content/badges/ponctuel.yaml": BADGE_YAML + "alignments:\n" + alignments}


def problems_of(site_factory, alignments: str) -> list[tuple[int, int, str, str, str | None]]:
    _, problems = load(site_factory(badge_with(alignments)))
    return [(p[1], p[2], p[3], p[4], p[5]) for p in problems]


GOOD = f"""\
  - name: Respecter ses engagements
    url: {ESCO_SKILL}
    framework: ESCO
  - name: Agent de tri
    url: {ESCO_JOB}
  - name: Revalorisation
    url: https://candidat.francetravail.fr/metierscope/fiche-metier/K2304
    framework: ROME 4.0
    code: K2304
  - name: Autre référentiel
    url: https://referentiel.example.org/competences/42
    framework: Référentiel maison
    code: "42"
"""


def test_well_formed_esco_and_rome_references_are_accepted(site_factory):
    assert problems_of(site_factory, GOOD) == []


def test_each_malformed_reference_is_reported_with_a_hint(site_factory):
    problems = problems_of(
        site_factory,
        f"""\
  - name: Pas une URI
    url: https://esco.ec.europa.eu/fr/competences
    framework: ESCO
  - name: Page du portail
    url: {PORTAL}
    framework: esco
  - name: Identifiant tronqué
    url: http://data.europa.eu/esco/skill/113b4428
  - name: Mauvais référentiel
    url: {ESCO_SKILL}
    framework: ROME
    code: K2304
  - name: Sans code
    url: https://www.francetravail.fr/
    framework: ROME
  - name: Minuscule
    url: https://www.francetravail.fr/
    framework: ROME
    code: k2304
  - name: Trop court
    url: https://www.francetravail.fr/
    framework: ROME
    code: K230
  - name: Adresse d'une autre fiche
    url: https://candidat.francetravail.fr/metierscope/fiche-metier/K2303
    framework: ROME
    code: K2304
  - name: Code ROME sur une adresse ESCO
    url: {ESCO_SKILL}
    code: N1105
""",
    )
    assert [p[:3] for p in problems] == [
        (18, 10, "badge.bad-esco-uri"),
        (21, 10, "badge.bad-esco-uri"),
        (24, 10, "badge.bad-esco-uri"),
        (27, 16, "badge.framework-mismatch"),
        (31, 16, "badge.bad-rome-code"),
        (35, 11, "badge.bad-rome-code"),
        (39, 11, "badge.bad-rome-code"),
        (41, 10, "badge.bad-rome-code"),
        (46, 11, "badge.framework-mismatch"),
    ]
    hints = [p[4] for p in problems]
    assert hints[1] == f"this is a page of the ESCO portal; write the concept's URI: {ESCO_SKILL}"
    assert hints[5] == "did you mean 'K2304'?"
    assert problems[7][3] == "the address names the job sheet K2303 but the code is 'K2304'"


def test_credentials_name_the_framework_from_an_esco_address(site_factory):
    site, urls, tr = documents(site_factory, badge_with(GOOD))
    alignment = ob2.to_badge_class(site.badges[0], urls, tr)["alignment"]
    assert [a.get("targetFramework") for a in alignment] == [
        "ESCO",
        "ESCO",
        "ROME 4.0",
        "Référentiel maison",
    ]
    assert alignment[2]["targetCode"] == "K2304"
    achievement = ob3.to_achievement(site.badges[0], urls, tr)
    assert achievement["alignment"][1] == {
        "type": ["Alignment"],
        "targetName": "Agent de tri",
        "targetUrl": ESCO_JOB,
        "targetFramework": "ESCO",
    }


def test_badge_and_award_pages_label_alignments_in_words(site_factory):
    root = site_factory(
        {
            **badge_with(GOOD),
            "site.yaml": (
                "title: Test\nbase_url: https://badges.example.org/\nlanguages: [fr, en]\n"
            ),
        }
    )
    build(root)
    for path in ("badges/ponctuel/index.html", "awards/a1/index.html"):
        french = (root / "_site" / path).read_text(encoding="utf-8")
        assert (
            f'<a href="{ESCO_SKILL}" rel="noopener">Respecter ses engagements</a> '
            '<span class="muted">(compétence ESCO)</span>' in french
        )
        assert '<span class="muted">(métier ESCO)</span>' in french
        assert '<span class="muted">(fiche métier ROME K2304)</span>' in french
        assert '<span class="muted">(Référentiel maison 42)</span>' in french
    english = (root / "_site/en/badges/ponctuel/index.html").read_text(encoding="utf-8")
    assert "(ESCO skill)" in english and "(ROME job sheet K2304)" in english
