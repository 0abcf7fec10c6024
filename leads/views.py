"""HTML pages. Each view: access check → bind a form → call a service → render."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers

from billing.errors import cap_message
from billing.guard import CapExceeded
from billing.pricing import unit_price_micros
from leads.forms import LeadFilterForm, SearchForm
from leads.models import Lead
from leads.scoring.services import score_reason_strings
from leads.search.services import lead_search, search_price_hint
from leads.selectors import leads_filtered, page_of, with_contacts
from providers.http import ProviderError
from providers.modes import OFF, provider_mode


def _partial(request: HttpRequest, template: str, partial: str) -> str:
    return f"{template}#{partial}" if request.htmx else template


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
            outcome = lead_search(params=form.cleaned_data, user_id=request.user.pk)
            context.update(outcome=outcome, area_label=form.cleaned_data["area"].describe())
        except CapExceeded as exc:
            context["cap_error"], status = cap_message(exc), 429
        except ProviderError as exc:
            context["provider_error"], status = exc, 502
    return render(
        request, _partial(request, "leads/search.html", "results"), context, status=status
    )


def _search_context(request: HttpRequest, form: SearchForm) -> dict:
    page_size = 25
    if form.is_bound and form.is_valid():
        page_size = form.cleaned_data["pageSize"]
    hint = search_price_hint(page_size)
    attom_param = request.GET.getlist("attom")
    return {
        "form": form,
        "attom_checked": provider_mode("attom") != OFF
        and (not attom_param or attom_param[-1] == "true"),
        "price": {
            "record_micros": unit_price_micros("attom.records"),
            "max_micros": hint["max_micros"],
            "page_size": page_size,
        },
        "cache_minutes": settings.CACHE_TTL_SECONDS // 60,
    }


@login_required
@vary_on_headers("HX-Request")
def lead_list(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET)
    context: dict = {"form": form}
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        leads, total = page_of(leads_filtered(data), data["page"], data["pageSize"])
        context.update(leads=leads, total=total, page=data["page"], page_size=data["pageSize"])
    else:
        status = 400
    return render(request, _partial(request, "leads/list.html", "table"), context, status=status)


@login_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = get_object_or_404(with_contacts(Lead.objects.all()), pk=lead_id)
    return render(
        request, "leads/detail.html", {"lead": lead, "score_reasons": score_reason_strings(lead)}
    )
