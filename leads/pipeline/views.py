"""The pipeline board (Kanban): columns, drag-and-drop moves, and the no-JS move form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from leadflow.forms import MAX_STORED_INT as MAX_INT
from leadflow.forms import form_error_text, whole_number
from leadflow.toasts import Level, add_toast
from leads.assignment.forms import AssignForm
from leads.assignment.services import ASSIGN_LIMIT, leads_assign
from leads.errors import SERVICE_ERRORS, error_answer, error_json, invalid_fields
from leads.forms import active_agents
from leads.htmx import is_htmx, partial_template
from leads.models import Lead, Stage
from leads.pipeline.forms import SHOWN_PREFIX, BoardFilterForm, MoveForm, shown_per_column
from leads.pipeline.services import (
    CARDS_PER_COLUMN,
    board_columns,
    column_cards,
    column_count,
    lead_move,
)
from leads.selectors import with_contacts
from leads.serializers import lead_json


def _board_context(query: QueryDict, user, shown: dict[str, int] | None = None) -> dict:
    """The board for a filter query; `shown` (else the query's `show_<stage>` values) says
    how many cards each column showed, so a re-drawn board loses none of them."""
    form = BoardFilterForm(query, user=user)
    columns = board_columns(form.lead_filters(), shown=shown or shown_per_column(query))
    for column in columns:
        column.more_link = more_link(column.stage, len(column.cards), column.count, query)
    return {
        "form": form,
        "columns": columns,
        "filter_query": query.urlencode(),
        "agents": active_agents(),
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
    # The next "Load more" link adds its own offset and count; repeated ones would win.
    filter_query = request.GET.copy()
    for name in ("offset", SHOWN_PREFIX + stage):
        filter_query.pop(name, None)
    shown = offset + len(cards)
    total = column_count(stage, filters) if len(cards) == CARDS_PER_COLUMN else shown
    context = {
        "cards": cards,
        "more_link": more_link(stage, shown, total, filter_query),
        "filter_query": filter_query.urlencode(),
    }
    return render(request, "leads/_more_cards.html", context)


def more_link(stage: str, shown: int, total: int, query: QueryDict) -> dict | None:
    """A column's "Load more": how many cards the click loads, how many are not shown, the
    htmx URL of those cards and the whole board's URL showing them (without JavaScript)."""
    if total <= shown:
        return None
    count = min(total - shown, CARDS_PER_COLUMN)
    board_query, column_query = query.copy(), query.copy()
    board_query[SHOWN_PREFIX + stage] = str(shown + count)
    column_query.pop(SHOWN_PREFIX + stage, None)
    column_query["offset"] = str(shown)
    return {
        "count": count,
        "more": total - shown,
        "board_url": f"{reverse('pipeline')}?{board_query.urlencode()}",
        "column_url": f"{reverse('pipeline-column', args=[stage])}?{column_query.urlencode()}",
    }


@login_required
@require_POST
def pipeline_move(request: HttpRequest) -> HttpResponse:
    """A drop (or the no-JS form): move, then answer with the whole board re-rendered."""
    form = MoveForm(request.POST)
    error, status, lead = None, 200, None
    if not form.is_valid():
        error, status = "That move is not valid: " + form_error_text(form), 400
    else:
        try:
            lead = lead_move(**form.move_arguments(), user_id=request.user.pk)
        except SERVICE_ERRORS as exc:
            answer = error_answer(exc)
            error, status = answer.message, answer.status
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(f"{reverse('pipeline')}?{request.POST.get('filter', '')}")
    # The board the mover was looking at: its filter travels in the form, not the URL, and
    # how many cards each column showed in the request's show_<stage> values.
    filter_query = QueryDict(request.POST.get("filter", ""))
    shown = shown_per_column(filter_query, request.POST)
    if lead is not None:  # the card that came in must not push the last one out of view
        shown[lead.stage] = shown.get(lead.stage, CARDS_PER_COLUMN) + 1
    context = _board_context(filter_query, request.user, shown) | {"error": error}
    response = render(request, "leads/pipeline.html#board", context, status=status)
    return add_toast(response, _moved_text(lead) if lead else error or "", level=_level(lead))


def _moved_text(lead: Lead) -> str:
    return f"Moved {lead.owner_name or lead.street} to {lead.get_stage_display()}."


def _level(done: object) -> Level:
    return "success" if done else "error"


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
    shown = shown_per_column(filter_query, request.POST)
    context = _board_context(filter_query, request.user, shown) | {"error": error, "notice": notice}
    response = render(request, "leads/pipeline.html#board", context, status=400 if error else 200)
    return add_toast(response, error or notice or "", level=_level(notice))


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
