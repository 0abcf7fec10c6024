"""Merging two leads that turned out to be the same property and owner, keeping agent work."""

from __future__ import annotations

from django.db import transaction

from billing.models import LedgerEntry
from leads.activity.services import move_leads_activity
from leads.models import TRACE_FIELDS, ActivityKind, FollowUpTask, Lead, Stage
from leads.pipeline.services import close_gap
from leads.skiptrace.compliance import refresh_compliance

STAGE_ORDER = {stage: rank for rank, stage in enumerate(Stage.values)}


def _work_done(lead: Lead) -> tuple:
    return (
        lead.stage != Stage.NEW,
        lead.activities.filter(kind=ActivityKind.NOTE).exists(),
        lead.skip_traced_at is not None,
        lead.assigned_to_id is not None,
        -lead.pk,
    )


def keeper_of(leads: list[Lead]) -> Lead:
    """The lead that carries the most agent work (the oldest when equal)."""
    return max(leads, key=_work_done)


@transaction.atomic
def merge_leads(*, keeper: Lead, duplicate: Lead) -> Lead:
    """Fold `duplicate` into `keeper`: the timeline (notes included), tasks, contacts, trace,
    flags and ledger rows move; the duplicate is deleted. Nothing an agent wrote is lost."""
    move_leads_activity(keeper_id=keeper.pk, duplicate_id=duplicate.pk)
    FollowUpTask.objects.filter(lead=duplicate).update(lead=keeper)
    _move_wrong_numbers(keeper, duplicate)
    vacated = (duplicate.stage, duplicate.position)
    if keeper.stage == Stage.NEW and duplicate.stage != Stage.NEW:
        vacated = (keeper.stage, keeper.position)
        keeper.stage, keeper.position = duplicate.stage, duplicate.position
    keeper.assigned_to_id = keeper.assigned_to_id or duplicate.assigned_to_id
    keeper.do_not_call = keeper.do_not_call or duplicate.do_not_call
    if _newer_trace(duplicate, keeper):
        keeper.phones.all().delete()
        keeper.emails.all().delete()
        duplicate.phones.update(lead=keeper)
        duplicate.emails.update(lead=keeper)
        for name in TRACE_FIELDS:
            setattr(keeper, name, getattr(duplicate, name))
    keeper.skip_trace_cost_micros += duplicate.skip_trace_cost_micros
    keeper.ai_cost_micros += duplicate.ai_cost_micros
    LedgerEntry.objects.filter(lead=duplicate).update(lead=keeper)
    duplicate.delete()
    keeper.save()
    stage, position = vacated
    close_gap(stage, position)
    if keeper.stage == stage and keeper.position > position:
        keeper.position -= 1  # moved up with the rest of its column
    return refresh_compliance(keeper)


def _move_wrong_numbers(keeper: Lead, duplicate: Lead) -> None:
    known = keeper.wrong_numbers.values("number")
    duplicate.wrong_numbers.filter(number__in=known).delete()
    duplicate.wrong_numbers.update(lead=keeper)


def _newer_trace(candidate: Lead, current: Lead) -> bool:
    if candidate.skip_traced_at is None:
        return False
    return current.skip_traced_at is None or candidate.skip_traced_at > current.skip_traced_at
