"""The search page: area and filters in, leads with their source and cost out."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from accounts.permissions import SEARCH_ATTOM, permitted
from billing.pricing import max_cost_micros
from leads.errors import SERVICE_ERRORS, error_answer
from leads.htmx import partial_template
from leads.search.cross_site import is_cross_site
from leads.search.forms import SearchForm
from leads.search.query import DEFAULT_PAGE_SIZE
from leads.search.services import lead_search, search_needs_confirming, search_price_hint
from providers.modes import OFF, provider_mode
from providers.registry import ATTOM


@login_required
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context = _search_context(request, form)
    status = 200
    if form.is_bound and not form.is_valid():
        context["invalid"], status = True, 400
    elif form.is_bound:
        try:
            may_attom = permitted(request.user.pk, SEARCH_ATTOM)
            query = form.search_query(attom_by_default=may_attom)
            if is_cross_site(request) and query.use_attom:
                # Opened from another site: stored leads only, and a button to run it here.
                query, context["confirm_paid"] = replace(query, use_attom=False), True
            most = None if form.confirmed else search_needs_confirming(query)
            if most is not None:
                # Nothing is fetched until the agent accepts the cost.
                context["confirm_cost_micros"] = most
                return render(
                    request, partial_template(request, "leads/search.html", "results"), context
                )
            outcome = lead_search(query=query, user_id=request.user.pk)
            context.update(outcome=outcome, area_label=query.area.describe())
        except SERVICE_ERRORS as exc:
            answer = error_answer(exc)
            context["error"], status = answer.message, answer.status
    return render(
        request, partial_template(request, "leads/search.html", "results"), context, status=status
    )


@login_required
@require_GET
def search_price(request: HttpRequest) -> HttpResponse:
    """The form's cost hint for the page size and page chosen so far (htmx, on change)."""
    return render(request, "leads/search.html#price-hint", _price_context(SearchForm(request.GET)))


def _price_context(form: SearchForm) -> dict:
    page_size, page = DEFAULT_PAGE_SIZE, 1
    if form.is_bound:
        form.is_valid()  # the hint follows the valid size and page, whatever else is wrong
        data = getattr(form, "cleaned_data", {})
        page_size, page = data.get("pageSize") or page_size, data.get("page") or page
    hint = search_price_hint(page_size, page=page)
    return {
        "price": {
            "record_micros": max_cost_micros(ATTOM, {"records": 1}),
            "max_micros": hint["max_micros"],
            "page_size": page_size,
            "page": page,
            "confirm_above_micros": settings.SEARCH_CONFIRM_ABOVE_MICROS,
        },
        "cache_minutes": settings.CACHE_TTL_SECONDS // 60,
    }


def _search_context(request: HttpRequest, form: SearchForm) -> dict:
    attom_param = request.GET.getlist("attom")
    return {
        "form": form,
        "attom_checked": provider_mode(ATTOM) != OFF
        and permitted(request.user.pk, SEARCH_ATTOM)
        and (not attom_param or attom_param[-1] == "true"),
        **_price_context(form),
    }
