"""Bulk assignment: `POST /api/leads/assign` `{"leadIds", "assignee"}` → `{"assigned"}`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from leads.activity.forms import string_fields
from leads.assignment.forms import AssignForm
from leads.assignment.services import ASSIGN_LIMIT, leads_assign
from leads.errors import invalid_fields, invalid_request
from leads.forms import clean_lead_ids


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def assign(request: HttpRequest) -> JsonResponse:
    body, error = json_body(request)
    if error:
        return error
    if "assignee" not in body:
        return invalid_fields({"assignee": ["A username, or null to unassign."]})
    if wrong := string_fields(body, ("assignee",)):
        return invalid_fields(wrong)
    try:
        lead_ids = clean_lead_ids(body.get("leadIds"), limit=ASSIGN_LIMIT)
    except ValidationError as exc:
        return invalid_fields({"leadIds": exc.messages})
    form = AssignForm({"assignee": body["assignee"] or ""}, user=request.user)
    if not form.is_valid():
        return invalid_request(form)
    assigned = leads_assign(
        lead_ids=lead_ids, assignee_id=form.cleaned_data["assignee"], user_id=request.user.pk
    )
    return JsonResponse({"assigned": assigned})
