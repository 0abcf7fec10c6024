"""Turning provider property records into de-duplicated leads, in bulk.

A lead is a property *with its owner*. Records are normalised (USPS address form, owner
name), merged when they are the same property and owner, and upserted on the dedup key.
Re-finding a lead refreshes its property data only: what agents and skip traces wrote
(stage, notes, phones, e-mails, DNC marks, scores) is never in the update.
When a parcel shows a new owner, the leads of its earlier owners stop owning it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.db.models import Q

from leads.activity.services import leads_activity_record
from leads.bulk_insert import LeadValues, leads_upsert, new_lead
from leads.models import ActivityKind, Lead, Source
from leads.pipeline.services import append_to_stage
from leads.search import normalize, owner_names
from providers.attom import OwnerName, PropertyRecord

# What a new search may refresh on an existing lead.
PROPERTY_FIELDS = [
    "source",
    "sandbox",
    "attom_id",
    "fips",
    "apn",
    "street",
    "unit",
    "city",
    "state",
    "zip_code",
    "zip4",
    "county",
    "latitude",
    "longitude",
    "owner_name",
    "owner_first_name",
    "owner_last_name",
    "owner2_first_name",
    "owner2_last_name",
    "corporate_owner",
    "owns_property",
    "mailing_address",
    "mailing_street",
    "mailing_city",
    "mailing_state",
    "mailing_zip",
    "normalized_mailing",
    "absentee",
    "property_type",
    "beds",
    "baths",
    "living_sqft",
    "lot_sqft",
    "year_built",
    "avm_value_usd",
    "assessed_value_usd",
    "market_value_usd",
    "last_sale_date",
    "last_sale_amount_usd",
    "mortgage_amount_usd",
    "estimated_equity_usd",
]


@dataclass
class IngestResult:
    leads: list[Lead]  # one per distinct property+owner, in the order first seen
    created: int
    duplicates: int  # records merged into another record of the same batch
    ownership_changes: int  # earlier owners' leads marked as no longer owning


def ingest_records(records: Iterable[PropertyRecord], *, sandbox: bool) -> IngestResult:
    candidates, duplicates = _dedup([lead_from_record(r, sandbox=sandbox) for r in records])
    if not candidates:
        return IngestResult([], 0, duplicates, 0)
    with transaction.atomic():
        _adopt_existing_attom_keys(candidates)
        # Adopting a stored lead's address can give two candidates one key; one upsert
        # statement must not touch a row twice (PostgreSQL refuses it).
        candidates, adopted = _dedup(candidates)
        duplicates += adopted
        keys = [_key(lead) for lead in candidates]
        existing = _existing_keys(keys)
        new = [lead for lead in candidates if _key(lead) not in existing]
        append_to_stage(cast(list[Lead], new))
        changes = _retire_previous_owners(candidates)
        leads_upsert(candidates, update=PROPERTY_FIELDS)
        stored = _fetch(keys)
        _record_found(stored, existing)
    leads = [stored[key] for key in keys]
    return IngestResult(leads, len(set(keys) - existing), duplicates, changes)


def _record_found(stored: dict[tuple[str, str], Lead], existing: set) -> None:
    """Each lead's timeline says it was created, or found again, by this search."""
    created = [lead.pk for key, lead in stored.items() if key not in existing]
    again = [lead.pk for key, lead in stored.items() if key in existing]
    leads_activity_record(lead_ids=created, kind=ActivityKind.CREATED, text="Found by a search")
    leads_activity_record(lead_ids=again, kind=ActivityKind.FOUND_AGAIN, text="Found again")


def lead_from_record(record: PropertyRecord, *, sandbox: bool) -> LeadValues:
    """The record as a new lead's values (a model instance costs more than all the rest)."""
    address = normalize.normalize_address(
        record.street, city=record.city, state=record.state, zip_code=record.zip5
    )
    owners = [(o.first, o.last) if (o.first or o.last) else o.full for o in record.owners]
    first, second = [*record.owners, None, None][:2]
    corporate = bool(record.corporate_owner) or any(
        owner_names.is_entity(o.full or o.last) for o in record.owners[:1]
    )
    mailing = normalize.parse_one_line(record.mailing_address) if record.mailing_address else None
    normalized_address, normalized_owner = dedup_key(address, owners, corporate=corporate)
    return new_lead(
        normalized_address=normalized_address,
        normalized_owner=normalized_owner,
        source=Source.ATTOM_SANDBOX if sandbox else Source.ATTOM,
        sandbox=sandbox,
        attom_id=record.attom_id,
        fips=record.fips or "",
        apn=record.apn or "",
        street=address.line,
        unit=address.unit,
        city=(record.city or address.city).upper(),
        state=(record.state or address.state).upper(),
        zip_code=address.zip5 or (record.zip5 or "")[:5],
        zip4=(record.zip4 or address.zip4 or "")[:4],
        county=record.county or "",
        latitude=record.latitude,
        longitude=record.longitude,
        owner_name=owner_names.owner_display(owners),
        owner_first_name=first.first if first and not corporate else "",
        owner_last_name=_last_name(first, corporate=corporate),
        owner2_first_name=second.first if second else "",
        owner2_last_name=second.last if second else "",
        corporate_owner=corporate,
        owns_property=True,
        mailing_address=record.mailing_address or "",
        mailing_street=f"{mailing.line} {mailing.unit}".strip() if mailing else "",
        mailing_city=mailing.city if mailing else "",
        mailing_state=mailing.state if mailing else "",
        mailing_zip=mailing.zip5 if mailing else "",
        normalized_mailing=normalize.address_key(mailing) if mailing else "",
        absentee=record.absentee,
        property_type=record.property_type or "",
        beds=record.beds,
        baths=record.baths,
        living_sqft=record.living_sqft,
        lot_sqft=record.lot_sqft,
        year_built=record.year_built,
        avm_value_usd=record.avm_value,
        assessed_value_usd=record.assessed_value,
        market_value_usd=record.market_value,
        last_sale_date=record.last_sale_date,
        last_sale_amount_usd=record.last_sale_amount,
        mortgage_amount_usd=record.mortgage_amount,
        estimated_equity_usd=record.estimated_equity,
    )


