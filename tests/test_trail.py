"""An award's validation trail: read and checked from YAML, carried by OB 2.0 and OB 3.0."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sitegen import ob2, ob3
from sitegen.model import ObservationPeriod
from sitegen.trail import observed_duration
from sitegen.validation import observed_length
from tests.test_ob2 import BASE, documents
from tests.test_resolve import load

PARIS = ZoneInfo("Europe/Paris")
PATH = "content/awards/2024/a1.yaml"

TRAIL = """\
badge: ponctuel
recipient: {email: ada@example.net}
issued: 2024-03-14
validation:
  date: 2024-03-01
  validators:
    - name: Claire Martin
      role:
        fr: encadrante technique
        en: technical supervisor
    - Karim Benali, encadrant technique
evidence:
  - criterion: ponctualite
    observed:
      from: 2023-09-01
      to: 2024-02-29
  - criterion: ponctualite
    observed: {from: 2023-08-28, to: 2024-03-01}
    narrative: Aucun retard.
"""


def period(start: str, end: str) -> ObservationPeriod:
    return ObservationPeriod(start=datetime.fromisoformat(start), end=datetime.fromisoformat(end))


def test_resolve_reads_decision_validators_and_observation_periods(site_factory):
    site, problems = load(site_factory({PATH: TRAIL}))
    assert problems == []
    (award,) = site.awards
    assert award.validation is not None
    assert award.validation.date == datetime(2024, 3, 1, tzinfo=PARIS)
    claire, karim = award.validation.validators
    assert (claire.name, claire.role.values) == (
        "Claire Martin",
        (("en", "technical supervisor"), ("fr", "encadrante technique")),
    )
    assert (karim.name, karim.role) == ("Karim Benali, encadrant technique", None)
    first, second = award.evidence
    assert first.criterion.id == "ponctualite" and first.narrative is None  # a period suffices
    assert first.observed == ObservationPeriod(
        start=datetime(2023, 9, 1, tzinfo=PARIS), end=datetime(2024, 2, 29, tzinfo=PARIS)
    )
    assert second.observed.end == datetime(2024, 3, 1, tzinfo=PARIS)  # the decision's day


def test_resolve_reports_every_trail_problem_at_once_where_it_is_written(site_factory):
    root = site_factory(
        {
            PATH: """\
        badge: ponctuel
        recipient: {email: ada@example.net}
        issued: 2024-03-14
        validation:
          date: 2024-03-01
          validators:
            - name: Claire Martin
              rol: encadrante
            - role: encadrant
        evidence:
          - criterion: ponctualite
            observed: {from: 2024-02-01, to: 2023-09-01}
          - criterion: ponctualite
            observed: {from: 2023-09-01, to: 2024-03-02}
          - criterion: ponctualite
            observed: {from: 2023-10-01, to: 2024-02-29}
          - criterion: ponctualte
            observed: {from: 2023-09-01, to: 2024-02-29}
          - criterion: ponctualite
            observed: {from: 2023-09-01}
          - criterion: ponctualite
            observed: {from: 2023-09-01, to: 2024-02-30}
        """
        }
    )
    _, problems = load(root)
    found = [(line, column, code) for _, line, column, code, _, _ in problems]
    assert found == [
        (8, 7, "award.unknown-key"),
        (9, 7, "award.missing-key"),
        (12, 38, "award.observation-order"),
        (14, 38, "award.observation-after-decision"),
        (16, 22, "award.short-observation"),
        (17, 16, "award.unknown-criterion"),
        (20, 15, "award.missing-key"),
        (22, 38, "award.bad-date"),
    ]
    by_code = {code: (message, hint) for _, _, _, code, message, hint in problems}
    assert by_code["award.unknown-key"][1] == "did you mean 'role'?"
    assert by_code["award.observation-after-decision"][0] == (
        "the observation ends on 2024-03-02, after the decision (2024-03-01)"
    )
    assert by_code["award.short-observation"][0] == (
        "criterion 'ponctualite' is observed over P6M, but this period lasts 5 months"
    )
    assert by_code["award.observation-order"][0] == (
        "the observation ends (2023-09-01) before it starts (2024-02-01)"
    )


def test_short_observation_is_reported_at_its_from_date(site_factory):
    root = site_factory(
        {
            PATH: """\
        badge: ponctuel
        recipient: {email: ada@example.net}
        issued: 2024-03-14
        evidence:
          - criterion: ponctualite
            observed:
              from: 2023-09-15
              to: 2024-02-29
        """
        }
    )
    _, problems = load(root)
    assert problems == [
        (
            PATH,
            7,
            13,
            "award.short-observation",
            "criterion 'ponctualite' is observed over P6M, but this period lasts "
            "5 months and 15 days",
            "the badge promises this length of observation: check the dates, or "
            "change the criterion's 'period' in the badge for future awards",
        )
    ]


def test_without_a_decision_observations_end_by_the_award_date(site_factory):
    root = site_factory(
        {
            PATH: """\
        badge: ponctuel
        recipient: {email: ada@example.net}
        issued: 2024-03-14
        evidence:
          - criterion: ponctualite
            observed: {from: 2023-09-01, to: 2024-03-15}
        """
        }
    )
    _, problems = load(root)
    assert [(p[3], p[4]) for p in problems] == [
        (
            "award.observation-after-decision",
            "the observation ends on 2024-03-15, after the award (2024-03-14)",
        )
    ]


def test_decision_after_the_award_is_an_error(site_factory):
    root = site_factory(
        {
            PATH: """\
        badge: ponctuel
        recipient: {email: ada@example.net}
        issued: 2024-03-14
        validation: {date: 2024-03-20}
        """
        }
    )
    _, problems = load(root)
    assert [(p[1], p[2], p[3]) for p in problems] == [(4, 20, "award.decision-after-issued")]


def test_validation_needs_a_date_and_an_evidence_needs_more_than_a_criterion(site_factory):
    root = site_factory(
        {
            PATH: """\
        badge: ponctuel
        recipient: {email: ada@example.net}
        issued: 2024-03-14
        validation:
          validators: [Claire Martin]
        evidence:
          - criterion: ponctualite
        """
        }
    )
    _, problems = load(root)
    assert [(p[1], p[2], p[3]) for p in problems] == [
        (5, 3, "award.missing-key"),
        (7, 5, "award.empty-evidence"),
    ]


def test_observed_length_counts_both_days_in_calendar_months():
    assert observed_length(period("2023-09-01", "2024-02-29")) == (6, 0)
    assert observed_length(period("2023-12-01", "2024-02-29")) == (3, 0)
    assert observed_length(period("2024-01-31", "2024-02-28")) == (1, 0)  # to month's end
    assert observed_length(period("2024-01-15", "2024-01-15")) == (0, 1)
    assert observed_length(period("2023-09-01", "2024-02-10")) == (5, 10)
    assert observed_duration(period("2022-09-01", "2024-02-29")).years == 1


def test_credentials_carry_the_decision_and_periods_as_evidence(site_factory):
    site, urls, tr = documents(site_factory, {PATH: TRAIL})
    award = site.awards[0]
    decision = (
        "Décision collégiale du 1er mars 2024, prise par Claire Martin (encadrante technique) "
        "et Karim Benali, encadrant technique."
    )
    period_text = "Ponctualité : observation sur 6 mois, du 1er septembre 2023 au 29 février 2024"
    assertion = ob2.to_assertion(award, urls, tr)
    first, second, third = assertion["evidence"]
    assert first == {
        "type": "Evidence",
        "name": "Validation collégiale",
        "description": decision,
        "narrative": decision + "\n\n- " + period_text + "\n- Ponctualité : observation sur "
        "6 mois et 3 jours, du 28 août 2023 au 1er mars 2024",
        "genre": "Décision collégiale",
    }
    assert second == {
        "type": "Evidence",
        "narrative": "Critère : Ponctualité\n\n" + period_text,
        "genre": "Observation en situation de travail",
    }
    assert third["narrative"].startswith("Critère : Ponctualité\n\nAucun retard.\n\n")
    credential = ob3.to_credential(award, urls, tr, status=ob3.status_entry(BASE + "s", 1))
    assert [e["type"] for e in credential["evidence"]] == [["Evidence"]] * 3
    assert credential["evidence"][0]["description"] == decision
    assert "ada" not in str(credential).lower()  # the earner is never named by the trail


def test_an_award_without_a_trail_has_no_decision_evidence(site_factory):
    site, urls, tr = documents(site_factory)
    assert "evidence" not in ob2.to_assertion(site.awards[0], urls, tr)
