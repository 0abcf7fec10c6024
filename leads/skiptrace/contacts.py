"""Writing what a skip trace found onto a lead: phones, e-mails and the owner's flags."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import F
from django.utils import timezone

from leadflow.text import counted
from leads.activity.services import leads_activity_record
from leads.bulk_insert import insert_new, prepared_rows
from leads.models import TRACE_FIELDS, ActivityKind, Email, Lead, Phone, SkipTraceStatus
from leads.skiptrace.compliance import apply_do_not_call_list
from providers.batchdata import SkipTraceMatch, SkipTraceRequest

PHONE_COLUMNS = (
    "lead", "number", "line_type", "carrier", "score", "reachable", "tested", "dnc", "litigator",
    "dnc_checked_at", "do_not_call", "wrong_number", "valid", "line_type_checked_at", "source",
    "rank",
)  # fmt: skip
EMAIL_COLUMNS = ("lead", "email", "tested", "rank")


def skip_trace_request(lead: Lead) -> SkipTraceRequest:
    person = not lead.corporate_owner and bool(lead.owner_last_name)
    mailing = all((lead.mailing_street, lead.mailing_city, lead.mailing_state, lead.mailing_zip))
    return SkipTraceRequest(
        request_id=str(lead.pk),
        street=" ".join(filter(None, (lead.street, lead.unit))),
        city=lead.city.title(),
        state=lead.state,
        zip=lead.zip_code,
        first_name=lead.owner_first_name.title() if person and lead.owner_first_name else None,
        last_name=lead.owner_last_name.title() if person else None,
        mailing_street=lead.mailing_street if mailing else None,
        mailing_city=lead.mailing_city if mailing else None,
        mailing_state=lead.mailing_state if mailing else None,
        mailing_zip=lead.mailing_zip if mailing else None,
    )


def store_match(
    lead: Lead,
    match: SkipTraceMatch,
    *,
    cost_micros: int,
    provider: str,
    user_id: int | None = None,
) -> None:
    """Replace the lead's traced contacts with this answer (call inside a transaction)."""
    store_matches([(lead, match, cost_micros)], provider=provider, user_id=user_id)
    lead.refresh_from_db()


def store_matches(
    answers: Sequence[tuple[Lead, SkipTraceMatch, int]],
    *,
    provider: str,
    user_id: int | None = None,
) -> None:
    """Replace each lead's traced contacts with its answer (call inside a transaction).

    The internal do-not-call list and the wrong-number marks are applied to the new phones
    in the same transaction: no reader ever sees a listed number unmarked, and no crash
    between the two leaves one unmarked.

    `answers` are (lead, match, cost in micro-dollars). The queries are per batch, not per
    lead, so a bulk trace stores a 100-lead answer in a handful of them. The given Lead
    instances are not refreshed.
    """
    now = timezone.now()
    failed = [lead.pk for lead, match, _ in answers if match.error]
    if failed:
        # The vendor could not process these items: keep what we knew, and do not count
        # this as a trace (the lead is not "already traced — free" for the reuse window).
        Lead.objects.filter(pk__in=failed).update(
            skip_trace_status=SkipTraceStatus.ERROR, updated_at=now
        )
    answers = [answer for answer in answers if not answer[1].error]
    ids = [lead.pk for lead, _, _ in answers]
    Phone.objects.filter(lead_id__in=ids).delete()
    Email.objects.filter(lead_id__in=ids).delete()
    found = [(lead, match) for lead, match, _ in answers if match.matched and not match.error]
    # Plain rows through executemany: `bulk_create` builds and compiles a model per contact.
    # The lead's old contacts are gone and each number or address is there once: no conflict.
    phones = [row for lead, match in found for row in _phone_rows(lead.pk, match, now)]
    insert_new(Phone, PHONE_COLUMNS, prepared_rows(Phone, PHONE_COLUMNS, phones))
    apply_do_not_call_list([lead for lead, _ in found])
    emails = [
        (lead.pk, e.email, e.tested, rank)
        for lead, match in found
        for rank, e in enumerate(_unique_emails(match))
    ]
    insert_new(Email, EMAIL_COLUMNS, prepared_rows(Email, EMAIL_COLUMNS, emails))
    # One UPDATE per distinct outcome rather than per lead.
    groups: dict[tuple[str, bool | None, bool | None, int], list[int]] = defaultdict(list)
    for lead, match, cost_micros in answers:
        groups[(_status(match), match.litigator, match.deceased, cost_micros)].append(lead.pk)
    for (status, litigator, deceased, cost_micros), lead_ids in groups.items():
        Lead.objects.filter(pk__in=lead_ids).update(
            skip_trace_status=status,
            skip_trace_provider=provider,
            skip_traced_at=now,
            skip_trace_cost_micros=F("skip_trace_cost_micros") + cost_micros,
            litigator=litigator,
            deceased=deceased,
            updated_at=now,
        )
    _record_traced(answers, user_id=user_id)