def dedup_key(
    address: normalize.NormalAddress, owners: Sequence[owner_names.Owner], *, corporate: bool
) -> tuple[str, str]:
    """What a lead is unique by: its normalised address (street line, unit, ZIP5) and the
    normalised name of its primary owner."""
    return normalize.address_key(address), owner_names.owner_key(owners, corporate=corporate)


def stored_dedup_key(lead: Lead) -> tuple[str, str]:
    """The key re-derived from what a lead stores (its address and primary owner), as the
    backfill re-keys leads after the normaliser changes; ingest's key for the same record."""
    address = normalize.normalize_address(
        lead.street, unit=lead.unit, city=lead.city, state=lead.state, zip_code=lead.zip_code
    )
    return dedup_key(address, _stored_owners(lead), corporate=lead.corporate_owner)


def _stored_owners(lead: Lead) -> list[owner_names.Owner]:
    if lead.corporate_owner or not lead.owner_first_name:
        name = lead.owner_last_name or lead.owner_name
        return [name] if name else []
    return [(lead.owner_first_name, lead.owner_last_name)]


def _last_name(owner: OwnerName | None, *, corporate: bool) -> str:
    """An entity's whole name, as its owner key is made from it: a backfill re-derives the key
    from the stored name alone, and an export files an entity under it."""
    if owner is None:
        return ""
    if corporate:
        return f"{owner.first} {owner.last}".strip() or owner.full
    return owner.last or owner.full


def _key(lead: Lead | LeadValues) -> tuple[str, str]:
    return (lead.normalized_address, lead.normalized_owner)


def _dedup(leads: Sequence[LeadValues]) -> tuple[list[LeadValues], int]:
    """Merge leads of one batch that are the same property and owner (by key or ATTOM id)."""
    by_key: dict[tuple[str, str], LeadValues] = {}
    by_attom: dict[tuple[int, str], LeadValues] = {}
    for lead in leads:
        attom_key = (lead.attom_id, lead.normalized_owner) if lead.attom_id else None
        kept = by_key.get(_key(lead)) or (by_attom.get(attom_key) if attom_key else None)
        if kept is not None:
            _fill_blanks(kept, lead)
            continue
        by_key[_key(lead)] = lead
        if attom_key:
            by_attom[attom_key] = lead
    return list(by_key.values()), len(leads) - len(by_key)


def _fill_blanks(kept: LeadValues, other: LeadValues) -> None:
    for field in PROPERTY_FIELDS:
        if getattr(kept, field) in (None, "") and getattr(other, field) not in (None, ""):
            setattr(kept, field, getattr(other, field))


def _adopt_existing_attom_keys(candidates: list[LeadValues]) -> None:
    """A parcel we hold under another address spelling keeps its lead (same ATTOM id)."""
    wanted: dict[tuple[int | None, str], LeadValues] = {
        (c.attom_id, c.normalized_owner): c for c in candidates if c.attom_id
    }
    if not wanted:
        return
    rows = Lead.objects.filter(attom_id__in={k[0] for k in wanted}).values_list(
        "attom_id", "normalized_owner", "normalized_address"
    )
    for attom_id, owner, address in rows:
        candidate = wanted.get((attom_id, owner))
        if candidate is not None:
            candidate.normalized_address = address


def _existing_keys(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    rows = Lead.objects.filter(normalized_address__in={k[0] for k in keys}).values_list(
        "normalized_address", "normalized_owner"
    )
    return set(rows) & set(keys)


def _retire_previous_owners(candidates: list[LeadValues]) -> int:
    """Leads of the same parcel (address or ATTOM id) under another owner no longer own it."""
    owner_at = {lead.normalized_address: lead.normalized_owner for lead in candidates}
    owner_of: dict[int | None, str] = {
        lead.attom_id: lead.normalized_owner for lead in candidates if lead.attom_id
    }
    rows = Lead.objects.filter(
        Q(normalized_address__in=owner_at.keys()) | Q(attom_id__in=owner_of.keys()),
        owns_property=True,
    ).values_list("pk", "normalized_address", "attom_id", "normalized_owner")
    stale = []
    for pk, address, attom_id, owner in rows:
        current = owner_at.get(address, owner_of.get(attom_id))
        if current is not None and owner != current:
            stale.append(pk)
    return Lead.objects.filter(pk__in=stale).update(owns_property=False) if stale else 0


def _fetch(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Lead]:
    wanted = set(keys)
    leads = Lead.objects.filter(normalized_address__in={k[0] for k in keys})
    return {_key(lead): lead for lead in leads if _key(lead) in wanted}
