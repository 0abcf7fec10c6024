"""Who may be called: the best phone, the lead's DNC flag, contactability, do-not-call marks.

A TCPA violation costs $500–$1,500 per call, uncapped, so every rule here errs toward not
calling: a flag the vendor did not send is unknown, never clean.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from leads.models import DoNotCall, Lead, Phone

# What `refresh_compliance` recomputes.
COMPLIANCE_FIELDS = ["best_phone", "dnc_flag", "contactable", "updated_at"]


def callable_phone(phone: Phone) -> bool:
    """Never DNC, never a litigator's, never invalid, never marked do-not-call."""
    return not (
        phone.dnc is True or phone.litigator is True or phone.valid is False or phone.do_not_call
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
    """Carry the internal list onto leads' (new) phones and owners; survives re-traces.

    A few queries for any number of leads (a bulk trace passes a batch of 100).
    """
    ids = [lead.pk for lead in leads]
    listed_numbers = DoNotCall.objects.exclude(number="").values("number")
    Phone.objects.filter(lead_id__in=ids, number__in=listed_numbers).update(do_not_call=True)
    owners = {lead.normalized_owner for lead in leads if lead.normalized_owner}
    listed_owners = set(
        DoNotCall.objects.filter(normalized_owner__in=owners).values_list(
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


def phone_mark_do_not_call(*, number: str, user_id: int | None, reason: str = "") -> int:
    """Put a number on the internal list; every lead holding it stops using it."""
    with transaction.atomic():
        DoNotCall.objects.get_or_create(
            number=number, defaults={"reason": reason, "created_by_id": user_id}
        )
        Phone.objects.filter(number=number).update(do_not_call=True)
        leads = Lead.objects.filter(phones__number=number).distinct()
        _refresh_all(leads)
    return leads.count()


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
    return leads.count()


def _refresh_all(leads: QuerySet[Lead]) -> None:
    for lead in leads.prefetch_related("phones", "emails"):
        refresh_compliance(lead)
