"""HTML pages. Each view: access check → bind a form → call a service → render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers

from leads.activity.context import lead_work_context
from leads.forms import LeadFilterForm, active_agents, without_unknown_sort
from leads.htmx import partial_template
from leads.models import Lead
from leads.scoring.services import score_reason_strings
from leads.selectors import leads_filtered, leads_sorted, page_of, with_contacts


@login_required
@vary_on_headers("HX-Request")
def lead_list(request: HttpRequest) -> HttpResponse:
    query, sort_note = without_unknown_sort(request.GET)
    agents = active_agents()  # the bulk assign menu's, and the assignee filter's
    form = LeadFilterForm(query, user=request.user, agents=agents)
    context: dict = {"form": form, "agents": agents, "sort_note": sort_note}
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        leads = leads_sorted(leads_filtered(form.lead_filters()), data["sort"])
        page = page_of(leads.select_related("assigned_to"), data["page"], data["pageSize"])
        context.update(leads=page.object_list, page_obj=page, sort=data["sort"])
    else:
        status = 400
    return render(
        request, partial_template(request, "leads/list.html", "table"), context, status=status
    )


@login_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = get_object_or_404(with_contacts(Lead.objects.all()), pk=lead_id)
    context = {
        "score_reasons": score_reason_strings(lead),
        **lead_work_context(lead),
    }
    return render(request, "leads/detail.html", context)
