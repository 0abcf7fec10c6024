"""The JSON shapes of lists and of what a refresh or an import did (camelCase keys)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from billing.money import micros_to_cents
from leads.lists.imports import ImportResult
from leads.lists.models import LeadList, ListImport, ListKind
from leads.lists.refresh import RefreshPlan, RefreshResult
from leads.skiptrace.job_status import waiting_for_worker


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


def import_json(result: ImportResult, *, preview: bool) -> dict[str, Any]:
    """What an import did (or, for a preview, would do); a repeat names the first import."""
    earlier = result.duplicate_of
    record = result.record or earlier
    body: dict[str, Any] = {
        "id": result.record.pk if result.record is not None else None,
        "preview": preview,
        "rows": result.rows,
        "created": result.created,
        "merged": result.merged,
        "rejected": [{"row": r.line, "reason": r.reason} for r in result.rejected],
        "listId": record.lead_list_id if record is not None else None,
        "mapping": result.mapping,
        "encoding": result.encoding,
        "separator": result.separator,
    }
    if earlier is not None:
        body["duplicateOf"] = earlier.pk
    if result.record is not None:
        body["rejectedCsv"] = reverse("api-import-rejected", args=[result.record.pk])
    if preview:
        body["sample"] = [_sample(row, action) for row, action in result.sample]
        # A large file's preview counts its first rows only; the import counts them all.
        body["partial"], body["totalRows"] = result.partial, result.total_rows
    return body


def _sample(row: Any, action: str) -> dict[str, Any]:
    lead = row.lead
    return {
        "row": row.line, "action": action, "street": lead.street, "unit": lead.unit,
        "city": lead.city, "state": lead.state, "zip": lead.zip_code,
        "ownerName": lead.owner_name, "mailingAddress": lead.mailing_address,
        "phones": row.phones, "emails": row.emails, "notes": row.notes,
    }  # fmt: skip


def import_progress_json(record: ListImport) -> dict[str, Any]:
    """A background import on its way (or failed): how far it got."""
    return {
        "id": record.pk,
        "status": record.status,
        "statusUrl": reverse("api-import", args=[record.pk]),
        "rows": record.rows,
        "totalRows": record.total_rows,  # about: the file's line count
        "created": record.created,
        "merged": record.merged,
        "rejectedCount": record.rejected_count,
        "listId": record.lead_list_id,
        "message": record.message,
        "waitingForWorker": waiting_for_worker(record) or None,
        "rejectedCsv": reverse("api-import-rejected", args=[record.pk]),
    }
