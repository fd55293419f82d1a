"""Reading an award's validation trail: the collegial decision, who took it, observation periods.

The trail is checked against the award and its badge as it is read: the decision
is not after the award, every observation ends by the decision, and lasts at
least the period the badge's criterion promises.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, tzinfo

from sitegen.fields import Fields
from sitegen.model import Criterion, ObservationPeriod, Validation, Validator
from sitegen.yamlsrc import Node

VALIDATION_KEYS = ("date", "validators")
VALIDATOR_KEYS = ("name", "role")
OBSERVED_KEYS = ("from", "to")


def read_validation(f: Fields, zone: tzinfo, issued: datetime | None) -> Validation | None:
    """The award's ``validation`` block, if any; its date may not be after ``issued``."""
    node = f.get("validation")
    if node is None:
        return None
    v = Fields(node, f.diags, allowed=VALIDATION_KEYS, what="award", language=f.language)
    if not v.ok:
        return None
    when = v.moment("date", zone, required=True)
    validators = tuple(
        person
        for person in (_read_validator(item, v) for item in v.items("validators"))
        if person is not None
    )
    if when is None:
        return None
    if issued is not None and when > issued:
        f.diags.error(
            v.span("date"),
            "award.decision-after-issued",
            f"the decision is dated {when.date().isoformat()}, after the award "
            f"({issued.date().isoformat()})",
            "the badge is awarded once the team has decided: check both dates",
        )
        return None
    return Validation(date=when, validators=validators)


def _read_validator(item: Node, v: Fields) -> Validator | None:
    if isinstance(item.value, str):  # "Claire Martin, encadrante technique" is enough
        text = item.value.strip()
        if not text or len(text) > 300:
            v.diags.error(
                item.span,
                "award.bad-item",
                "bad entry in 'validators'",
                "write the person's name and role, like 'Claire Martin, encadrante technique'",
            )
            return None
        return Validator(name=text)
    p = Fields(item, v.diags, allowed=VALIDATOR_KEYS, what="award", language=v.language)
    if not p.ok:
        return None
    name = p.text("name", required=True, max_len=200)
    role = p.localized("role", max_len=200)
    return Validator(name=name, role=role) if name is not None else None


def read_observed(
    e: Fields,
    zone: tzinfo,
    *,
    criterion: Criterion | None,
    limit: datetime | None,
    limit_name: str,
) -> ObservationPeriod | None:
    """An evidence item's ``observed: {from, to}`` period (both days included).

    ``limit`` is the decision (or, without one, the award) that the period must not pass.
    """
    node = e.get("observed")
    if node is None:
        return None
    o = Fields(node, e.diags, allowed=OBSERVED_KEYS, what="award", language=e.language)
    if not o.ok:
        return None
    start = o.moment("from", zone, required=True)
    end = o.moment("to", zone, required=True)
    if start is None or end is None:
        return None
    if end < start:
        e.diags.error(
            o.span("to"),
            "award.observation-order",
            f"the observation ends ({end.date().isoformat()}) before it starts "
            f"({start.date().isoformat()})",
            "'from' is the first day observed, 'to' the last one",
        )
        return None
    if limit is not None and end > limit:
        e.diags.error(
            o.span("to"),
            "award.observation-after-decision",
            f"the observation ends on {end.date().isoformat()}, after the {limit_name} "
            f"({limit.date().isoformat()})",
            "a criterion is validated once observed: end the period on or before that day",
        )
        return None
    period = ObservationPeriod(start=start, end=end)
    if (
        criterion is not None
        and criterion.period is not None
        and criterion.period.add_to(start) > end + timedelta(days=1)
    ):
        e.diags.error(
            o.span("from"),
            "award.short-observation",
            f"criterion '{criterion.id}' is observed over {criterion.period.text}, but this "
            f"period lasts {observed_text(period)}",
            "the badge promises this length of observation: check the dates, or change "
            "the criterion's 'period' in the badge for future awards",
        )
        return None
    return period


def observed_text(period: ObservationPeriod) -> str:
    """The length of a period in plain numbers, for messages (``5 months and 3 days``)."""
    months, days = observed_length(period)
    parts = [f"{months} month{'s' if months != 1 else ''}"] if months else []
    if days or not parts:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return " and ".join(parts)


def observed_length(period: ObservationPeriod) -> tuple[int, int]:
    """Whole months, then days, from the first day to the day after the last one."""
    after = (period.end + timedelta(days=1)).date()
    start = period.start.date()
    months = (after.year - start.year) * 12 + after.month - start.month
    while months > 0 and _add_months(start, months) > after:
        months -= 1
    return months, (after - _add_months(start, months)).days


def _add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))
