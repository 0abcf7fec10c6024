"""Forms of notes and tasks: the JSON API binds them to the body, the pages to the POST."""

from __future__ import annotations

from typing import Any

from django import forms

from leads.activity.followups import DUE_CHOICES, TaskFilters
from leads.forms import NOBODY, AssigneeFilterMixin, TriStateField, resolve_assignee

MAX_NOTE_LENGTH = 10_000


def no_nul(text: str) -> str:
    if "\x00" in text:
        raise forms.ValidationError("Text cannot contain NUL characters.")
    return text


class NoteForm(forms.Form):
    text = forms.CharField(max_length=MAX_NOTE_LENGTH, label="Note")

    def clean_text(self) -> str:
        return no_nul(self.cleaned_data["text"])


class TaskForm(forms.Form):
    """`assignee` is a username (or `me`); blank leaves the task unassigned."""

    title = forms.CharField(max_length=200)
    due = forms.DateField(
        input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"})
    )
    assignee = forms.CharField(required=False, max_length=150)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_title(self) -> str:
        return no_nul(self.cleaned_data["title"])

    def clean_assignee(self) -> int | None:
        assignee = resolve_assignee(self.cleaned_data.get("assignee") or "", self.user)
        if assignee == NOBODY:
            return None
        return assignee if isinstance(assignee, int) else None


class TaskListForm(AssigneeFilterMixin):
    """`GET /api/tasks` and the tasks page: due, assignee (me, none, a username), includeDone."""

    due = forms.ChoiceField(
        required=False, choices=[("", "Any day"), *((d, d) for d in DUE_CHOICES)]
    )
    includeDone = TriStateField(required=False, label="Include done")

    def task_filters(self) -> TaskFilters:
        data = self.cleaned_data
        assignee = data.get("assignee")
        return TaskFilters(
            due=data.get("due") or "",
            assignee_id=assignee if isinstance(assignee, int) else None,
            unassigned=assignee == NOBODY,
            include_done=bool(data.get("includeDone")),
        )


def string_fields(body: dict[str, Any], names: tuple[str, ...]) -> dict[str, list[str]]:
    """Field errors for JSON values that are not strings (a form would turn them into text)."""
    return {
        name: ["Must be a string."]
        for name in names
        if name in body and body[name] is not None and not isinstance(body[name], str)
    }
