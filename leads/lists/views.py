"""The lists pages: the Lists page, a list's page, adding and removing leads, saving a
search as a list and refreshing it, and the overlap of two lists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from leadflow.forms import form_error_text, whole_number
from leadflow.toasts import add_toast
from leads.errors import SERVICE_ERRORS, error_answer
from leads.forms import LeadFilterForm, without_unknown_sort
from leads.htmx import is_htmx, partial_template
from leads.lists.forms import ListForm, RefreshForm, SavedSearchForm, stored_query
from leads.lists.models import LeadList, ListKind, ListMembership
from leads.lists.overlap import list_overlap
from leads.lists.refresh import refresh_plan, saved_search_refresh
from leads.lists.services import (
    clear_new_marks,
    list_add_leads,
    list_create,
    list_remove_leads,
    lists_with_counts,
)
from leads.selection import selected_lead_ids
from leads.selectors import leads_filtered, leads_sorted, page_of

ADD_LIMIT = 10_000  # leads one "Add to list" may put on a list


@login_required
def list_index(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ListForm(request.POST)
        if form.is_valid():
            lead_list = list_create(name=form.cleaned_data["name"], user_id=request.user.pk)
            return redirect("list-detail", lead_list.pk)
    else:
        form = ListForm()
    context = {"lists": lists_with_counts(), "form": form, "all_lists": LeadList.objects.all()}
    return render(request, "leads/lists.html", context, status=400 if form.errors else 200)


@login_required
@vary_on_headers("HX-Request")
def list_detail(request: HttpRequest, list_id: int) -> HttpResponse:
    lead_list = get_object_or_404(lists_with_counts(), pk=list_id)
    query, sort_note = without_unknown_sort(request.GET)
    query = query.copy()
    query["list"] = str(lead_list.pk)
    form = LeadFilterForm(query)
    context: dict = {
        "lead_list": lead_list,
        "form": form,
        "sort_note": sort_note,
        "filter_query": query.urlencode(),
        "imports": list(lead_list.imports.order_by("pk")),
    }
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        leads = leads_sorted(leads_filtered(form.lead_filters()), data["sort"])
        page = page_of(leads, data["page"], data["pageSize"])
        shown = [lead.pk for lead in page.object_list]
        new = ListMembership.objects.filter(lead_list=lead_list, lead_id__in=shown, is_new=True)
        new_ids = set(new.values_list("lead_id", flat=True))
        context.update(sort=data["sort"], page_obj=page, leads=page.object_list, new_ids=new_ids)
        clear_new_marks(lead_list)  # seen by an agent: no longer new on the next visit
    else:
        status = 400
    template = partial_template(request, "leads/list_detail.html", "table")
    return render(request, template, context, status=status)


@login_required
@require_POST
def list_add(request: HttpRequest) -> HttpResponse:
    """ "Add to list" from the Leads table, search results and the lead page."""
    ids, error = selected_lead_ids(request, limit=ADD_LIMIT, action="add to a list")
    lead_list = _chosen_list(request)
    if lead_list is None:
        error = error or "Choose a list, or name a new one."
    if error:
        return _toasted(request, _answer(request, error, ok=False), error, ok=False)
    assert lead_list is not None
    added = list_add_leads(lead_list=lead_list, lead_ids=ids)
    message = f"{added.added} lead{'s' if added.added != 1 else ''} added to {lead_list.name}" + (
        f"; {added.already_on} already on it." if added.already_on else "."
    )
    return _toasted(request, _answer(request, message, ok=True, lead_list=lead_list), message)


def _toasted(
    request: HttpRequest, response: HttpResponse, message: str, *, ok: bool = True
) -> HttpResponse:
    """An htmx answer also says what happened in a toast (a plain post has its message)."""
    return (
        add_toast(response, message, level="success" if ok else "error")
        if is_htmx(request)
        else response
    )


@login_required
@require_POST
def list_remove(request: HttpRequest, list_id: int) -> HttpResponse:
    lead_list = get_object_or_404(LeadList, pk=list_id)
    ids, error = selected_lead_ids(request, limit=ADD_LIMIT, action="removal")
    if error:
        return _answer(request, error, ok=False)
    removed = list_remove_leads(lead_list=lead_list, lead_ids=ids)
    message = f"{removed} lead{'s' if removed != 1 else ''} removed from {lead_list.name}."
    return _answer(request, message, ok=True, lead_list=lead_list, refresh=True)


def _chosen_list(request: HttpRequest) -> LeadList | None:
    name = request.POST.get("new_list", "").strip()[:120]
    if name:
        return list_create(name=name, user_id=request.user.pk)
    try:
        return LeadList.objects.filter(pk=whole_number(request.POST.get("list", ""))).first()
    except ValueError:
        return None


def _answer(
    request: HttpRequest,
    message: str,
    *,
    ok: bool,
    lead_list: LeadList | None = None,
    refresh: bool = False,
) -> HttpResponse:
    """htmx: the status line (and, after a removal, a reload of the table); otherwise back
    to the page the form was on, with the message."""
    if is_htmx(request):
        context = {"message": message, "ok": ok, "lead_list": lead_list}
        response = render(
            request, "leads/list_detail.html#status", context, status=200 if ok else 400
        )
        if refresh:
            response["HX-Trigger"] = "list-changed"
        return response
    (messages.success if ok else messages.error)(request, message)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("list-detail", args=[lead_list.pk]) if lead_list else reverse("lists")
    return redirect(back)


@login_required
@require_POST
def search_save(request: HttpRequest) -> HttpResponse:
    """ "Save as list" on the search results: the search's parameters, stored, not run."""
    form = SavedSearchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The search could not be saved: " + form_error_text(form))
        return redirect(reverse("search") + "?" + _search_params(request.POST).urlencode())
    lead_list = list_create(
        kind=ListKind.SAVED_SEARCH,
        user_id=request.user.pk,
        query=stored_query(_search_params(request.POST).dict()),
        **form.saved_fields(),
    )
    messages.success(request, f"Saved as {lead_list.name}. Refresh it to fill it.")
    return redirect("list-detail", lead_list.pk)


