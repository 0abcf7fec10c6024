"""The search API: `GET /api/search`."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from accounts.auth import api_login_required
from accounts.permissions import SEARCH_ATTOM, permitted
from billing.money import format_dollars, micros_to_cents
from leads.errors import SERVICE_ERRORS, error_json, invalid_request
from leads.search.cross_site import is_cross_site
from leads.search.forms import SearchForm
from leads.search.services import lead_search, search_needs_confirming
from leads.serializers import lead_json


@require_GET
@api_login_required
def search(request: HttpRequest) -> JsonResponse:
    if is_cross_site(request):
        return JsonResponse(
            {"error": "cross_site_request", "message": "A search cannot be run from another site."},
            status=403,
        )
    form = SearchForm(request.GET)
    if not form.is_valid():
        return invalid_request(form)
    try:
        query = form.search_query(attom_by_default=permitted(request.user.pk, SEARCH_ATTOM))
        most = None if form.confirmed else search_needs_confirming(query)
        if most is not None:
            return confirmation_required(most)
        outcome = lead_search(query=query, user_id=request.user.pk)
    except SERVICE_ERRORS as exc:
        return error_json(exc)
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


def confirmation_required(most_micros: int) -> JsonResponse:
    """409: the search may cost more than SEARCH_CONFIRM_ABOVE_MICROS; send it again with
    `confirm=true` to pay up to `maxCostCents`. Nothing was fetched."""
    most = format_dollars(most_micros, up=True)
    return JsonResponse(
        {
            "error": "confirmation_required",
            "maxCostCents": micros_to_cents(most_micros),
            "confirmAboveCents": micros_to_cents(settings.SEARCH_CONFIRM_ABOVE_MICROS),
            "message": f"This search can cost up to {most} at ATTOM; "
            "send it again with confirm=true to run it.",
        },
        status=409,
    )
