"""The skip-trace API: one lead (`POST /api/leads/<id>/skiptrace`) and bulk traces."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from billing.money import micros_to_cents
from leads.errors import SERVICE_ERRORS, error_json, invalid_fields, lead_not_found, not_found
from leads.forms import clean_lead_ids
from leads.models import BulkTraceJob, Lead
from leads.selectors import with_contacts
from leads.serializers import lead_json
from leads.skiptrace.bulk import (
    BULK_LIMIT,
    bulk_preview,
    bulk_trace_start,
    recover_stalled_jobs,
    visible_jobs,
)
from leads.skiptrace.job_status import waiting_for_worker
from leads.skiptrace.services import lead_skip_trace


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def skiptrace(request: HttpRequest, lead_id: int) -> JsonResponse:
    body, error = json_body(request)
    if error:
        return error
    force = body.get("force", False)
    if not isinstance(force, bool):
        return invalid_fields({"force": ["Must be true or false."]})
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return lead_not_found(lead_id)
    try:
        outcome = lead_skip_trace(lead=lead, user_id=request.user.pk, force=force)
    except SERVICE_ERRORS as exc:
        return error_json(exc)
    lead = with_contacts(Lead.objects.filter(pk=lead_id)).get()
    return JsonResponse(
        {
            "lead": lead_json(lead),
            "costCents": micros_to_cents(outcome.cost_micros),
            "reused": outcome.reused,
            "notes": outcome.notes,
        }
    )


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def bulk_preview_api(request: HttpRequest) -> JsonResponse:
    """`POST /api/bulk-traces/preview` `{"leadIds": [...]}`: what a bulk trace would cost."""
    lead_ids, error = _lead_ids(request)
    if error:
        return error
    preview = bulk_preview(lead_ids)
    return JsonResponse(
        {
            "count": preview.count,
            "free": preview.free,
            "toTrace": preview.to_trace,
            "maxCostCents": micros_to_cents(preview.max_cost_micros),
            "maxCostByProviderCents": {
                provider: micros_to_cents(micros)
                for provider, micros in preview.cost.by_provider_micros().items()
            },
            "budgetLeftCents": micros_to_cents(preview.remaining_micros),
        }
    )


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def bulk_start_api(request: HttpRequest) -> JsonResponse:
    """`POST /api/bulk-traces` `{"leadIds": [...]}` → 202 with the job; 409 while BatchData
    is off."""
    lead_ids, error = _lead_ids(request)
    if error:
        return error
    try:
        job = bulk_trace_start(lead_ids=lead_ids, user_id=request.user.pk)
    except SERVICE_ERRORS as exc:
        return error_json(exc)
    job.refresh_from_db()
    return JsonResponse(bulk_job_json(job), status=202)


@require_GET
@api_login_required
def bulk_job_api(request: HttpRequest, job_id: int) -> JsonResponse:
    """`GET /api/bulk-traces/<id>`: a job's progress; agents see their own jobs only."""
    recover_stalled_jobs()
    job = visible_jobs(request.user).filter(pk=job_id).first()
    if job is None:
        return not_found(f"No bulk trace {job_id}.")
    return JsonResponse(bulk_job_json(job))


def _lead_ids(request: HttpRequest) -> tuple[list[int], JsonResponse | None]:
    body, error = json_body(request)
    if error:
        return [], error
    try:
        return clean_lead_ids(body.get("leadIds"), limit=BULK_LIMIT), None
    except ValidationError as exc:
        return [], invalid_fields({"leadIds": exc.messages})


def bulk_job_json(job: BulkTraceJob) -> dict[str, object]:
    return {
        "id": job.pk,
        "status": job.status,
        "total": job.total,
        "processed": job.processed,
        "matched": job.matched,
        "noMatch": job.no_match,
        "errors": job.errors,
        "reused": job.reused,
        "requests": job.requests,
        "costCents": micros_to_cents(job.cost_micros),
        "message": job.message,
        "waitingForWorker": waiting_for_worker(job) or None,
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
    }
