"""The JSON API for scripts (and htmx-free clients). Views only validate, call a service
and shape the answer; money and provider rules live in the services."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from billing.errors import cap_exceeded_response
from billing.guard import CapExceeded
from billing.money import micros_to_cents
from leads.forms import LeadFilterForm, SearchForm, form_errors
from leads.models import Lead
from leads.search.services import lead_search
from leads.selectors import leads_filtered, page_of, with_contacts
from leads.serializers import lead_json
from leads.skiptrace.services import LeadBusy, SkipTraceUnavailable, lead_skip_trace
from providers.http import ProviderError


def invalid_request(form) -> JsonResponse:
    return JsonResponse({"error": "invalid_request", "fields": form_errors(form)}, status=400)


def provider_error_response(error: ProviderError) -> JsonResponse:
    return JsonResponse(
        {
            "error": "provider_error",
            "provider": error.provider,
            "message": error.message,
            "retryable": error.retryable,
        },
        status=502,
    )


@require_GET
@api_login_required
def search(request: HttpRequest) -> JsonResponse:
    form = SearchForm(request.GET)
    if not form.is_valid():
        return invalid_request(form)
    try:
        outcome = lead_search(params=form.cleaned_data, user_id=request.user.pk)
    except CapExceeded as exc:
        return cap_exceeded_response(exc)
    except ProviderError as exc:
        return provider_error_response(exc)
    return JsonResponse(
        {
            "leads": [lead_json(lead) for lead in outcome.leads],
            "total": outcome.total,
            "page": outcome.page,
            "pageSize": outcome.page_size,
            "source": outcome.source,
            "cached": outcome.cached,
            "costCents": micros_to_cents(outcome.cost_micros),
            "notes": outcome.notes,
        }
    )


@require_GET
@api_login_required
def lead_index(request: HttpRequest) -> JsonResponse:
    form = LeadFilterForm(request.GET)
    if not form.is_valid():
        return invalid_request(form)
    data = form.cleaned_data
    leads, total = page_of(leads_filtered(data), data["page"], data["pageSize"])
    return JsonResponse(
        {
            "leads": [lead_json(lead) for lead in leads],
            "total": total,
            "page": data["page"],
            "pageSize": data["pageSize"],
        }
    )


@require_GET
@api_login_required
def lead_detail(request: HttpRequest, lead_id: int) -> JsonResponse:
    lead = with_contacts(Lead.objects.filter(pk=lead_id)).first()
    if lead is None:
        return lead_not_found(lead_id)
    return JsonResponse(lead_json(lead))


def lead_not_found(lead_id: int) -> JsonResponse:
    return JsonResponse({"error": "not_found", "message": f"No lead {lead_id}."}, status=404)


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def skiptrace(request: HttpRequest, lead_id: int) -> JsonResponse:
    body, error = json_body(request)
    if error:
        return error
    force = body.get("force", False)
    if not isinstance(force, bool):
        return JsonResponse(
            {"error": "invalid_request", "fields": {"force": ["Must be true or false."]}},
            status=400,
        )
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return lead_not_found(lead_id)
    try:
        outcome = lead_skip_trace(lead=lead, user_id=request.user.pk, force=force)
    except CapExceeded as exc:
        return cap_exceeded_response(exc)
    except SkipTraceUnavailable as exc:
        return JsonResponse(
            {"error": "provider_off", "provider": "batch", "message": str(exc)}, status=409
        )
    except LeadBusy as exc:
        return JsonResponse({"error": "busy", "message": str(exc)}, status=409)
    except ProviderError as exc:
        return provider_error_response(exc)
    lead = with_contacts(Lead.objects.filter(pk=lead_id)).get()
    return JsonResponse(
        {
            "lead": lead_json(lead),
            "costCents": micros_to_cents(outcome.cost_micros),
            "reused": outcome.reused,
            "notes": outcome.notes,
        }
    )
