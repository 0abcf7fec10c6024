"""The transparent rules score: base points plus signed points per fact an investor trusts.

Deterministic and free: it reads only the lead (and its phones, for the best phone's line
type, and the lists it is on), so every lead has a score even when AI scoring is off, capped
or failing. The reasons' points add up to the score; a clamp to 0..100 is itself a reason.

Each fact a lead filter can narrow by (owner type, out-of-state owner, equity, years owned,
free and clear) has its Python reading and its SQL twin side by side here, so a filter and a
score reason never disagree about a lead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.db.models.lookups import Exact, GreaterThanOrEqual
from django.utils import timezone

from leads.models import Lead, SkipTraceStatus, lists_of

BASE_POINTS = 20  # an unremarkable property is DEAD; motivation signals lift it
BASE_REASON = "base score"
TRUST_WORDS = r"\b(TRUST|TRUSTEES?|TRS|REVOCABLE|(LIVING|FAMILY) TR)\b"
TRUST_NAME = re.compile(TRUST_WORDS, re.IGNORECASE)
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
POINTS_PER_EXTRA_LIST = 5  # a lead on several lists is stacked: each list beyond the first
MAX_STACKING_POINTS = 15

OWNER_TYPES = ("individual", "corporate", "trust")  # disjoint: a trust is neither of the others


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


def trust_owner_q() -> Q:
    """SQL twin of `owner_is_trust`: PostgreSQL spells a word boundary \\y, not \\b."""
    words = TRUST_WORDS.replace(r"\b", r"\y") if connection.vendor == "postgresql" else TRUST_WORDS
    return Q(owner_name__iregex=words)


def owner_type(lead: Lead) -> str | None:
    """individual, corporate or trust (whatever ATTOM's corporate flag says); None: no owner."""
    if not lead.owner_name.strip():
        return None
    if owner_is_trust(lead):
        return "trust"
    return "corporate" if lead.corporate_owner else "individual"


def owner_type_q(kind: str) -> Q:
    known = ~Q(owner_name="")
    if kind == "trust":
        return known & trust_owner_q()
    return known & ~trust_owner_q() & Q(corporate_owner=kind == "corporate")


def out_of_state_owner(lead: Lead) -> bool | None:
    if not (lead.mailing_state and lead.state):
        return None
    return lead.mailing_state.upper() != lead.state.upper()


def out_of_state_q(wanted: bool) -> Q:
    same = Exact(Upper("mailing_state"), Upper("state"))
    return ~Q(mailing_state="") & ~Q(state="") & (~Q(same) if wanted else Q(same))


def equity_percent(lead: Lead) -> int | None:
    """Estimated equity as a whole percentage of the AVM (floored), or None if unknown."""
    if lead.estimated_equity_usd is None or not lead.avm_value_usd or lead.avm_value_usd <= 0:
        return None
    return lead.estimated_equity_usd * 100 // lead.avm_value_usd


def min_equity_q(percent: int) -> Q:
    """`equity_percent >= percent`: for whole percents, floor(100·e/v) >= p ⇔ 100·e >= p·v."""
    scaled = GreaterThanOrEqual(F("estimated_equity_usd") * 100, F("avm_value_usd") * percent)
    return Q(avm_value_usd__gt=0, estimated_equity_usd__isnull=False) & Q(scaled)


def years_owned(lead: Lead, today: dt.date) -> int | None:
    """Whole years since the last sale."""
    if lead.last_sale_date is None:
        return None
    sold = lead.last_sale_date
    return today.year - sold.year - ((today.month, today.day) < (sold.month, sold.day))


def owned_since_q(years: int, today: dt.date) -> Q:
    """`years_owned >= years`: sold on or before this day `years` years ago (28 Feb for 29 Feb)."""
    year = today.year - years
    if year < dt.MINYEAR:
        return Q(pk__in=[])
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    return Q(last_sale_date__lte=dt.date(year, today.month, day))


def free_and_clear(lead: Lead) -> bool | None:
    """No mortgage: the last sale is on record and no mortgage amount above zero is."""
    if lead.last_sale_date is None:
        return None
    return not (lead.mortgage_amount_usd or 0) > 0


def free_and_clear_q(wanted: bool) -> Q:
    mortgaged = Q(mortgage_amount_usd__gt=0)
    return Q(last_sale_date__isnull=False) & (~mortgaged if wanted else mortgaged)


def stacking_points(list_count: int) -> int:
    return min(POINTS_PER_EXTRA_LIST * max(list_count - 1, 0), MAX_STACKING_POINTS)


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
    kind = owner_type(lead)
    if kind == "trust":
        return [Reason(5, "owned by a trust")]
    if kind == "corporate":
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


def _stacking(lead: Lead, today: dt.date) -> list[Reason]:
    """On several lists at once (tax delinquent, absentee, probate…): a motivated seller."""
    if lead.pk is None:
        return []
    names = [lead_list.name for lead_list in lists_of(lead)]
    points = stacking_points(len(names))
    return [Reason(points, f"on {len(names)} lists: {', '.join(names)}")] if points else []


FACTORS: tuple[Callable[[Lead, dt.date], list[Reason]], ...] = (
    _absentee,
    _out_of_state,
    _equity,
    _years_owned,
    _owner_kind,
    _building_age,
    _value_band,
    _contactability,
    _stacking,
)


def _best_phone_is_mobile(lead: Lead) -> bool:
    if not lead.best_phone or lead.pk is None:
        return False
    # .all() so a prefetch_related("phones") in bulk rescoring saves a query per lead.
    return any(p.number == lead.best_phone and p.line_type == "mobile" for p in lead.phones.all())
