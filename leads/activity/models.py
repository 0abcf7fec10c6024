"""What happened to a lead (the timeline) and what an agent means to do next (tasks).

Activity rows are written by the services that do the things (trace, move, assign, export,
dispositions, do-not-call), never by views, so the timeline and the analytics read one record.
A note is an activity of kind `note`; its row is the note.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ActivityKind(models.TextChoices):
    CREATED = "created", "Created"
    FOUND_AGAIN = "found_again", "Found again"
    SCORED = "scored", "Scored"
    TRACED = "traced", "Skip traced"
    MOVED = "moved", "Moved"
    ASSIGNED = "assigned", "Assigned"
    NOTE = "note", "Note"
    TASK_CREATED = "task_created", "Task created"
    TASK_DONE = "task_done", "Task done"
    EXPORTED = "exported", "Exported"
    CALLED = "called", "Called"
    DO_NOT_CALL = "do_not_call", "Marked do-not-call"


class Activity(models.Model):
    # Indexed by activity_lead_at, which starts with it (one index less to write).
    lead = models.ForeignKey(
        "leads.Lead", related_name="activities", on_delete=models.CASCADE, db_index=False
    )
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    at = models.DateTimeField()  # when it happened (a call's own time for `called`)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.TextField(blank=True)
    cost_micros = models.BigIntegerField(default=0)  # micro-dollars, for `traced`
    # Kind-specific facts the analytics read: {"preset"}, {"disposition", "rightParty", "number"}.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["lead", "-at"], name="activity_lead_at"),
            models.Index(fields=["kind", "at"], name="activity_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on lead {self.lead_id}"


class FollowUpTask(models.Model):
    """A follow-up: a title, a due date, an assignee, done or not."""

    lead = models.ForeignKey("leads.Lead", related_name="tasks", on_delete=models.CASCADE)
    title = models.CharField(max_length=200)
    due = models.DateField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_up_tasks",
    )
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "task"
        ordering = ["due", "id"]
        indexes = [
            models.Index(fields=["assignee", "done", "due"], name="task_assignee_due"),
            models.Index(fields=["lead", "done", "due"], name="task_lead_due"),
        ]

    def __str__(self) -> str:
        return self.title
