"""The skip-trace API: `POST /api/leads/<id>/skiptrace`."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from billing.money import micros_to_cents
from leads.errors import SERVICE_ERRORS, error_json, invalid_fields, lead_not_found
from leads.models import Lead
from leads.selectors import with_contacts
from leads.serializers import lead_json
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
