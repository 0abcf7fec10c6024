"""What a lead page's work region (tasks, timeline, note and task forms) shows."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from leads.activity.forms import NoteForm, TaskForm
from leads.activity.models import FollowUpTask
from leads.activity.services import lead_timeline
from leads.forms import active_agents
from leads.models import Lead


def lead_work_context(
    lead: Lead, *, note_form: NoteForm | None = None, task_form: TaskForm | None = None
) -> dict[str, Any]:
    """What the lead page's work region shows: open tasks, the timeline, the two forms."""
    open_tasks = list(
        FollowUpTask.objects.filter(lead=lead, done=False)
        .select_related("assignee")
        .order_by("due", "id")
    )
    return {
        "lead": lead,
        "timeline": lead_timeline(lead.pk),
        "open_tasks": open_tasks,
        "note_form": note_form or NoteForm(),
        "task_form": task_form or TaskForm(initial={"due": timezone.localdate().isoformat()}),
        "today": timezone.localdate(),
        "agents": active_agents(),
    }
