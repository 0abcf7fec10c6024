"""The pipeline board (Kanban): columns, drag-and-drop moves, and the no-JS move form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from leadflow.forms import MAX_STORED_INT as MAX_INT
from leadflow.forms import form_error_text, whole_number
from leads.assignment.forms import AssignForm
from leads.assignment.services import ASSIGN_LIMIT, leads_assign
from leads.errors import SERVICE_ERRORS, error_answer, error_json, invalid_fields
from leads.forms import active_agents
from leads.htmx import is_htmx, partial_template
from leads.models import Lead, Stage
from leads.pipeline.forms import BoardFilterForm, MoveForm
from leads.pipeline.services import (
    CARDS_PER_COLUMN,
    board_columns,
    column_cards,
    lead_move,
)
from leads.selectors import with_contacts
from leads.serializers import lead_json


def _board_context(query: QueryDict, user) -> dict:
    form = BoardFilterForm(query, user=user)
    return {
        "form": form,
        "columns": board_columns(form.lead_filters()),
        "stages": Stage.choices,
        "filter_query": query.urlencode(),
        "agents": active_agents(),
        "today": timezone.localdate(),
    }


@login_required
@vary_on_headers("HX-Request")
def pipeline(request: HttpRequest) -> HttpResponse:
    context = _board_context(request.GET, request.user)
    status = 400 if context["form"].errors else 200
    template = partial_template(request, "leads/pipeline.html", "board")
    return render(request, template, context, status=status)


@login_required
def pipeline_column(request: HttpRequest, stage: str) -> HttpResponse:
    if stage not in Stage.values:
        return HttpResponse("Unknown stage.", status=404)
    filters = BoardFilterForm(request.GET, user=request.user).lead_filters()
    try:
        offset = whole_number(request.GET.get("offset", str(CARDS_PER_COLUMN)), minimum=-MAX_INT)
        offset = max(offset, 0)
    except ValueError:
        return HttpResponse("offset must be a number.", status=400)
    cards = column_cards(stage, filters, offset=offset, limit=CARDS_PER_COLUMN)
    # The next "Load more" link adds its own offset; a repeated one would win over it.
    filter_query = request.GET.copy()
    filter_query.pop("offset", None)
    context = {
        "cards": cards,
        "stage": stage,
        "next_offset": offset + len(cards),
        "has_more": len(cards) == CARDS_PER_COLUMN,
        "stages": Stage.choices,
        "filter_query": filter_query.urlencode(),
        "today": timezone.localdate(),
    }
    return render(request, "leads/_more_cards.html", context)


@login_required
@require_POST
def pipeline_move(request: HttpRequest) -> HttpResponse:
    """A drop (or the no-JS form): move, then answer with the whole board re-rendered."""
    form = MoveForm(request.POST)
    error, status = None, 200
    if not form.is_valid():
        error, status = (
            "That move is not valid: " + form_error_text(form),
            400,
        )
    else:
        try:
            lead_move(**form.move_arguments(), user_id=request.user.pk)
        except SERVICE_ERRORS as exc:
            answer = error_answer(exc)
            error, status = answer.message, answer.status
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(f"{reverse('pipeline')}?{request.POST.get('filter', '')}")
    # The board the mover was looking at: its filter travels in the form, not the URL.
    filter_query = QueryDict(request.POST.get("filter", ""))
    context = _board_context(filter_query, request.user) | {"error": error}
    return render(request, "leads/pipeline.html#board", context, status=status)


@login_required
@require_POST
def pipeline_assign(request: HttpRequest) -> HttpResponse:
    """Assign the ticked cards; answer with the board (the one the assigner was looking at)."""
    form = AssignForm(request.POST, user=request.user)
    try:
        ids = [int(v) for v in request.POST.getlist("lead")][: ASSIGN_LIMIT + 1]
    except ValueError:
        ids = []
    error, notice = None, None
    if not ids or len(ids) > ASSIGN_LIMIT:
        error = "Tick the cards to assign first."
    elif not form.is_valid():
        error = form_error_text(form)
    else:
        count = leads_assign(
            lead_ids=ids, assignee_id=form.cleaned_data["assignee"], user_id=request.user.pk
        )
        notice = f"Assigned {count} lead{'s' if count != 1 else ''}."
    if not is_htmx(request):
        (messages.error if error else messages.success)(request, error or notice or "")
        return redirect(f"{reverse('pipeline')}?{request.POST.get('filter', '')}")
    filter_query = QueryDict(request.POST.get("filter", ""))
    context = _board_context(filter_query, request.user) | {"error": error, "notice": notice}
    return render(request, "leads/pipeline.html#board", context, status=400 if error else 200)


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def api_move(request: HttpRequest, lead_id: int) -> JsonResponse:
    body, error = json_body(request)
    if error:
        return error
    stage, position = body.get("stage"), body.get("position", 0)
    if not isinstance(stage, str) or not isinstance(position, int) or isinstance(position, bool):
        return invalid_fields({"stage": ["A stage name."], "position": ["A whole number ≥ 0."]})
    try:
        lead_move(lead_id=lead_id, stage=stage, position=position, user_id=request.user.pk)
    except SERVICE_ERRORS as exc:
        return error_json(exc)
    return JsonResponse(lead_json(with_contacts(Lead.objects.filter(pk=lead_id)).get()))
