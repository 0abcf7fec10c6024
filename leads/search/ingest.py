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
from functools import cached_property
from typing import NamedTuple, cast

from django.db import transaction

from leads.activity.services import leads_activity_record
from leads.bulk_insert import LeadValues, leads_near, leads_upsert
from leads.models import ActivityKind, Lead, Source
from leads.pipeline.services import append_to_stage
from leads.search import normalize, owner_names
from leads.selectors import leads_in_order
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
# What a search writes of a lead: its key, its property data, its place on the board.
INGEST_FIELDS = ["normalized_address", "normalized_owner", "position", *PROPERTY_FIELDS]
_SOURCE, _SANDBOX_SOURCE = Source.ATTOM.value, Source.ATTOM_SANDBOX.value
_BLANK = (None, "")


@dataclass
class IngestResult:
    ids: list[int]  # one lead per distinct property+owner, in the order first seen
    created: int
    duplicates: int  # records merged into another record of the same batch
    ownership_changes: int  # earlier owners' leads marked as no longer owning

    @cached_property
    def leads(self) -> list[Lead]:
        """The stored leads of `ids`, read when first asked for (a search reads its page's
        leads itself, with their contacts)."""
        return leads_in_order(Lead.objects.all(), self.ids)


def ingest_records(records: Iterable[PropertyRecord], *, sandbox: bool) -> IngestResult:
    candidates, duplicates = _dedup([lead_from_record(r, sandbox=sandbox) for r in records])
    if not candidates:
        return IngestResult([], 0, duplicates, 0)
    with transaction.atomic():
        near = _Near.of(candidates)
        _adopt_existing_attom_keys(candidates, near)
        # Adopting a stored lead's address can give two candidates one key; one upsert
        # statement must not touch a row twice (PostgreSQL refuses it).
        candidates, adopted = _dedup(candidates)
        duplicates += adopted
        keys = [lead.key for lead in candidates]
        existing = _existing_keys(candidates, near)
        new = [lead for lead in candidates if lead.key not in existing]
        append_to_stage(cast(list[Lead], new))
        changes = _retire_previous_owners(candidates, near)
        pks = leads_upsert(candidates, update=PROPERTY_FIELDS, fields=INGEST_FIELDS)
        _record_found(pks, existing)
    return IngestResult([pks[key] for key in keys], len(set(keys) - existing), duplicates, changes)


def _record_found(pks: dict[tuple[str, str], int], existing: set) -> None:
    """Each lead's timeline says it was created, or found again, by this search."""
    created = [pk for key, pk in pks.items() if key not in existing]
    again = [pk for key, pk in pks.items() if key in existing]
    leads_activity_record(lead_ids=created, kind=ActivityKind.CREATED, text="Found by a search")
    leads_activity_record(lead_ids=again, kind=ActivityKind.FOUND_AGAIN, text="Found again")


