"""The transparent rules score: base points plus signed points per fact an investor trusts.

Deterministic and free: it reads only the lead (and its phones, for the best phone's line
type), so every lead has a score even when AI scoring is off, capped or failing. The
reasons' points add up to the score; a clamp to 0..100 is itself a reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from leads.models import Lead, SkipTraceStatus

BASE_POINTS = 20  # an unremarkable property is DEAD; motivation signals lift it
BASE_REASON = "base score"
TRUST_NAME = re.compile(r"\b(TRUST|TRUSTEES?|TRS|REVOCABLE|LIVING TR)\b", re.IGNORECASE)
LLC_NAME = re.compile(r"\bL\.?L\.?C\b", re.IGNORECASE)

# Thresholds, in the units of the facts they test.
HIGH_EQUITY_PERCENT = 50
SOME_EQUITY_PERCENT = 20
LONG_OWNERSHIP_YEARS = 20
SETTLED_OWNERSHIP_YEARS = 10
RECENT_PURCHASE_YEARS = 2
OLD_BUILDING_YEARS = 60
AGING_BUILDING_YEARS = 40
VERY_HIGH_VALUE_USD = 1_500_000
HIGH_VALUE_USD = 1_000_000


@dataclass(frozen=True)
class Reason:
    points: int
    reason: str

    def as_json(self) -> dict[str, int | str]:
        return {"points": self.points, "reason": self.reason}


@dataclass(frozen=True)
class RulesScore:
    score: int
    reasons: list[Reason]


def owner_is_trust(lead: Lead) -> bool:
    return bool(TRUST_NAME.search(lead.owner_name))


def out_of_state_owner(lead: Lead) -> bool | None:
    if not (lead.mailing_state and lead.state):
        return None
    return lead.mailing_state.upper() != lead.state.upper()


def equity_percent(lead: Lead) -> int | None:
    """Estimated equity as a whole percentage of the AVM (floored), or None if unknown."""
    if lead.estimated_equity_usd is None or not lead.avm_value_usd or lead.avm_value_usd <= 0:
        return None
    return lead.estimated_equity_usd * 100 // lead.avm_value_usd


def years_owned(lead: Lead, today: dt.date) -> int | None:
    if lead.last_sale_date is None:
        return None
    sold = lead.last_sale_date
    return today.year - sold.year - ((today.month, today.day) < (sold.month, sold.day))


def rules_score(lead: Lead, *, today: dt.date | None = None) -> RulesScore:
    today = today or timezone.localdate()
    reasons = [Reason(BASE_POINTS, BASE_REASON)]
    for factor in FACTORS:
        reasons.extend(factor(lead, today))
    total = sum(r.points for r in reasons)
    if total > 100:
        reasons.append(Reason(100 - total, "capped at 100"))
    elif total < 0:
        reasons.append(Reason(-total, "floored at 0"))
    return RulesScore(score=min(max(total, 0), 100), reasons=reasons)


def _absentee(lead: Lead, today: dt.date) -> list[Reason]:
    return [Reason(20, "absentee owner")] if lead.absentee else []


def _out_of_state(lead: Lead, today: dt.date) -> list[Reason]:
    return [Reason(10, "out-of-state mailing address")] if out_of_state_owner(lead) else []


def _equity(lead: Lead, today: dt.date) -> list[Reason]:
    percent = equity_percent(lead)
    if percent is None:
        return []
    if percent >= HIGH_EQUITY_PERCENT:
        return [Reason(15, "equity 50% or more")]
    if percent >= SOME_EQUITY_PERCENT:
        return [Reason(8, "equity 20–50%")]
    if percent < 0:
        return [Reason(-15, "underwater (negative equity)")]
    return []


def _years_owned(lead: Lead, today: dt.date) -> list[Reason]:
    years = years_owned(lead, today)
    if years is None:
        return []
    if years >= LONG_OWNERSHIP_YEARS:
        return [Reason(10, "owned 20+ years")]
    if years >= SETTLED_OWNERSHIP_YEARS:
        return [Reason(5, "owned 10+ years")]
    if years < RECENT_PURCHASE_YEARS:
        return [Reason(-5, "bought within 2 years")]
    return []


def _owner_kind(lead: Lead, today: dt.date) -> list[Reason]:
    if owner_is_trust(lead):
        return [Reason(5, "owned by a trust")]
    if lead.corporate_owner:
        kind = "an LLC" if LLC_NAME.search(lead.owner_name) else "a company"
        return [Reason(-10, f"owned by {kind}")]
    return []


def _building_age(lead: Lead, today: dt.date) -> list[Reason]:
    if not lead.year_built:
        return []
    age = today.year - lead.year_built
    if age >= OLD_BUILDING_YEARS:
        return [Reason(8, "built 60+ years ago (likely needs work)")]
    if age >= AGING_BUILDING_YEARS:
        return [Reason(4, "built 40+ years ago")]
    return []


def _value_band(lead: Lead, today: dt.date) -> list[Reason]:
    value = lead.avm_value_usd
    if value is None:
        return []
    if value >= VERY_HIGH_VALUE_USD:
        return [Reason(-10, "very high value ($1.5M+)")]
    if value >= HIGH_VALUE_USD:
        return [Reason(-5, "high value ($1M+)")]
    return []


def _contactability(lead: Lead, today: dt.date) -> list[Reason]:
    reasons = []
    if lead.skip_trace_status == SkipTraceStatus.NO_MATCH:
        reasons.append(Reason(-10, "skip trace found no match"))
    elif lead.contactable and _best_phone_is_mobile(lead):
        reasons.append(Reason(10, "contactable on a mobile"))
    elif lead.contactable:
        reasons.append(Reason(5, "contactable"))
    if lead.dnc_flag or lead.do_not_call:
        reasons.append(Reason(-15, "do not call"))
    return reasons


FACTORS: tuple[Callable[[Lead, dt.date], list[Reason]], ...] = (
    _absentee,
    _out_of_state,
    _equity,
    _years_owned,
    _owner_kind,
    _building_age,
    _value_band,
    _contactability,
)


def _best_phone_is_mobile(lead: Lead) -> bool:
    if not lead.best_phone or lead.pk is None:
        return False
    # .all() so a prefetch_related("phones") in bulk rescoring saves a query per lead.
    return any(p.number == lead.best_phone and p.line_type == "mobile" for p in lead.phones.all())
