"""Follow-up tasks: create, mark done or undone, list by due date, count what is overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from leads.activity.models import ActivityKind, FollowUpTask
from leads.activity.services import lead_activity_record

DUE_CHOICES = ("today", "overdue", "upcoming")


def task_create(
    *, lead_id: int, title: str, due: dt.date, assignee_id: int | None, user_id: int | None
) -> FollowUpTask:
    task = FollowUpTask.objects.create(
        lead_id=lead_id, title=title, due=due, assignee_id=assignee_id, created_by_id=user_id
    )
    lead_activity_record(
        lead_id=lead_id,
        kind=ActivityKind.TASK_CREATED,
        user_id=user_id,
        text=f"{title} (due {due.isoformat()})",
        data={"taskId": task.pk},
    )
    return task


def task_set_done(*, task: FollowUpTask, done: bool, user_id: int | None) -> FollowUpTask:
    """Done (or undone again); marking done twice records it once."""
    if task.done == done:
        return task
    task.done, task.done_at = done, timezone.now() if done else None
    task.save(update_fields=["done", "done_at"])
    if done:
        lead_activity_record(
            lead_id=task.lead_id,
            kind=ActivityKind.TASK_DONE,
            user_id=user_id,
            text=task.title,
            data={"taskId": task.pk},
        )
    return task


@dataclass(frozen=True)
class TaskFilters:
    due: str = ""  # "today", "overdue", "upcoming" or "" (any)
    assignee_id: int | None = None
    unassigned: bool = False
    include_done: bool = False


def tasks_listed(filters: TaskFilters) -> QuerySet[FollowUpTask]:
    """Open tasks (all with `include_done`), soonest due first, with their lead and assignee."""
    tasks = FollowUpTask.objects.select_related("lead", "assignee")
    today = timezone.localdate()
    if filters.due == "today":
        tasks = tasks.filter(due=today)
    elif filters.due == "overdue":
        tasks = tasks.filter(due__lt=today)
    elif filters.due == "upcoming":
        tasks = tasks.filter(due__gt=today)
    if filters.assignee_id is not None:
        tasks = tasks.filter(assignee_id=filters.assignee_id)
    elif filters.unassigned:
        tasks = tasks.filter(assignee__isnull=True)
    if not filters.include_done:
        tasks = tasks.filter(done=False)
    return tasks.order_by("due", "id")


def overdue_count(user_id: int) -> int:
    return FollowUpTask.objects.filter(
        assignee_id=user_id, done=False, due__lt=timezone.localdate()
    ).count()


def next_tasks(lead_ids: Iterable[int]) -> dict[int, FollowUpTask]:
    """Each lead's next open task (soonest due): one query for any number of leads."""
    ids = list(lead_ids)
    if not ids:
        return {}
    first: dict[int, FollowUpTask] = {}
    for task in FollowUpTask.objects.filter(lead_id__in=ids, done=False).order_by(
        "lead_id", "due", "id"
    ):
        first.setdefault(task.lead_id, task)
    return first


def is_overdue(task: FollowUpTask) -> bool:
    return not task.done and task.due < timezone.localdate()
