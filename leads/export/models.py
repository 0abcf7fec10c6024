"""A record of every export: who, when, which preset, which filters, how many rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from leads.labels import normalize_label


class ExportRecord(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    preset = models.CharField(max_length=20, blank=True)  # "" for the full lead export
    filters = models.JSONField(default=dict, blank=True)  # the request's filter parameters
    scrub = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    leads = models.PositiveIntegerField(default=0)
    files = models.PositiveSmallIntegerField(default=1)
    scrubbed_numbers = models.PositiveIntegerField(default=0)
    scrubbed_leads = models.PositiveIntegerField(default=0)
    scrubbed_by_reason = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.preset or 'full'}, {self.rows} rows)"


class DispositionAction(models.TextChoices):
    NONE = "none", "Only record the call"
    DO_NOT_CALL = "do_not_call", "Put the number on the internal do-not-call list"
    WRONG_NUMBER = "wrong_number", "Mark the number wrong (never the best phone again)"
    DEAD = "dead", "Move the lead to Dead"
    FOLLOW_UP = "follow_up", "Move the lead to Follow-up with a task due the next day"


class DispositionRule(models.Model):
    """What a dialer's disposition label does (admins edit them; labels differ per dialer and
    per account). Labels match case-insensitively, with `_`, `-` and spaces alike."""

    label = models.CharField(max_length=100, unique=True, help_text="e.g. “not interested”.")
    action = models.CharField(
        max_length=20, choices=DispositionAction.choices, default=DispositionAction.NONE
    )
    right_party = models.BooleanField(
        default=False, help_text="The call reached the owner (counts as a right-party contact)."
    )

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        """Stored in the form labels are matched in, so `Not_Interested` is `not interested`."""
        self.label = normalize_label(self.label)


class DispositionImport(models.Model):
    """One call-results file, imported once: the same bytes again change nothing."""

    sha256 = models.CharField(max_length=64, unique=True)
    preset = models.CharField(max_length=20)
    file_name = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    rows = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)  # the API's answer, kept for history
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"dispositions {self.pk} ({self.file_name or self.preset})"
