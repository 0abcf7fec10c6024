"""Assigning from the Leads table (ticked rows or all matching) and from a lead's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from leadflow.forms import form_error_text
from leads.assignment.forms import AssignForm
from leads.assignment.services import ASSIGN_LIMIT, leads_assign
from leads.htmx import is_htmx
from leads.models import Lead
from leads.selection import selected_lead_ids

# The Leads table reloads its rows on this event (see list.html).
ASSIGNED_EVENT = "leads-assigned"


@login_required
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    form = AssignForm(request.POST, user=request.user)
    ids, error = selected_lead_ids(request, limit=ASSIGN_LIMIT, action="assignment")
    if error is None and not form.is_valid():
        error = form_error_text(form)
    message = error
    if error is None:
        count = leads_assign(
            lead_ids=ids, assignee_id=form.cleaned_data["assignee"], user_id=request.user.pk
        )
        message = f"Assigned {count} lead{'s' if count != 1 else ''}."
    if not is_htmx(request):
        (messages.error if error else messages.success)(request, message or "")
        return redirect(_back_to(request))
    context = {"assign_message": message, "assign_failed": error is not None}
    response = render(
        request, "leads/list.html#assign-status", context, status=400 if error else 200
    )
    if error is None:
        response["HX-Trigger"] = ASSIGNED_EVENT
    return response


def _back_to(request: HttpRequest) -> str:
    """A lead's page when one lead was assigned from it, else the Leads table."""
    page_of = request.POST.get("lead_page", "")
    if page_of.isascii() and page_of.isdigit() and Lead.objects.filter(pk=int(page_of)).exists():
        return reverse("lead-detail", args=[int(page_of)])
    return f"{reverse('lead-list')}?{request.POST.get('filter', '')}"
