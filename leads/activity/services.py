"""The timeline: one row per thing that happened to a lead, written by the service that did it.

`lead_activity_record` is for one lead, `leads_activity_record` for a batch (a bulk trace, an
export, an import) in a few INSERTs. Both join the caller's transaction, so an event is on the
timeline exactly when what it describes was committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from leads.activity.models import Activity, ActivityKind
from leads.bulk_insert import insert_appended, prepared_rows

TIMELINE_LIMIT = 200


def lead_activity_record(
    *,
    lead_id: int,
    kind: ActivityKind | str,
    user_id: int | None = None,
    text: str = "",
    cost_micros: int = 0,
    data: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Activity:
    return Activity.objects.create(
        lead_id=lead_id,
        kind=kind,
        user_id=user_id,
        text=text,
        cost_micros=cost_micros,
        data=dict(data or {}),
        at=at or timezone.now(),
    )


def leads_activity_record(
    *,
    lead_ids: Iterable[int],
    kind: ActivityKind | str,
    user_id: int | None = None,
    text: str = "",
    data: Mapping[str, Any] | None = None,
    costs: Mapping[int, int] | None = None,
    at: dt.datetime | None = None,
) -> int:
    """The same event on many leads; `costs` gives a lead's own cost in micro-dollars. What
    the rows share is prepared for the database once (a search or an import writes one such
    row per lead)."""
    when, facts = at or timezone.now(), dict(data or {})
    [shared] = prepared_rows(Activity, ACTIVITY_FIELDS, [(0, kind, user_id, text, 0, facts, when)])
    _, kind_value, user_value, text_value, _, data_value, at_value = shared
    rows = [
        (lead_id, kind_value, user_value, text_value, (costs or {}).get(lead_id, 0), data_value,
         at_value)
        for lead_id in lead_ids
    ]  # fmt: skip
    insert_appended(Activity, ACTIVITY_FIELDS, rows)
    return len(rows)


ACTIVITY_FIELDS = ("lead", "kind", "user", "text", "cost_micros", "data", "at")


def activities_insert(rows: Iterable[tuple[Any, ...]]) -> int:
    """Many events at once, each `(lead_id, kind, user_id, text, cost_micros, data, at)`:
    one executemany statement per batch (a bulk import writes one or two per lead, and
    `bulk_create` compiles each value on its own)."""
    prepared = prepared_rows(Activity, ACTIVITY_FIELDS, rows)
    insert_appended(Activity, ACTIVITY_FIELDS, prepared)
    return len(prepared)


def lead_timeline(lead_id: int, *, limit: int = TIMELINE_LIMIT) -> list[Activity]:
    """Newest first, with each event's user: one query however long the timeline."""
    return list(timeline_rows(lead_id)[:limit])


def timeline_rows(lead_id: int) -> QuerySet[Activity]:
    return Activity.objects.filter(lead_id=lead_id).select_related("user").order_by("-at", "-id")


def note_add(*, lead_id: int, user_id: int | None, text: str) -> Activity:
    return lead_activity_record(lead_id=lead_id, kind=ActivityKind.NOTE, user_id=user_id, text=text)


def move_leads_activity(*, keeper_id: int, duplicate_id: int) -> None:
    """A merge keeps what happened to both leads (call in the merge's transaction)."""
    Activity.objects.filter(lead_id=duplicate_id).update(lead_id=keeper_id)
