"""Assigning leads to an agent, one or many at once, each change on the lead's timeline."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from leads.activity.services import leads_activity_record
from leads.models import ActivityKind, Lead

ASSIGN_LIMIT = 5_000  # leads in one request


def leads_assign(*, lead_ids: Sequence[int], assignee_id: int | None, user_id: int | None) -> int:
    """Give these leads to `assignee_id` (None: nobody). Returns how many leads exist among
    the ids (all now assigned so); only those whose assignee changed get a timeline row."""
    with transaction.atomic():
        leads = Lead.objects.filter(pk__in=list(lead_ids))
        count = leads.count()
        if assignee_id is None:
            changing = leads.filter(assigned_to__isnull=False)
        else:
            changing = leads.exclude(assigned_to_id=assignee_id)
        changed = list(changing.values_list("pk", flat=True))
        Lead.objects.filter(pk__in=changed).update(
            assigned_to_id=assignee_id, updated_at=timezone.now()
        )
        name = _username(assignee_id)
        leads_activity_record(
            lead_ids=changed,
            kind=ActivityKind.ASSIGNED,
            user_id=user_id,
            text=f"Assigned to {name}" if name else "Unassigned",
            data={"assignee": name},
        )
    return count


def _username(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first()
