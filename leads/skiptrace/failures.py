"""Why a lead's latest skip trace failed, for the lead page and the trace modal.

A vendor error for the lead's item marks the lead (`SkipTraceStatus.ERROR`); a request that
failed as a whole leaves the lead as it was and says why only in its ledger row. Either way
the lead is not "traced", and the page must say it failed rather than "Not traced yet".
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.models import LedgerEntry, Outcome
from leads.models import Lead, SkipTraceStatus
from providers.registry import BATCH

ITEM_FAILED = "BatchData could not process this owner's record"
# Rows that are not an answer from BatchData: reuse, the cache, a cap refusal.
NOT_ASKED = (Outcome.REUSED, Outcome.CACHED, Outcome.REFUSED)
FAILED = (Outcome.ERROR, Outcome.UNKNOWN)


@dataclass(frozen=True)
class TraceFailure:
    reason: str
    charged_micros: int  # what the failed request cost (0: not charged)
    unknown_outcome: bool = False  # charged at its maximum until reconciled


def trace_failure(lead: Lead) -> TraceFailure | None:
    """The latest trace's failure, or None when it succeeded (or there was none)."""
    entry = (
        LedgerEntry.objects.filter(lead_id=lead.pk, provider=BATCH, operation="skip_trace")
        .exclude(outcome__in=NOT_ASKED)
        .order_by("-created_at", "-pk")
        .first()
    )
    if entry is not None and lead.skip_traced_at and entry.created_at <= lead.skip_traced_at:
        entry = None  # a trace stored since (or by) this request: it did not fail as a whole
    if entry is not None and entry.outcome in FAILED:
        reason = entry.detail.split(";")[0].strip().rstrip(".") or "BatchData did not answer"
        unknown = entry.outcome == Outcome.UNKNOWN
        return TraceFailure(reason, entry.cost_micros, unknown_outcome=unknown)
    if lead.skip_trace_status == SkipTraceStatus.ERROR:
        return TraceFailure(ITEM_FAILED, entry.cost_micros if entry is not None else 0)
    return None
