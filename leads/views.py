"""HTML pages. Each view: access check → bind a form → call a service → render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from leads.activity.context import lead_work_context
from leads.forms import LeadFilterForm, active_agents, without_unknown_sort
from leads.htmx import partial_template
from leads.lead_contacts import leads_with_contacts
from leads.models import Lead
from leads.scoring.services import score_reason_strings
from leads.selectors import leads_filtered, leads_sorted, page_of


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


def lead_or_404(lead_id: int) -> Lead:
    """The lead with its contacts (`leads_with_contacts`), or 404."""
    found = leads_with_contacts([lead_id])
    if not found:
        raise Http404("No such lead.")
    return found[0]


@login_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_or_404(lead_id)
    context = {
        "score_reasons": score_reason_strings(lead),
        **lead_work_context(lead),
    }
    return render(request, "leads/detail.html", context)
