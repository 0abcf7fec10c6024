"""The JSON shapes of lists and of what a refresh or an import did (camelCase keys)."""

from __future__ import annotations

from typing import Any

from billing.money import micros_to_cents
from leads.lists.models import LeadList, ListKind
from leads.lists.refresh import RefreshPlan, RefreshResult


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def list_json(lead_list: LeadList) -> dict[str, Any]:
    """Expects `lead_count` annotated (`services.lists_with_counts`)."""
    body: dict[str, Any] = {
        "id": lead_list.pk,
        "name": lead_list.name,
        "kind": lead_list.kind,
        "leadCount": lead_list.lead_count,  # type: ignore[attr-defined]
        "createdAt": _time(lead_list.created_at),
        "lastGrewAt": _time(lead_list.last_grew_at),
        "lastRefreshedAt": _time(lead_list.last_refreshed_at),
        "newSinceLastRefresh": lead_list.new_since_last_refresh,
    }
    if lead_list.kind == ListKind.SAVED_SEARCH:
        body.update(
            query=lead_list.query,
            dailyRefresh=lead_list.daily_refresh,
            maxRecords=lead_list.max_records,
        )
    return body


def refresh_preview_json(plan: RefreshPlan) -> dict[str, Any]:
    return {
        "maxRecords": plan.max_records,
        "pages": plan.pages,
        "maxCostCents": micros_to_cents(plan.max_cost_micros),
        "budgetLeftCents": micros_to_cents(plan.budget_left_micros),
    }


def refresh_json(result: RefreshResult) -> dict[str, Any]:
    return {
        "fetched": result.fetched,
        "new": result.new,
        "alreadyOn": result.already_on,
        "removedSkipped": result.removed_skipped,
        "costCents": micros_to_cents(result.cost_micros),
        "stoppedAtCap": result.stopped_at_cap,
        "note": result.note,
    }
