"""JSON shapes of the timeline, notes and tasks (camelCase keys, like every API answer)."""

from __future__ import annotations

from typing import Any

from leads.activity.models import Activity, FollowUpTask


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def activity_json(event: Activity) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "kind": event.kind,
        "user": _username(event.user),
        "text": event.text,
    }


def note_json(note: Activity) -> dict[str, Any]:
    return {
        "id": note.pk,
        "text": note.text,
        "author": _username(note.user),
        "createdAt": note.at.isoformat(),
    }


def task_json(task: FollowUpTask) -> dict[str, Any]:
    return {
        "id": task.pk,
        "leadId": task.lead_id,
        "title": task.title,
        "due": task.due.isoformat(),
        "assignee": _username(task.assignee),
        "done": task.done,
    }
