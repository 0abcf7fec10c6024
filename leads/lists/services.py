"""Lists: making them, putting leads on and taking them off, and keeping stacked scores true.

A lead an agent removed keeps its membership row with `removed_at` set: refreshes and imports
skip it (`add_found_leads`), only an agent's explicit add puts it back (`list_add_leads`).
Every change of membership rescores the leads it touched with the rules score, whose
stacking reason names the lists; an AI score is left as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import batched

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from leads.bulk_insert import insert_new
from leads.lists.models import LeadList, ListKind, ListMembership
from leads.models import lists_prefetch
from leads.scoring.services import RULES, lead_score_rules, save_rules_scores
from leads.selectors import leads_filtered

BATCH_SIZE = 1000


class ListRejected(Exception):
    """A list operation the server refuses; `code` says why (see `leads.errors`)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Added:
    added: int
    already_on: int


@dataclass(frozen=True)
class Found:
    """What a refresh or an import brought to a list, in leads."""

    new: int
    already_on: int
    removed_skipped: int


def lists_with_counts() -> QuerySet[LeadList]:
    """Every list with `lead_count` (leads on it now), in one query."""
    return LeadList.objects.annotate(
        lead_count=Count("memberships", filter=Q(memberships__removed_at__isnull=True))
    )


def list_create(
    *, name: str, user_id: int | None, kind: str = ListKind.MANUAL, **fields: object
) -> LeadList:
    lead_list = LeadList.objects.create(name=name, kind=kind, created_by_id=user_id, **fields)
    lead_list.lead_count = 0  # type: ignore[attr-defined]  # as lists_with_counts() gives it
    return lead_list


def list_add_leads(*, lead_list: LeadList, lead_ids: Sequence[int]) -> Added:
    """An agent's add: leads not on the list join it, a removed one comes back."""
    ids = list(dict.fromkeys(lead_ids))
    now = timezone.now()
    with transaction.atomic():
        _lock(lead_list)
        rows = dict(
            ListMembership.objects.filter(lead_list=lead_list, lead_id__in=ids).values_list(
                "lead_id", "removed_at"
            )
        )
        back = [pk for pk, removed_at in rows.items() if removed_at is not None]
        fresh = [pk for pk in ids if pk not in rows]
        ListMembership.objects.filter(lead_list=lead_list, lead_id__in=back).update(
            removed_at=None, added_at=now, is_new=False
        )
        _insert(lead_list, fresh, now=now, is_new=False)
        _grew(lead_list, len(back) + len(fresh), now)
        rescore_stacked([*back, *fresh], on_at_least=2)
    return Added(added=len(back) + len(fresh), already_on=len(ids) - len(back) - len(fresh))


def list_remove_leads(*, lead_list: LeadList, lead_ids: Sequence[int]) -> int:
    """Take leads off a list, remembering it, so no refresh or import adds them back."""
    with transaction.atomic():
        _lock(lead_list)
        on_list = ListMembership.objects.filter(
            lead_list=lead_list, lead_id__in=list(lead_ids), removed_at__isnull=True
        )
        removed = list(on_list.values_list("lead_id", flat=True))
        on_list.update(removed_at=timezone.now(), is_new=False)
        rescore_stacked(removed)
    return len(removed)


def add_found_leads(
    *,
    lead_list: LeadList,
    lead_ids: Iterable[int],
    mark_new: bool,
    created: Collection[int] = (),
) -> Found:
    """A refresh's or an import's leads join the list, except those an agent removed. Those
    of them `created` in this transaction are on no list yet: they join without a look-up,
    and nothing stacks."""
    ids = list(dict.fromkeys(lead_ids))
    made = set(created)
    now = timezone.now()
    with transaction.atomic():
        _lock(lead_list)
        rows: dict[int, object] = {}
        for chunk in batched([pk for pk in ids if pk not in made], BATCH_SIZE):
            rows.update(
                ListMembership.objects.filter(lead_list=lead_list, lead_id__in=chunk).values_list(
                    "lead_id", "removed_at"
                )
            )
        removed = sum(1 for pk in ids if rows.get(pk) is not None)
        fresh = [pk for pk in ids if pk not in rows]
        _insert(lead_list, fresh, now=now, is_new=mark_new)
        _grew(lead_list, len(fresh), now)
        rescore_stacked([pk for pk in fresh if pk not in made], on_at_least=2)
    return Found(
        new=len(fresh), already_on=len(ids) - len(fresh) - removed, removed_skipped=removed
    )


def clear_new_marks(lead_list: LeadList) -> int:
    """An agent opened the list: its leads are no longer new to anyone."""
    return ListMembership.objects.filter(lead_list=lead_list, is_new=True).update(is_new=False)


def rescore_stacked(lead_ids: Sequence[int], *, on_at_least: int = 1) -> int:
    """Rules-score again the leads whose lists changed and that are now on `on_at_least`
    lists or more (a lead joining its first list, or leaving its last, has no stacking reason
    before or after); leads with an AI score keep it."""
    rescored = 0
    for chunk in batched(lead_ids, BATCH_SIZE):
        on_lists = _on_lists(chunk, on_at_least)
        if not on_lists:
            continue
        stacked = leads_filtered().filter(pk__in=on_lists, scored_by__in=["", RULES])
        leads = list(stacked.prefetch_related("phones", lists_prefetch()))
        today = timezone.localdate()
        for lead in leads:
            lead_score_rules(lead=lead, save=False, today=today)
        save_rules_scores(leads)
        rescored += len(leads)
    return rescored


def _on_lists(lead_ids: Sequence[int], at_least: int) -> list[int]:
    """The leads of these that are on `at_least` lists or more, counting their memberships
    only (the `min_lists` filter counts every lead's: a scan of all memberships, which an
    import of 100,000 rows made 100 times over a table growing to 100,000)."""
    return list(
        ListMembership.objects.filter(lead_id__in=lead_ids, removed_at__isnull=True)
        .values("lead_id")
        .annotate(lists=Count("lead_list_id"))
        .filter(lists__gte=at_least)
        .values_list("lead_id", flat=True)
    )


def _lock(lead_list: LeadList) -> None:
    """One writer of a list's memberships at a time (a cron refresh and an agent's add)."""
    LeadList.objects.select_for_update().filter(pk=lead_list.pk).values_list("pk").first()


def _insert(
    lead_list: LeadList, lead_ids: Sequence[int], *, now: dt.datetime, is_new: bool
) -> None:
    added_at = ListMembership._meta.get_field("added_at").get_db_prep_save(now, connection)
    insert_new(
        ListMembership,
        ["lead_list", "lead", "added_at", "is_new"],
        ((lead_list.pk, pk, added_at, is_new) for pk in lead_ids),
    )


def _grew(lead_list: LeadList, added: int, now: dt.datetime) -> None:
    if added:
        lead_list.last_grew_at = now
        LeadList.objects.filter(pk=lead_list.pk).update(last_grew_at=now)
