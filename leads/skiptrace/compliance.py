"""Who may be called: the best phone, the lead's DNC flag, contactability, do-not-call marks.

A TCPA violation costs $500–$1,500 per call, uncapped, so every rule here errs toward not
calling: a flag the vendor did not send is unknown, never clean.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import batched

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from leads.activity.services import leads_activity_record
from leads.bulk_insert import LEAD_BATCH, column_name, in_list
from leads.models import ActivityKind, DoNotCall, Lead, Phone, WrongNumber
from leads.phones import normalize_phone

# What `refresh_compliance` recomputes.
COMPLIANCE_FIELDS = ["best_phone", "dnc_flag", "contactable", "updated_at"]


def callable_phone(phone: Phone) -> bool:
    """Never DNC, never a litigator's, never invalid, never marked do-not-call or wrong."""
    return not (
        phone.dnc is True
        or phone.litigator is True
        or phone.valid is False
        or phone.do_not_call
        or phone.wrong_number
    )


def _rank(phone: Phone) -> tuple[int, int, int, int]:
    known_clean = phone.dnc is False and not phone.dnc_stale
    reachable = {True: 0, None: 1, False: 2}[phone.reachable]
    mobile = 0 if phone.line_type == "mobile" else 1
    return (0 if known_clean else 1, reachable, mobile, -(phone.score or 0))


def best_phone(lead: Lead, phones: Sequence[Phone]) -> Phone | None:
    """Among callable phones: known-clean DNC status (checked within 31 days) before unknown,
    reachable before unreachable, mobile before land line, then the higher score."""
    if lead.litigator is True or lead.do_not_call:
        return None
    candidates = [phone for phone in phones if callable_phone(phone)]
    return min(candidates, key=_rank, default=None)


def dnc_flag(lead: Lead, phones: Sequence[Phone]) -> bool:
    """The lead must not be called or texted."""
    if lead.litigator is True or lead.do_not_call:
        return True
    return bool(phones) and all(p.dnc is True or p.litigator is True for p in phones)


def refresh_compliance(lead: Lead, *, save: bool = True) -> Lead:
    """Recompute best phone, DNC flag and contactability from the lead's phones and e-mails."""
    phones = list(lead.phones.all())
    best = best_phone(lead, phones)
    lead.best_phone = best.number if best else ""
    lead.dnc_flag = dnc_flag(lead, phones)
    lead.contactable = bool(best or len(lead.emails.all())) and not lead.dnc_flag
    if save:
        lead.save(update_fields=COMPLIANCE_FIELDS)
    return lead


def apply_do_not_call_list(leads: Sequence[Lead]) -> None:
    """Carry the internal list and the wrong-number marks onto leads' (new) phones and owners.

    Call it in the transaction that stores the phones, so no reader ever sees a listed number
    unmarked. A few queries for any number of leads (a bulk trace passes a batch of 100).
    """
    _mark_phones([lead.pk for lead in leads])
    owners = {lead.normalized_owner for lead in leads if lead.normalized_owner}
    listed_owners = set(
        DoNotCall.objects.filter(normalized_owner__in=owners, number="").values_list(
            "normalized_owner", "normalized_mailing"
        )
    )
    listed = [
        lead
        for lead in leads
        if lead.normalized_owner
        and (lead.normalized_owner, lead.normalized_mailing) in listed_owners
    ]
    if listed:
        now = timezone.now()
        Lead.objects.filter(pk__in=[lead.pk for lead in listed]).update(
            do_not_call=True, updated_at=now
        )
        for lead in listed:
            lead.do_not_call, lead.updated_at = True, now


def _mark_phones(lead_ids: Sequence[int]) -> None:
    """These leads' phones that are on the internal list, or that were marked a wrong number
    for their lead, say so. The SQL is written here: the ORM prepares an IN list's ids one by
    one, ~10 ms a statement for the thousand leads an import's chunk gives phones."""
    quote = connection.ops.quote_name
    phone, listed, wrong = (quote(m._meta.db_table) for m in (Phone, DoNotCall, WrongNumber))
    lead, number = (quote(column_name(Phone, name)) for name in ("lead", "number"))
    listed_number = quote(column_name(DoNotCall, "number"))
    wrong_lead, wrong_number = (quote(column_name(WrongNumber, n)) for n in ("lead", "number"))
    on_the_list = f"{number} IN (SELECT {listed_number} FROM {listed} WHERE {listed_number} <> '')"
    marked_wrong = (
        f"EXISTS (SELECT 1 FROM {wrong} WHERE {wrong}.{wrong_lead} = {phone}.{lead} "
        f"AND {wrong}.{wrong_number} = {phone}.{number})"
    )
    with connection.cursor() as cursor:
        for batch in batched(lead_ids, LEAD_BATCH):
            leads, params = in_list(batch)
            for column, condition in (("do_not_call", on_the_list), ("wrong_number", marked_wrong)):
                cursor.execute(
                    f"UPDATE {phone} SET {quote(column)} = %s "
                    f"WHERE {lead} IN {leads} AND {condition}",
                    [True, *params],
                )


