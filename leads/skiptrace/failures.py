"""Why a lead's latest skip trace failed, for the lead page and the trace modal.

A vendor error for the lead's item marks the lead (`SkipTraceStatus.ERROR`); a request that
failed as a whole leaves the lead as it was and says why only in its ledger row. Either way
the lead is not "traced", and the page must say it failed rather than "Not traced yet".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet

from billing.models import LedgerEntry, Outcome
from leads.chunk_query import AmongChunk, compiled_once
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


def _latest_trace_entry(lead_id: int, db: str) -> LedgerEntry | None:
    """The lead's latest ledger row of a trace BatchData was asked for (a fresh read each
    time; only the query's compiling is kept, see `compiled_once`)."""
    found = compiled_once("latest trace", db, _latest_trace_entries).instances(
        LedgerEntry, [lead_id]
    )
    return found[0] if found else None


def _latest_trace_entries(db: str) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.using(db)
        .filter(AmongChunk("lead_id"), provider=BATCH, operation="skip_trace")
        .exclude(outcome__in=NOT_ASKED)
        .order_by("-created_at", "-pk")[:1]
    )


def trace_failure(lead: Lead) -> TraceFailure | None:
    """The latest trace's failure, or None when it succeeded (or there was none)."""
    entry = _latest_trace_entry(lead.pk, lead._state.db or DEFAULT_DB_ALIAS)
    if entry is not None and lead.skip_traced_at and entry.created_at <= lead.skip_traced_at:
        entry = None  # a trace stored since (or by) this request: it did not fail as a whole
    if entry is not None and entry.outcome in FAILED:
        reason = entry.detail.split(";")[0].strip().rstrip(".") or "BatchData did not answer"
        unknown = entry.outcome == Outcome.UNKNOWN
        return TraceFailure(reason, entry.cost_micros, unknown_outcome=unknown)
    if lead.skip_trace_status == SkipTraceStatus.ERROR:
        return TraceFailure(ITEM_FAILED, entry.cost_micros if entry is not None else 0)
    return None
