"""HTML views of skip tracing: the one-lead modal, do-not-call marks, bulk jobs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from billing.selectors import provider_spend_today
from leads.errors import SERVICE_ERRORS, error_answer
from leads.models import BulkTraceJob, Lead
from leads.selection import selected_lead_ids
from leads.selectors import with_contacts
from leads.skiptrace.bulk import (
    BULK_LIMIT,
    bulk_preview,
    bulk_trace_start,
    recover_stalled_jobs,
    visible_jobs,
)
from leads.skiptrace.compliance import owner_mark_do_not_call, phone_mark_do_not_call
from leads.skiptrace.costs import trace_max_cost
from leads.skiptrace.job_status import waiting_for_worker
from leads.skiptrace.services import lead_skip_trace, same_owner_traced
from providers.http import ProviderError
from providers.registry import BATCH


def _lead(lead_id: int) -> Lead:
    return get_object_or_404(with_contacts(Lead.objects.all()), pk=lead_id)


@login_required
def skiptrace_modal(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(lead_id)
    fresh = lead.trace_is_fresh
    context = {
        "lead": lead,
        "fresh": fresh,
        "same_owner": None if fresh else same_owner_traced(lead),
        "cost": trace_max_cost(1),
        "budget": provider_spend_today(BATCH),
        **_row_on_page(request.GET.get("row", "")),
        **_opened_from(request.GET),
    }
    return render(request, "leads/skiptrace_modal.html#confirm", context)


@login_required
@require_POST
def skiptrace_run(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(lead_id)
    context: dict = {**_row_on_page(request.POST.get("row", "")), **_opened_from(request.POST)}
    status = 200
    try:
        outcome = lead_skip_trace(
            lead=lead, user_id=request.user.pk, force=request.POST.get("force") == "1"
        )
        context["outcome"] = outcome
    except SERVICE_ERRORS as exc:
        answer = error_answer(exc)
        context["error"], status = answer.message, answer.status
        context["vendor_failed"] = isinstance(exc, ProviderError)
    context["lead"] = _lead(lead_id)  # as the trace (or its failure) left it
    return render(request, "leads/skiptrace_modal.html#result", context, status=status)


def _opened_from(data: QueryDict) -> dict:
    """Opened over the lead page (`on=lead-page`), the answer also redraws the page's
    contacts and badges (out of band), so the page never says "Not traced yet" after a trace."""
    return {"on_lead_page": data.get("on") == "lead-page"}


# The page the modal opened over names the table row to update (a lead list row has a
# checkbox, a search row has none); the detail page names none.
ROW_KINDS = {"selectable": True, "plain": False}


def _row_on_page(row: str) -> dict:
    if row not in ROW_KINDS:
        return {"row_on_page": False}
    return {"row_on_page": True, "selectable": ROW_KINDS[row], "row": row}


@login_required
@require_POST
def mark_do_not_call(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(lead_id)
    number = request.POST.get("number", "")
    if number:
        if not lead.phones.filter(number=number).exists():
            return HttpResponse("That number is not one of this lead's phones.", status=400)
        phone_mark_do_not_call(number=number, user_id=request.user.pk, reason="marked by agent")
    elif request.POST.get("owner") == "1":
        if request.POST.get("confirm") != "1":  # a person confirms an owner-wide mark first
            context = {"lead": lead, "confirm_owner": True}
            return render(request, "leads/_contacts.html", context)
        try:
            owner_mark_do_not_call(lead=lead, user_id=request.user.pk, reason="marked by agent")
        except ValueError as exc:
            return HttpResponse(str(exc), status=400)
    else:
        return HttpResponse("Say which number, or the owner, to mark.", status=400)
    return render(request, "leads/_contacts.html", {"lead": _lead(lead_id)})


def _selected_ids(request: HttpRequest) -> tuple[list[int], str | None]:
    return selected_lead_ids(request, limit=BULK_LIMIT, action="bulk trace")


@login_required
@require_POST
def bulk_skiptrace_preview(request: HttpRequest) -> HttpResponse:
    ids, error = _selected_ids(request)
    if error:
        return render(request, "leads/bulk_modal.html#error", {"error": error}, status=400)
    context = {"preview": bulk_preview(ids), "ids": ids}
    return render(request, "leads/bulk_modal.html#preview", context)


@login_required
@require_POST
def bulk_skiptrace_start(request: HttpRequest) -> HttpResponse:
    ids, error = _selected_ids(request)
    if error:
        return render(request, "leads/bulk_modal.html#error", {"error": error}, status=400)
    try:
        job = bulk_trace_start(lead_ids=ids, user_id=request.user.pk)
    except SERVICE_ERRORS as exc:
        answer = error_answer(exc)
        context = {"error": answer.message}
        return render(request, "leads/bulk_modal.html#error", context, status=answer.status)
    job.refresh_from_db()  # a worker (or an immediate backend) may have run it already
    return render(request, "leads/bulk_modal.html#progress", _progress_context(job))


@login_required
def bulk_skiptrace_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    recover_stalled_jobs()
    job = get_object_or_404(visible_jobs(request.user), pk=job_id)
    response = render(request, "leads/bulk_modal.html#progress", _progress_context(job))
    if job.finished:
        response["HX-Trigger"] = "bulk-trace-finished"
    return response


def _progress_context(job: BulkTraceJob) -> dict:
    return {"job": job, "waiting": waiting_for_worker(job)}
