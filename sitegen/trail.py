"""An award's validation trail in plain words: for its pages, and as evidence in its credentials."""

from __future__ import annotations

from sitegen.i18n import Translator
from sitegen.model import Award, Duration, Evidence, Localized, ObservationPeriod, Validation
from sitegen.validation import observed_length

JsonObject = dict[str, object]


def _text(value: Localized, tr: Translator) -> str:
    return value.get(tr.language, tr.language)


def observed_duration(period: ObservationPeriod) -> Duration:
    """How long a period lasted, in years, months and days (both ends included)."""
    months, days = observed_length(period)
    years, months = divmod(months, 12)
    text = f"P{years}Y{months}M{days}D"
    return Duration(years=years, months=months, days=days, text=text)


def validators_text(validation: Validation, tr: Translator) -> str:
    """The people who decided, with their roles: ``Claire Martin (encadrante technique), …``."""
    people = [
        f"{v.name} ({_text(v.role, tr)})" if v.role else v.name for v in validation.validators
    ]
    if len(people) <= 1:
        return "".join(people)
    return tr.gettext("%(first)s and %(last)s") % {
        "first": ", ".join(people[:-1]),
        "last": people[-1],
    }


def decision_text(validation: Validation, tr: Translator) -> str:
    """One sentence: when the team decided to award the badge, and who took part."""
    sentence = tr.gettext("Collegial decision of %(date)s") % {"date": tr.date(validation.date)}
    people = validators_text(validation, tr)
    if people:
        sentence = tr.gettext("%(decision)s, taken by %(people)s") % {
            "decision": sentence,
            "people": people,
        }
    return sentence + "."


def observation_text(name: str, period: ObservationPeriod, tr: Translator) -> str:
    """``Ponctualité : observation sur 6 mois, du 1 septembre 2023 au 29 février 2024``."""
    return tr.gettext("%(criterion)s: observed over %(duration)s, from %(start)s to %(end)s") % {
        "criterion": name,
        "duration": tr.duration(observed_duration(period)),
        "start": tr.date(period.start),
        "end": tr.date(period.end),
    }


def evidence_observation(evidence: Evidence, tr: Translator) -> str | None:
    """The observation sentence of an evidence item that has a period, else None."""
    if evidence.observed is None:
        return None
    label = evidence.criterion.name if evidence.criterion else evidence.name
    name = _text(label, tr) if label else tr.gettext("Observation")
    return observation_text(name, evidence.observed, tr)


def observation_genre(tr: Translator) -> str:
    """The ``genre`` of evidence that records an observation at work."""
    return tr.gettext("Observation at work")


def decision_evidence(award: Award, tr: Translator, *, evidence_type: object) -> list[JsonObject]:
    """The collegial decision as an evidence entry (none without a ``validation``), with
    fields named alike in OB 2.0 and OB 3.0."""
    if award.validation is None:
        return []
    decision = decision_text(award.validation, tr)
    observations = [text for text in (evidence_observation(e, tr) for e in award.evidence) if text]
    narrative = decision
    if observations:
        narrative += "\n\n" + "\n".join(f"- {text}" for text in observations)
    return [
        {
            "type": evidence_type,
            "name": tr.gettext("Collegial validation"),
            "description": decision,
            "narrative": narrative,
            "genre": tr.gettext("Collegial decision"),
        }
    ]