def _record_traced(
    answers: Sequence[tuple[Lead, SkipTraceMatch, int]], *, user_id: int | None
) -> None:
    groups: dict[str, list[int]] = defaultdict(list)
    costs = {}
    for lead, match, cost_micros in answers:
        phones = len({phone.number for phone in match.phones})
        summary = counted(phones, "phone") if match.matched else "no match"
        groups[summary].append(lead.pk)
        costs[lead.pk] = cost_micros
    for summary, lead_ids in groups.items():
        leads_activity_record(
            lead_ids=lead_ids, kind=ActivityKind.TRACED, user_id=user_id,
            text=f"Skip traced: {summary}", costs=costs,
        )  # fmt: skip


def _status(match: SkipTraceMatch) -> str:
    if match.error:
        return SkipTraceStatus.ERROR
    return SkipTraceStatus.MATCHED if match.matched else SkipTraceStatus.NO_MATCH


def _phone_rows(lead_id: int, match: SkipTraceMatch, now: dt.datetime) -> list[tuple]:
    """The match's phones as PHONE_COLUMNS values, each number once, in the vendor's order."""
    seen: set[str] = set()
    rows = []
    for rank, phone in enumerate(match.phones):
        if phone.number in seen:
            continue
        seen.add(phone.number)
        rows.append(
            (
                lead_id,
                phone.number,
                phone.line_type,
                phone.carrier or "",
                phone.score,
                phone.reachable,
                phone.tested,
                phone.dnc,
                # A litigator's numbers are all tainted, whatever the per-phone flag says.
                True if match.litigator else phone.tcpa,
                now if phone.dnc is not None else None,  # dnc_checked_at
                False,  # do_not_call: the internal list is applied next
                False,  # wrong_number: likewise
                None,  # valid: until a line-type check
                None,  # line_type_checked_at
                "batchdata",
                rank,
            )
        )
    return rows


def _unique_emails(match: SkipTraceMatch):
    seen: set[str] = set()
    for email in match.emails:
        key = email.email.lower()
        if key not in seen:
            seen.add(key)
            yield email


def copy_contacts(*, source: Lead, target: Lead) -> None:
    """One owner, several properties: reuse the person's contacts (call in a transaction)."""
    target.phones.all().delete()
    target.emails.all().delete()
    Phone.objects.bulk_create(
        Phone(
            lead=target,
            number=p.number,
            line_type=p.line_type,
            carrier=p.carrier,
            score=p.score,
            reachable=p.reachable,
            tested=p.tested,
            dnc=p.dnc,
            litigator=p.litigator,
            dnc_checked_at=p.dnc_checked_at,
            valid=p.valid,
            line_type_checked_at=p.line_type_checked_at,
            source=p.source,
            rank=p.rank,
        )
        for p in source.phones.all()
    )
    Email.objects.bulk_create(
        Email(lead=target, email=e.email, tested=e.tested, rank=e.rank) for e in source.emails.all()
    )
    apply_do_not_call_list([target])
    Lead.objects.filter(pk=target.pk).update(
        **{name: getattr(source, name) for name in TRACE_FIELDS}, updated_at=timezone.now()
    )
    target.refresh_from_db()