def phone_mark_do_not_call(*, number: str, user_id: int | None, reason: str = "") -> int:
    """Put a number on the internal list; every lead holding it stops using it at once."""
    e164 = normalize_phone(number)
    if e164 is None:
        raise ValueError(f"{number!r} is not a phone number")
    with transaction.atomic():
        DoNotCall.objects.get_or_create(
            number=e164, defaults={"reason": reason[:200], "created_by_id": user_id}
        )
        return _mark_listed(e164, user_id=user_id, reason=reason)


def _mark_listed(number: str, *, user_id: int | None, reason: str) -> int:
    Phone.objects.filter(number=number).update(do_not_call=True)
    leads = Lead.objects.filter(phones__number=number).distinct()
    _refresh_all(leads)
    text = f"{number} on the do-not-call list" + (f" ({reason})" if reason else "")
    ids = list(leads.values_list("pk", flat=True))
    leads_activity_record(
        lead_ids=ids, kind=ActivityKind.DO_NOT_CALL, user_id=user_id, text=text,
        data={"number": number},
    )  # fmt: skip
    return len(ids)


def do_not_call_entry_saved(entry: DoNotCall, *, user_id: int | None) -> int:
    """An entry added in admin (already normalised by its form) reaches the stored phones."""
    with transaction.atomic():
        if entry.number:
            return _mark_listed(entry.number, user_id=user_id, reason=entry.reason)
        leads = Lead.objects.filter(
            normalized_owner=entry.normalized_owner, normalized_mailing=entry.normalized_mailing
        )
        leads.update(do_not_call=True)
        _refresh_all(leads)
        return leads.count()


def do_not_call_entry_removed(entry: DoNotCall) -> None:
    """Taken off the list (admin): its phones may be called again, if nothing else forbids."""
    with transaction.atomic():
        if entry.number:
            Phone.objects.filter(number=entry.number).update(do_not_call=False)
            leads = Lead.objects.filter(phones__number=entry.number).distinct()
        else:
            leads = Lead.objects.filter(
                normalized_owner=entry.normalized_owner,
                normalized_mailing=entry.normalized_mailing,
            )
            leads.update(do_not_call=False)
        _refresh_all(leads)


def phone_mark_wrong(*, lead: Lead, number: str, user_id: int | None, reason: str = "") -> bool:
    """The number reached someone else: never this lead's best phone again, whatever later
    traces say. False when the lead holds no such phone (nothing is marked)."""
    e164 = normalize_phone(number)
    if e164 is None:
        return False
    with transaction.atomic():
        WrongNumber.objects.get_or_create(
            lead=lead, number=e164, defaults={"reason": reason[:200], "created_by_id": user_id}
        )
        marked = Phone.objects.filter(lead=lead, number=e164).update(wrong_number=True)
        _refresh_all(Lead.objects.filter(pk=lead.pk))
    return bool(marked)


def owner_mark_do_not_call(*, lead: Lead, user_id: int | None, reason: str = "") -> int:
    """Put the owner (name + mailing address) on the list: all their leads stop."""
    if not lead.normalized_owner:
        raise ValueError("this lead has no owner name to list")
    with transaction.atomic():
        DoNotCall.objects.get_or_create(
            normalized_owner=lead.normalized_owner,
            normalized_mailing=lead.normalized_mailing,
            defaults={"reason": reason, "created_by_id": user_id},
        )
        leads = Lead.objects.filter(
            normalized_owner=lead.normalized_owner, normalized_mailing=lead.normalized_mailing
        )
        leads.update(do_not_call=True)
        _refresh_all(leads)
        ids = list(leads.values_list("pk", flat=True))
        leads_activity_record(
            lead_ids=ids, kind=ActivityKind.DO_NOT_CALL, user_id=user_id,
            text="Owner on the do-not-call list" + (f" ({reason})" if reason else ""),
        )  # fmt: skip
    return len(ids)


def _refresh_all(leads: QuerySet[Lead]) -> None:
    for lead in leads.prefetch_related("phones", "emails"):
        refresh_compliance(lead)
