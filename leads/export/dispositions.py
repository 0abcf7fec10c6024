"""Importing a dialer's call results: each call on its lead's timeline, each disposition's
action applied (do-not-call, wrong number, Dead, Follow-up with a task), nothing twice.

Rows are matched to leads by phone, whatever its format (→ E.164). A row that matches no lead
is reported with the reason, never dropped. The file's SHA-256 is unique: the same file again
answers `duplicateOf` and changes nothing. The whole import is one transaction, so a failure
part-way leaves nothing half applied (and the file can simply be sent again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from leads.activity.followups import task_create
from leads.activity.services import lead_activity_record
from leads.export.disposition_csv import CallRow, call_rows, call_time, decode
from leads.export.models import DispositionAction, DispositionImport, DispositionRule
from leads.labels import normalize_label
from leads.models import ActivityKind, Lead, Phone, Stage
from leads.phones import normalize_phone
from leads.pipeline.services import lead_move
from leads.skiptrace.compliance import phone_mark_do_not_call, phone_mark_wrong

# The mapping a new install starts with (a data migration puts the same rows in admin); a rule
# an admin saved wins over these.
DEFAULT_RULES: dict[str, tuple[str, bool]] = {
    "do not call": (DispositionAction.DO_NOT_CALL, False),
    "dnc": (DispositionAction.DO_NOT_CALL, False),
    "wrong number": (DispositionAction.WRONG_NUMBER, False),
    "not interested": (DispositionAction.DEAD, True),
    "interested": (DispositionAction.FOLLOW_UP, True),
    "appointment": (DispositionAction.FOLLOW_UP, True),
    "appointment set": (DispositionAction.FOLLOW_UP, True),
    "callback": (DispositionAction.NONE, True),
    "no answer": (DispositionAction.NONE, False),
    "voicemail": (DispositionAction.NONE, False),
    "left message": (DispositionAction.NONE, False),
    "busy": (DispositionAction.NONE, False),
}


@dataclass
class ImportResult:
    rows: int = 0
    matched: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    do_not_call: int = 0
    wrong_numbers: int = 0
    stage_moves: int = 0
    tasks_created: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    unknown_labels: set[str] = field(default_factory=set)
    import_id: int | None = None
    duplicate_of: int | None = None

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "id": self.import_id,
            "rows": self.rows,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "doNotCall": self.do_not_call,
            "wrongNumbers": self.wrong_numbers,
            "stageMoves": self.stage_moves,
            "tasksCreated": self.tasks_created,
            "warnings": self.warnings,
            "unknownDispositions": sorted(self.unknown_labels),
        }
        if self.duplicate_of is not None:
            answer["duplicateOf"] = self.duplicate_of
        return answer


def dispositions_import(
    *, data: bytes, preset: str, user_id: int | None, file_name: str = ""
) -> ImportResult:
    """Import one call-results file (raises DispositionFileError when it cannot be read)."""
    digest = hashlib.sha256(data).hexdigest()
    earlier = DispositionImport.objects.filter(sha256=digest).first()
    if earlier is not None:
        return _duplicate(earlier)
    rows = list(call_rows(decode(data), preset))
    try:
        with transaction.atomic():
            record = DispositionImport.objects.create(
                sha256=digest, preset=preset, file_name=file_name[:255], user_id=user_id
            )
            result = _apply(rows, record=record, user_id=user_id)
            record.rows, record.matched = result.rows, result.matched
            record.result = result.as_json()
            record.save(update_fields=["rows", "matched", "result"])
    except IntegrityError:
        # The same file, imported by someone else a moment ago.
        return _duplicate(DispositionImport.objects.get(sha256=digest))
    return result


def _duplicate(earlier: DispositionImport) -> ImportResult:
    return ImportResult(rows=earlier.rows, import_id=earlier.pk, duplicate_of=earlier.pk)


def _apply(rows: list[CallRow], *, record: DispositionImport, user_id: int | None) -> ImportResult:
    result = ImportResult(rows=len(rows), import_id=record.pk)
    numbers = {row.row: normalize_phone(row.phone) for row in rows}
    holders = _leads_by_number(n for n in numbers.values() if n)
    rules = _rules()
    for row in rows:
        number = numbers[row.row]
        reason = _unmatched_reason(row, number, holders)
        if reason:
            result.unmatched.append({"row": row.row, "reason": reason})
            continue
        assert number is not None
        result.matched += 1
        _apply_call(row, number, holders[number], rules, result, record, user_id)
    return result


def _unmatched_reason(row: CallRow, number: str | None, holders: dict[str, list[Lead]]) -> str:
    if not row.phone:
        return "no phone number"
    if number is None:
        return f"not a phone number: {row.phone[:40]!r}"
    if not row.disposition:
        return "no disposition"
    if number not in holders:
        return f"no lead has {number}"
    return ""


def _leads_by_number(numbers: Iterable[str]) -> dict[str, list[Lead]]:
    """Every lead holding each number (an owner of several properties has them all)."""
    wanted = set(numbers)
    holders: dict[str, list[Lead]] = defaultdict(list)
    phones = Phone.objects.filter(number__in=wanted).select_related("lead").order_by("lead_id")
    for phone in phones:
        holders[phone.number].append(phone.lead)
    return holders


def _rules() -> dict[str, tuple[str, bool]]:
    saved = {r.label: (r.action, r.right_party) for r in DispositionRule.objects.all()}
    return {**DEFAULT_RULES, **saved}


def _apply_call(
    row: CallRow,
    number: str,
    leads: list[Lead],
    rules: dict[str, tuple[str, bool]],
    result: ImportResult,
    record: DispositionImport,
    user_id: int | None,
) -> None:
    label = normalize_label(row.disposition)
    action, right_party = rules.get(label, (DispositionAction.NONE, False))
    if label not in rules:
        result.unknown_labels.add(row.disposition[:100])
    at = call_time(row.time)
    if row.time and at is None:
        result.warnings.append(
            {"row": row.row, "message": f"unreadable time {row.time[:40]!r}; used the import time"}
        )
    for lead in leads:
        _record_call(lead, row, number, action, right_party, at, record, user_id)
    if action == DispositionAction.DO_NOT_CALL:
        phone_mark_do_not_call(number=number, user_id=user_id, reason=f"dialer: {row.disposition}")
        result.do_not_call += 1
    elif action == DispositionAction.WRONG_NUMBER:
        for lead in leads:
            result.wrong_numbers += phone_mark_wrong(
                lead=lead, number=number, user_id=user_id, reason=f"dialer: {row.disposition}"
            )
    elif action in (DispositionAction.DEAD, DispositionAction.FOLLOW_UP):
        for lead in leads:
            _move(lead, action, row, at, result, user_id)


def _record_call(
    lead: Lead,
    row: CallRow,
    number: str,
    action: str,
    right_party: bool,
    at: dt.datetime | None,
    record: DispositionImport,
    user_id: int | None,
) -> None:
    text = f"Called {number}: {row.disposition}"
    if row.agent:
        text += f" (agent {row.agent})"
    if row.notes:
        text += f" — {row.notes}"
    lead_activity_record(
        lead_id=lead.pk,
        kind=ActivityKind.CALLED,
        user_id=user_id,
        text=text[:2000],
        at=at,
        data={
            "number": number, "disposition": row.disposition[:100], "action": action,
            "rightParty": right_party, "agent": row.agent[:100], "importId": record.pk,
        },
    )  # fmt: skip


def _move(
    lead: Lead,
    action: str,
    row: CallRow,
    at: dt.datetime | None,
    result: ImportResult,
    user_id: int | None,
) -> None:
    stage = Stage.DEAD if action == DispositionAction.DEAD else Stage.FOLLOW_UP
    before = Lead.objects.filter(pk=lead.pk).values_list("stage", flat=True).get()
    if before != stage:
        lead_move(
            lead_id=lead.pk, stage=stage, position=0, user_id=user_id,
            reason=f"call: {row.disposition}",
        )  # fmt: skip
        result.stage_moves += 1
    if action == DispositionAction.FOLLOW_UP:
        called = timezone.localtime(at).date() if at else timezone.localdate()
        task_create(
            lead_id=lead.pk,
            title=f"Follow up: {row.disposition}"[:200],
            due=called + dt.timedelta(days=1),
            assignee_id=lead.assigned_to_id or user_id,
            user_id=user_id,
        )
        result.tasks_created += 1
