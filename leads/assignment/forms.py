from __future__ import annotations

from typing import Any

from django import forms

from leads.forms import NOBODY, assignee_choices, resolve_assignee


class AssignForm(forms.Form):
    """Who gets the chosen leads: a username or `me`; `none` (or blank) takes them back."""

    assignee = forms.CharField(
        required=False,
        max_length=150,
        widget=forms.Select(choices=assignee_choices),  # type: ignore[arg-type]  # read when rendered
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_assignee(self) -> int | None:
        assignee = resolve_assignee(self.cleaned_data.get("assignee") or "", self.user)
        return assignee if isinstance(assignee, int) and assignee != NOBODY else None
