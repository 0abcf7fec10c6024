"""Lead lists: hand-made lists, saved searches that refresh, and imported CSV lists.

The models live in the feature's own package and are re-exported by `leads.models`, so the
core (the lead filter, the rules score) reads memberships without importing the feature.
A membership is never deleted when an agent removes a lead: it keeps `removed_at`, so a
refresh knows the lead was taken off on purpose and never adds it back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import models
from django.db.models import Prefetch, Q, QuerySet


class ListKind(models.TextChoices):
    MANUAL = "manual", "Manual"
    SAVED_SEARCH = "saved_search", "Saved search"
    IMPORT = "import", "Import"


class LeadList(models.Model):
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=ListKind.choices, default=ListKind.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_grew_at = models.DateTimeField(null=True, blank=True)
    # A saved search: its query with /api/search's parameter names and value types.
    query = models.JSONField(default=dict, blank=True)
    daily_refresh = models.BooleanField(default=False)
    max_records = models.PositiveIntegerField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    new_since_last_refresh = models.PositiveIntegerField(default=0)
    last_refresh_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ListMembership(models.Model):
    # Indexed by membership_unique, which starts with it (one index less to write).
    lead_list = models.ForeignKey(
        LeadList, related_name="memberships", on_delete=models.CASCADE, db_index=False
    )
    lead = models.ForeignKey(
        "leads.Lead", related_name="list_memberships", on_delete=models.CASCADE
    )
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)  # set: an agent took it off
    is_new = models.BooleanField(default=False)  # added by a refresh, not yet seen on the list

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead_list", "lead"], name="membership_unique")
        ]
        indexes = [
            models.Index(
                fields=["lead", "lead_list"],
                condition=Q(removed_at__isnull=True),
                name="membership_active_by_lead",
            )
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id} on list {self.lead_list_id}"


ACTIVE_MEMBERSHIPS = "active_memberships"  # the prefetch's attribute on a lead


def active_memberships() -> QuerySet[ListMembership]:
    """Memberships an agent has not removed, oldest first, with their lists."""
    return (
        ListMembership.objects.filter(removed_at__isnull=True)
        .select_related("lead_list")
        .order_by("added_at", "pk")
    )


def lists_prefetch() -> Prefetch:
    """Prefetch each lead's lists in one query (see `lists_of`)."""
    return Prefetch("list_memberships", queryset=active_memberships(), to_attr=ACTIVE_MEMBERSHIPS)


def attach_lists(leads: Sequence[models.Model]) -> None:
    """What `lists_prefetch()` gives leads, for leads already read: one query for them all."""
    if not leads:
        return
    by_lead: dict[int, list[ListMembership]] = defaultdict(list)
    for membership in active_memberships().filter(lead_id__in=[lead.pk for lead in leads]):
        by_lead[membership.lead_id].append(membership)
    to_lead = ListMembership._meta.get_field("lead")
    for lead in leads:
        memberships = by_lead.get(lead.pk, [])
        for membership in memberships:
            to_lead.set_cached_value(membership, lead)
        setattr(lead, ACTIVE_MEMBERSHIPS, memberships)


def lists_of(lead: models.Model) -> list[LeadList]:
    """The lists a lead is on, in the order it joined them; prefetched when the caller used
    `lists_prefetch()`, else one query."""
    memberships = getattr(lead, ACTIVE_MEMBERSHIPS, None)
    if memberships is None:
        memberships = list(active_memberships().filter(lead_id=lead.pk))
    return [membership.lead_list for membership in memberships]


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ListImport(models.Model):
    """One CSV import: what it made and what it turned down, by file hash. A large file
    imports in the background: its record counts the rows as they go."""

    lead_list = models.ForeignKey(LeadList, related_name="imports", on_delete=models.CASCADE)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default="done")
    message = models.CharField(max_length=300, blank=True)  # why it failed
    # A background import's file, in the default storage, until it is done.
    upload = models.FileField(upload_to="imports/", blank=True)
    total_rows = models.PositiveIntegerField(default=0)  # about how many data rows it holds
    last_line = models.PositiveIntegerField(default=0)  # the last line read, for a failure
    file_name = models.CharField(max_length=255, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    mapping = models.JSONField(default=dict)  # {"<csv column>": "<field>"}
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    # [{"row": 7, "reason": "…", "cells": [...]}], so the download loses nothing.
    rejected = models.JSONField(default=list, blank=True)
    header = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # its worker's last progress
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A file is imported once; a failed import does not count, so it can run again.
            models.UniqueConstraint(
                fields=["file_sha256"],
                condition=~Q(status="failed"),
                name="list_import_file_once",
            )
        ]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.file_name})"

    @property
    def finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.FAILED}

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(99, self.rows * 100 // self.total_rows) if self.total_rows else 0


class StagedUpload(models.Model):
    """A file between the page's preview and its commit (in the database, so any web
    process can commit what another previewed); deleted on commit, or after a day."""

    file_sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255, blank=True)
    data = models.BinaryField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"staged upload {self.pk} ({self.file_name})"