def lead_from_record(record: PropertyRecord, *, sandbox: bool) -> LeadValues:
    """The record as a new lead's values: the fields a search fills (`INGEST_FIELDS`; a new
    row takes the model's defaults for the rest), without a model instance."""
    address = normalize.normalize_address(
        record.street, city=record.city, state=record.state, zip_code=record.zip5
    )
    owners = [(o.first, o.last) if (o.first or o.last) else o.full for o in record.owners]
    first, second = [*record.owners, None, None][:2]
    corporate = bool(record.corporate_owner) or (
        first is not None and owner_names.is_entity(first.full or first.last)
    )
    mailing = normalize.parse_one_line(record.mailing_address) if record.mailing_address else None
    normalized_address, normalized_owner = dedup_key(address, owners, corporate=corporate)
    return LeadValues(
        normalized_address=normalized_address,
        normalized_owner=normalized_owner,
        position=0,  # a new lead's is given by the board (`append_to_stage`)
        source=_SANDBOX_SOURCE if sandbox else _SOURCE,
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


def _dedup(leads: Sequence[LeadValues]) -> tuple[list[LeadValues], int]:
    """Merge leads of one batch that are the same property and owner (by key or ATTOM id)."""
    by_key: dict[tuple[str, str], LeadValues] = {}
    by_attom: dict[tuple[int, str], LeadValues] = {}
    for lead in leads:  # read as items: a LeadValues attribute is a slower lookup
        key = lead.key
        attom_key = (lead["attom_id"], key[1]) if lead["attom_id"] else None
        kept = by_key.get(key) or (by_attom.get(attom_key) if attom_key else None)
        if kept is not None:
            _fill_blanks(kept, lead)
            continue
        by_key[key] = lead
        if attom_key:
            by_attom[attom_key] = lead
    return list(by_key.values()), len(leads) - len(by_key)


def _fill_blanks(kept: LeadValues, other: LeadValues) -> None:
    for field in PROPERTY_FIELDS:
        if kept[field] in _BLANK and other[field] not in _BLANK:
            kept[field] = other[field]


class _Stored(NamedTuple):
    """A stored lead at a candidate's address or with a candidate's ATTOM id."""

    pk: int
    address: str
    owner: str
    attom_id: int | None
    owns_property: bool  # as the database holds it: 0 or 1 on SQLite


@dataclass
class _Near:
    """The stored leads at these addresses or with these ATTOM ids, read in one query: what
    adopting ATTOM keys, telling found leads from new ones and retiring earlier owners read."""

    addresses: set[str]
    attom_ids: set[int]
    leads: list[_Stored]

    @classmethod
    def of(cls, candidates: list[LeadValues]) -> _Near:
        addresses = {lead["normalized_address"] for lead in candidates}
        attom_ids = {lead["attom_id"] for lead in candidates if lead["attom_id"]}
        return cls(addresses, attom_ids, _stored(addresses, attom_ids))


def _stored(addresses: set[str], attom_ids: set[int] | None = None) -> list[_Stored]:
    fields = ["normalized_address", "normalized_owner", "attom_id", "owns_property"]
    return list(
        map(_Stored._make, leads_near(fields, addresses=addresses, attom_ids=attom_ids or ()))
    )


def _adopt_existing_attom_keys(candidates: list[LeadValues], near: _Near) -> None:
    """A parcel we hold under another address spelling keeps its lead (same ATTOM id)."""
    wanted: dict[tuple[int | None, str], LeadValues] = {
        (c["attom_id"], c["normalized_owner"]): c for c in candidates if c["attom_id"]
    }
    for lead in near.leads:
        candidate = wanted.get((lead.attom_id, lead.owner)) if lead.attom_id else None
        if candidate is not None:
            candidate["normalized_address"] = lead.address


def _existing_keys(candidates: list[LeadValues], near: _Near) -> set[tuple[str, str]]:
    """The candidates' keys already stored; each such candidate is given its lead's pk. (An
    adopted address is that of a stored lead with the candidate's ATTOM id and owner: its key
    is among `near` too.)"""
    pk_of = {(lead.address, lead.owner): lead.pk for lead in near.leads}
    existing = set()
    for candidate in candidates:
        pk = pk_of.get(candidate.key)
        if pk is not None:
            candidate["id"] = pk
            existing.add(candidate.key)
    return existing


def _retire_previous_owners(candidates: list[LeadValues], near: _Near) -> int:
    """Leads of the same parcel (address or ATTOM id) under another owner no longer own it."""
    owner_at = {lead["normalized_address"]: lead["normalized_owner"] for lead in candidates}
    owner_of: dict[int | None, str] = {
        lead["attom_id"]: lead["normalized_owner"] for lead in candidates if lead["attom_id"]
    }
    parcel = [lead for lead in near.leads if lead.address in owner_at or lead.attom_id in owner_of]
    adopted = owner_at.keys() - near.addresses  # addresses `near` was not read at
    if adopted:
        seen = {lead.pk for lead in parcel}
        more = _stored(set(adopted))
        parcel += [lead for lead in more if lead.pk not in seen]
    stale = []
    for lead in parcel:
        current = owner_at.get(lead.address, owner_of.get(lead.attom_id))
        if lead.owns_property and current is not None and lead.owner != current:
            stale.append(lead.pk)
    return Lead.objects.filter(pk__in=stale).update(owns_property=False) if stale else 0
