"""The phones, e-mails and lists of leads, in one query compiled once.

Every page and API answer that shows leads (a search's page, the Leads table, `/api/leads`, a
lead's page) gives them their contacts here: one UNION ALL of the three tables, each row
carrying its own table's columns and NULL in the others', filtered by the leads' ids sent as
one parameter (`leads.chunk_query`). The query has no other parameter, so each process
compiles it once per database; compiling it cost more than running it. Leads read by id (a
cached search's page, a lead's page) are read the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, Field, ForeignKey, ManyToOneRel, Model, QuerySet, Value
from django.db.models.functions import Cast

from leads.chunk_query import AmongChunk, compiled_once
from leads.lists.models import ACTIVE_MEMBERSHIPS, LeadList, ListMembership
from leads.models import Email, Lead, Phone

PHONE, EMAIL, MEMBERSHIP = "p", "e", "m"
_PHONE_FIELDS = tuple(Phone._meta.concrete_fields)
_EMAIL_FIELDS = tuple(Email._meta.concrete_fields)
_MEMBERSHIP_FIELDS = tuple(ListMembership._meta.concrete_fields)
_LIST_FIELDS = tuple(LeadList._meta.concrete_fields)
# (slot prefix, the fields, how a branch reads them): the list's through its membership.
_SLOTS: tuple[tuple[str, tuple[Field, ...], str], ...] = (
    (PHONE, _PHONE_FIELDS, ""),
    (EMAIL, _EMAIL_FIELDS, ""),
    (MEMBERSHIP, _MEMBERSHIP_FIELDS, ""),
    ("l", _LIST_FIELDS, "lead_list__"),
)
_SLOT_NAMES = [f"{prefix}_{f.attname}" for prefix, fields, _ in _SLOTS for f in fields]


def leads_with_contacts(ids: list[int], *, db: str = DEFAULT_DB_ALIAS) -> list[Lead]:
    """The stored leads of `ids`, in no given order (a pk no longer stored is left out),
    with their contacts: two queries, each compiled once per process."""
    leads = compiled_once("leads", db, _leads_by_id).instances(Lead, ids)
    attach_contacts(leads)
    return leads


def _leads_by_id(db: str) -> QuerySet[Lead]:
    return Lead.objects.using(db).filter(AmongChunk("id")).order_by()


def attach_contacts(leads: Sequence[Lead]) -> None:
    """Give leads already read their phones, emails and lists, as `prefetch_related("phones",
    "emails", lists_prefetch())` would: `lead.phones.all()` then reads no more, and anything
    chained on it (`.filter()`, `.delete()`) still asks the database about this lead's rows."""
    if not leads:
        return
    found: dict[str, dict[int, list[Any]]] = {kind: defaultdict(list) for kind in _KINDS}
    db = leads[0]._state.db or DEFAULT_DB_ALIAS
    for row in compiled_once("contacts", db, _union).converted_rows([lead.pk for lead in leads]):
        kind = row[0]
        found[kind][row[1]].append(_KINDS[kind](db, row))
    for lead in leads:
        _attach_related(lead, "phones", _in_order(found[PHONE].get(lead.pk, [])))
        _attach_related(lead, "emails", _in_order(found[EMAIL].get(lead.pk, [])))
        memberships = sorted(found[MEMBERSHIP].get(lead.pk, []), key=_joined)
        for membership in memberships:
            _MEMBERSHIP_TO_LEAD.set_cached_value(membership, lead)
        setattr(lead, ACTIVE_MEMBERSHIPS, memberships)


def _union(db: str) -> QuerySet[Any]:
    phones = _branch(Phone.objects.using(db), PHONE)
    emails = _branch(Email.objects.using(db), EMAIL)
    memberships = _branch(
        ListMembership.objects.using(db).filter(removed_at__isnull=True), MEMBERSHIP, "l"
    )
    return phones.union(emails, memberships, all=True).order_by()  # sorted per lead after


def _branch(rows: QuerySet[Any], *own: str) -> QuerySet[Any]:
    """One table's rows of the leads: its own slots read, every other slot a typed NULL
    (PostgreSQL needs each column of a UNION to have one type)."""
    slots: dict[str, Any] = {}
    for prefix, fields, path in _SLOTS:
        for f in fields:
            name = f"{prefix}_{f.attname}"
            slots[name] = F(path + f.attname) if prefix in own else Cast(Value(None), f)
    return (
        rows.filter(AmongChunk("lead_id"))
        .annotate(row_kind=Value(own[0]), row_lead=F("lead_id"), **slots)
        .order_by()
        .values_list("row_kind", "row_lead", *_SLOT_NAMES)
    )


def _slot_range(prefix: str) -> slice:
    start = 2 + _SLOT_NAMES.index(next(n for n in _SLOT_NAMES if n.startswith(prefix + "_")))
    count = sum(len(fields) for p, fields, _ in _SLOTS if p == prefix)
    return slice(start, start + count)


_PHONE_CELLS, _EMAIL_CELLS = _slot_range(PHONE), _slot_range(EMAIL)
_MEMBERSHIP_CELLS, _LIST_CELLS = _slot_range(MEMBERSHIP), _slot_range("l")
_PHONE_NAMES = [f.attname for f in _PHONE_FIELDS]
_EMAIL_NAMES = [f.attname for f in _EMAIL_FIELDS]
_MEMBERSHIP_NAMES = [f.attname for f in _MEMBERSHIP_FIELDS]
_LIST_NAMES = [f.attname for f in _LIST_FIELDS]


def _phone(db: str, row: list[Any]) -> Model:
    return Phone.from_db(db, _PHONE_NAMES, row[_PHONE_CELLS])


def _email(db: str, row: list[Any]) -> Model:
    return Email.from_db(db, _EMAIL_NAMES, row[_EMAIL_CELLS])


def _membership(db: str, row: list[Any]) -> Model:
    membership = ListMembership.from_db(db, _MEMBERSHIP_NAMES, row[_MEMBERSHIP_CELLS])
    lead_list = LeadList.from_db(db, _LIST_NAMES, row[_LIST_CELLS])
    _TO_LIST.set_cached_value(membership, lead_list)
    return membership


_KINDS = {PHONE: _phone, EMAIL: _email, MEMBERSHIP: _membership}
_MEMBERSHIP_TO_LEAD = cast(ForeignKey, ListMembership._meta.get_field("lead"))
_TO_LIST = cast(ForeignKey, ListMembership._meta.get_field("lead_list"))


def _in_order(rows: list[Any]) -> list[Any]:
    """A phone's or e-mail's stored order (their Meta.ordering: rank, then id)."""
    return sorted(rows, key=lambda row: (row.rank, row.pk))


def _joined(membership: Any) -> tuple[Any, int]:
    """`active_memberships()`'s order: oldest first."""
    return (membership.added_at, membership.pk)


def _attach_related(lead: Lead, name: str, found: list[Any]) -> None:
    relation = cast(ManyToOneRel, Lead._meta.get_field(name))
    to_lead = cast(ForeignKey, relation.remote_field)
    for row in found:
        to_lead.set_cached_value(row, lead)
    related = getattr(lead, name).all()  # filtered on this lead, never evaluated
    related._result_cache = found
    related._prefetch_done = True
    lead.__dict__.setdefault("_prefetched_objects_cache", {})[relation.cache_name] = related