def _search_params(post: QueryDict) -> QueryDict:
    params = post.copy()
    for name in ("csrfmiddlewaretoken", "name", "dailyRefresh", "maxRecords"):
        params.pop(name, None)
    return params


@login_required
@require_POST
def refresh_preview(request: HttpRequest, list_id: int) -> HttpResponse:
    lead_list = get_object_or_404(LeadList, pk=list_id)
    form = RefreshForm(request.POST)
    max_records = form.cleaned_data["maxRecords"] if form.is_valid() else None
    context: dict = {"lead_list": lead_list}
    try:
        context["plan"] = refresh_plan(lead_list, max_records=max_records)
    except SERVICE_ERRORS as exc:
        context["error"] = error_answer(exc).message
    return render(request, partial_template(request, "leads/list_refresh.html", "preview"), context)


@login_required
@require_POST
def refresh_run(request: HttpRequest, list_id: int) -> HttpResponse:
    lead_list = get_object_or_404(LeadList, pk=list_id)
    form = RefreshForm(request.POST)
    max_records = form.cleaned_data["maxRecords"] if form.is_valid() else None
    context: dict = {"lead_list": lead_list}
    status = 200
    try:
        context["result"] = saved_search_refresh(
            lead_list=lead_list, max_records=max_records, user_id=request.user.pk
        )
    except SERVICE_ERRORS as exc:
        answer = error_answer(exc)
        context["error"], status = answer.message, answer.status
    template = partial_template(request, "leads/list_refresh.html", "result")
    return render(request, template, context, status=status)


@login_required
def overlap(request: HttpRequest) -> HttpResponse:
    lists = LeadList.objects.all()
    chosen = {key: lists.filter(pk=request.GET.get(key) or 0).first() for key in ("a", "b")}
    context: dict = {"all_lists": lists, **chosen}
    if chosen["a"] and chosen["b"]:
        context["overlap"] = list_overlap(chosen["a"], chosen["b"])
        page = page_of(context["overlap"].both, _page(request), 25)
        context.update(page_obj=page, leads=page.object_list)
    return render(request, "leads/list_overlap.html", context)


def _page(request: HttpRequest) -> int:
    try:
        return max(whole_number(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1
