"""The lead page's notes, tasks and timeline (htmx, no reload), and the "My tasks" page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from leads.activity.context import lead_work_context
from leads.activity.followups import (
    TaskFilters,
    is_overdue,
    task_create,
    task_set_done,
    tasks_listed,
)
from leads.activity.forms import NoteForm, TaskForm, TaskListForm
from leads.activity.models import FollowUpTask
from leads.activity.services import note_add
from leads.htmx import is_htmx
from leads.models import Lead


def _work_answer(request: HttpRequest, lead: Lead, status: int = 200, **forms: Any) -> HttpResponse:
    if not is_htmx(request):
        return redirect(reverse("lead-detail", args=[lead.pk]) + "#work")
    return render(
        request, "leads/detail.html#work", lead_work_context(lead, **forms), status=status
    )


@login_required
@require_POST
def note_create(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=lead_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _work_answer(request, lead, status=400, note_form=form)
    note_add(lead_id=lead.pk, user_id=request.user.pk, text=form.cleaned_data["text"])
    return _work_answer(request, lead)


@login_required
@require_POST
def task_create_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=lead_id)
    form = TaskForm(request.POST, user=request.user)
    if not form.is_valid():
        return _work_answer(request, lead, status=400, task_form=form)
    data = form.cleaned_data
    task_create(
        lead_id=lead.pk, title=data["title"], due=data["due"], assignee_id=data["assignee"],
        user_id=request.user.pk,
    )  # fmt: skip
    return _work_answer(request, lead)


@login_required
@require_POST
def task_toggle(request: HttpRequest, task_id: int) -> HttpResponse:
    """Done / undone, from the lead page (answers its work region) or the tasks page."""
    task = get_object_or_404(FollowUpTask.objects.select_related("lead"), pk=task_id)
    task_set_done(task=task, done=request.POST.get("done", "1") == "1", user_id=request.user.pk)
    if request.POST.get("from") == "lead":
        return _work_answer(request, task.lead)
    if not is_htmx(request):
        return redirect(reverse("tasks") + "?" + request.POST.get("filter", ""))
    return render(
        request,
        "leads/tasks.html#task-list",
        _tasks_context(request, request.POST.get("filter", "")),
    )


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """Overdue and today's tasks first, then the upcoming ones; mine unless asked otherwise."""
    context = _tasks_context(request, request.GET.urlencode())
    status = 400 if context["form"].errors else 200
    template = "leads/tasks.html#task-list" if is_htmx(request) else "leads/tasks.html"
    return render(request, template, context, status=status)


def _tasks_context(request: HttpRequest, query: str) -> dict[str, Any]:
    data = QueryDict(query, mutable=True)
    data.setdefault("assignee", "me")
    form = TaskListForm(data, user=request.user)
    filters = form.task_filters() if form.is_valid() else TaskFilters(assignee_id=request.user.pk)
    tasks = list(tasks_listed(filters))
    today = timezone.localdate()
    return {
        "form": form,
        "filter_query": data.urlencode(),
        "groups": [
            ("Overdue", [t for t in tasks if is_overdue(t)]),
            ("Today", [t for t in tasks if t.due == today]),
            ("Upcoming", [t for t in tasks if t.due > today]),
            ("Done earlier", [t for t in tasks if t.done and t.due < today]),
        ],
        "count": len(tasks),
    }
