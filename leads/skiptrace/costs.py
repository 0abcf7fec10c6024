"""The most a skip trace can cost before it runs, with every provider it sets off.

A trace is more than BatchData's match: each phone it finds may be checked with Twilio
Lookup (at most `MAX_LOOKUPS_PER_LEAD` a lead) and, with OpenAI on, the lead is scored
again. What the modal, the bulk preview and the API show before a trace is this sum; what
they show after is what the ledger charged (`Lead.skip_trace_cost_micros` adds the
line-type checks and the rescore to the match).
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.pricing import UnknownPrice, max_cost_micros
from leads.scoring.services import ai_score_max_micros
from leads.skiptrace.line_types import MAX_LOOKUPS_PER_LEAD, ONE_LOOKUP
from providers.modes import OFF, is_enabled, provider_mode
from providers.registry import BATCH, OPENAI, TWILIO

ONE_MATCH = {"matches": 1}  # the most one lead can bill BatchData


@dataclass(frozen=True)
class TraceCost:
    """The most tracing `leads` leads can cost, provider by provider (micro-dollars)."""

    leads: int
    match_micros: int  # BatchData, all leads (a no-match is free)
    lookups: int  # the most line-type lookups it can set off; 0 while checks are off
    lookups_micros: int  # Twilio Lookup, all of them
    rescore_micros: int  # OpenAI, all leads; 0 while AI scoring is off
    lookup_price_micros: int  # one line-type lookup
    match_price_micros: int  # one match

    @property
    def total_micros(self) -> int:
        return self.match_micros + self.lookups_micros + self.rescore_micros

    def by_provider_micros(self) -> dict[str, int]:
        return {BATCH: self.match_micros, TWILIO: self.lookups_micros, OPENAI: self.rescore_micros}


def trace_max_cost(leads: int = 1, *, stored_unchecked: int = 0) -> TraceCost:
    """The most tracing this many leads can cost at today's prices and provider modes.

    `stored_unchecked`: phones of leads answered from storage (free at BatchData) that are
    still to be checked — a reuse checks them too."""
    lookup_price = max_cost_micros(TWILIO, ONE_LOOKUP)
    match_price = max_cost_micros(BATCH, ONE_MATCH)
    lookups = leads * MAX_LOOKUPS_PER_LEAD + stored_unchecked
    if provider_mode(TWILIO) == OFF:
        lookups = 0
    return TraceCost(  # n requests cost n × one (`max_cost_micros`): one price read each
        leads=leads,
        match_micros=match_price * leads,
        lookups=lookups,
        lookups_micros=lookup_price * lookups,
        rescore_micros=_rescore_micros(leads),
        lookup_price_micros=lookup_price,
        match_price_micros=match_price,
    )


def _rescore_micros(leads: int) -> int:
    if not leads or not is_enabled(OPENAI):
        return 0
    try:
        return ai_score_max_micros(count=leads)
    except UnknownPrice:  # no price for the model: the lead keeps its rules score, free
        return 0
