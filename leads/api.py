"""The JSON API for scripts (and htmx-free clients). Views only validate, call a service
and shape the answer; money and provider rules live in the services."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from accounts.auth import api_login_required
from leads.errors import invalid_request, lead_not_found
from leads.forms import LeadFilterForm
from leads.models import Lead
from leads.selectors import leads_filtered, leads_sorted, page_of, with_contacts
from leads.serializers import lead_json


@require_GET
@api_login_required
def lead_index(request: HttpRequest) -> JsonResponse:
    form = LeadFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return invalid_request(form)
    data = form.cleaned_data
    leads = leads_sorted(leads_filtered(form.lead_filters()), data["sort"])
    page = page_of(leads, data["page"], data["pageSize"])
    return JsonResponse(
        {
            "leads": [lead_json(lead) for lead in page.object_list],
            "total": page.paginator.count,
            "page": data["page"],
            "pageSize": data["pageSize"],
            "sort": data["sort"],
        }
    )


@require_GET
@api_login_required
def lead_detail(request: HttpRequest, lead_id: int) -> JsonResponse:
    lead = with_contacts(Lead.objects.filter(pk=lead_id)).first()
    if lead is None:
        return lead_not_found(lead_id)
    return JsonResponse(lead_json(lead))
