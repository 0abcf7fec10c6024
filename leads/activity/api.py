"""The timeline and tasks API: notes, events, tasks of a lead, the task list, done."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from leads.activity.followups import task_create, task_set_done, tasks_listed
from leads.activity.forms import NoteForm, TaskForm, TaskListForm, string_fields
from leads.activity.models import FollowUpTask
from leads.activity.serializers import activity_json, note_json, task_json
from leads.activity.services import TIMELINE_LIMIT, lead_timeline, note_add
from leads.errors import invalid_fields, invalid_request, lead_not_found, not_found
from leads.models import Lead

MAX_TIMELINE_LIMIT = 1000


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def notes(request: HttpRequest, lead_id: int) -> JsonResponse:
    """`POST /api/leads/<id>/notes` `{"text"}` → 201 with the note."""
    body, error = json_body(request)
    if error:
        return error
    if wrong := string_fields(body, ("text",)):
        return invalid_fields(wrong)
    if not Lead.objects.filter(pk=lead_id).exists():
        return lead_not_found(lead_id)
    form = NoteForm(body)
    if not form.is_valid():
        return invalid_request(form)
    note = note_add(lead_id=lead_id, user_id=request.user.pk, text=form.cleaned_data["text"])
    note.user = request.user  # type: ignore[assignment]
    return JsonResponse(note_json(note), status=201)


@require_GET
@api_login_required
def activity(request: HttpRequest, lead_id: int) -> JsonResponse:
    """`GET /api/leads/<id>/activity` → `{"events": [...]}`, newest first (`limit`, ≤ 1,000)."""
    if not Lead.objects.filter(pk=lead_id).exists():
        return lead_not_found(lead_id)
    raw = request.GET.get("limit", "")
    if raw and not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_TIMELINE_LIMIT):
        return invalid_fields({"limit": [f"A whole number from 1 to {MAX_TIMELINE_LIMIT}."]})
    events = lead_timeline(lead_id, limit=int(raw) if raw else TIMELINE_LIMIT)
    return JsonResponse({"events": [activity_json(event) for event in events]})


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def lead_tasks(request: HttpRequest, lead_id: int) -> JsonResponse:
    """`POST /api/leads/<id>/tasks` `{"title", "due", "assignee"}` → 201 with the task.

    Without `assignee` the task is the caller's; `null` leaves it unassigned."""
    body, error = json_body(request)
    if error:
        return error
    if wrong := string_fields(body, ("title", "due", "assignee")):
        return invalid_fields(wrong)
    if not Lead.objects.filter(pk=lead_id).exists():
        return lead_not_found(lead_id)
    data = {**body, "assignee": body.get("assignee", request.user.get_username()) or ""}
    form = TaskForm(data, user=request.user)
    if not form.is_valid():
        return invalid_request(form)
    task = task_create(
        lead_id=lead_id,
        title=form.cleaned_data["title"],
        due=form.cleaned_data["due"],
        assignee_id=form.cleaned_data["assignee"],
        user_id=request.user.pk,
    )
    return JsonResponse(
        task_json(FollowUpTask.objects.select_related("assignee").get(pk=task.pk)), status=201
    )


@require_GET
@api_login_required
def tasks(request: HttpRequest) -> JsonResponse:
    """`GET /api/tasks?due=today|overdue|upcoming&assignee=me&includeDone=true`."""
    form = TaskListForm(request.GET, user=request.user)
    if not form.is_valid():
        return invalid_request(form)
    return JsonResponse({"tasks": [task_json(task) for task in tasks_listed(form.task_filters())]})


@csrf_exempt_for_tokens
@require_http_methods(["POST"])
@api_login_required
def task_done(request: HttpRequest, task_id: int) -> JsonResponse:
    """`POST /api/tasks/<id>/done` (body `{"done": false}` opens it again) → the task."""
    body, error = json_body(request)
    if error:
        return error
    done = body.get("done", True)
    if not isinstance(done, bool):
        return invalid_fields({"done": ["Must be true or false."]})
    task = FollowUpTask.objects.select_related("assignee").filter(pk=task_id).first()
    if task is None:
        return not_found(f"No task {task_id}.")
    task_set_done(task=task, done=done, user_id=request.user.pk)
    return JsonResponse(task_json(task))
