"""Reads of stored leads shared by the search, the lead list, the board and the export."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.query import ModelIterable
from django.utils import timezone

from leads.lead_contacts import attach_contacts
from leads.models import Activity, ActivityKind, Lead, ListMembership
from leads.scoring import rules
from leads.scoring.temperature import score_range
from leads.search.areas import Area, city_zip_codes, county_zip_codes
from leads.search.query import PropertyFilters

MILES_PER_DEGREE_LAT = 69.0
# Best score first and unscored leads last, on PostgreSQL (NULLs first by default) as on SQLite.
BEST_SCORE_FIRST = F("ai_score").desc(nulls_last=True)


def with_contacts(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """These leads with their phones, emails and lists, read together when the leads are:
    what `prefetch_related("phones", "emails", lists_prefetch())` gives, in one query for
    them all (`leads.lead_contacts.attach_contacts`)."""
    leads = leads.all()
    leads._iterable_class = _WithContacts
    return leads


class _WithContacts(ModelIterable):
    def __iter__(self) -> Iterator[Lead]:
        leads = list(super().__iter__())
        attach_contacts(leads)
        return iter(leads)


def leads_in_order(leads: QuerySet[Lead], ids: list[int]) -> list[Lead]:
    """These leads (of `ids`) in the order of `ids`; a pk no longer stored is left out."""
    by_id = {lead.pk: lead for lead in leads.filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def leads_in_area(area: Area, filters: PropertyFilters) -> QuerySet[Lead]:
    """Stored leads of an area with the property filters a search gives ATTOM."""
    leads = _area_filter(Lead.objects.all(), area)
    if filters.absentee is not None:
        leads = leads.filter(absentee=filters.absentee)
    if filters.property_type:
        leads = leads.filter(property_type__iexact=filters.property_type)
    for value, lookup in (
        (filters.min_beds, "beds__gte"),
        (filters.max_beds, "beds__lte"),
        (filters.min_value, "avm_value_usd__gte"),
        (filters.max_value, "avm_value_usd__lte"),
    ):
        if value is not None:
            leads = leads.filter(**{lookup: value})
    return leads.order_by("-owns_property", BEST_SCORE_FIRST, "pk")


def _area_filter(leads: QuerySet[Lead], area: Area) -> QuerySet[Lead]:
    if area.kind == "zip":
        return leads.filter(zip_code=area.zip_code)
    if area.kind == "city":
        return leads.filter(
            Q(city__iexact=area.city) | Q(zip_code__in=city_zip_codes(area.city, area.state)),
            state=area.state,
        )
    if area.kind == "county":
        return leads.filter(zip_code__in=county_zip_codes(area.county, area.state))
    return _within_radius(leads, *area.circle())


def _within_radius(
    leads: QuerySet[Lead], lat: Decimal, lng: Decimal, radius: Decimal
) -> QuerySet[Lead]:
    """A bounding box in SQL, then the exact great-circle distance."""
    dlat = float(radius) / MILES_PER_DEGREE_LAT
    dlng = dlat / max(math.cos(math.radians(float(lat))), 0.01)
    boxed = leads.filter(
        latitude__range=(float(lat) - dlat, float(lat) + dlat),
        longitude__range=(float(lng) - dlng, float(lng) + dlng),
    ).values_list("pk", "latitude", "longitude")
    inside = [
        pk
        for pk, plat, plng in boxed
        if plat is not None
        and plng is not None
        and miles_between(float(lat), float(lng), float(plat), float(plng)) <= float(radius)
    ]
    return leads.filter(pk__in=inside)


def miles_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = math.radians(lat2 - lat1), math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 3958.8 * 2 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class LeadFilters:
    """What agents narrow stored leads by: one value read by the lead list, the board, the
    export, `/api/leads`, bulk traces and the operator commands."""

    stage: str = ""
    temperature: str = ""
    contactable: bool | None = None
    source: str = ""
    zip_code: str = ""
    text: str = ""  # owner, street or city
    assigned_to_id: int | None = None
    unassigned: bool = False
    not_exported_since: dt.date | None = None  # keep leads not exported on or after this day
    list_id: int | None = None  # on this list
    min_lists: int | None = None  # on at least this many lists
    # The facts the rules score reads (leads.scoring.rules); an unknown value never matches.
    min_equity_pct: int | None = None
    min_years_owned: int | None = None
    owner_type: str = ""  # individual, corporate or trust
    free_and_clear: bool | None = None
    out_of_state_owner: bool | None = None


NO_FILTERS = LeadFilters()


def owner_facts_q(filters: LeadFilters, *, today: dt.date | None = None) -> Q:
    """The distress and equity filters as one condition; a search applies it after ATTOM."""
    condition = Q()
    if filters.min_equity_pct is not None:
        condition &= rules.min_equity_q(filters.min_equity_pct)
    if filters.min_years_owned is not None:
        today = today or timezone.localdate()
        condition &= rules.owned_since_q(filters.min_years_owned, today)
    if filters.owner_type:
        condition &= rules.owner_type_q(filters.owner_type)
    if filters.free_and_clear is not None:
        condition &= rules.free_and_clear_q(filters.free_and_clear)
    if filters.out_of_state_owner is not None:
        condition &= rules.out_of_state_q(filters.out_of_state_owner)
    return condition


def _list_filters(leads: QuerySet[Lead], filters: LeadFilters) -> QuerySet[Lead]:
    active = ListMembership.objects.filter(removed_at__isnull=True)
    if filters.list_id is not None:
        on_list = active.filter(lead=OuterRef("pk"), lead_list_id=filters.list_id)
        leads = leads.filter(Exists(on_list))
    if filters.min_lists:
        stacked = (
            active.values("lead_id")
            .annotate(lists=Count("lead_list_id"))
            .filter(lists__gte=filters.min_lists)
            .values("lead_id")
        )
        leads = leads.filter(pk__in=stacked)
    return leads


def leads_filtered(filters: LeadFilters = NO_FILTERS) -> QuerySet[Lead]:
    """The stored leads these filters keep, best score first."""
    leads: QuerySet[Lead] = Lead.objects.all()
    if filters.stage:
        leads = leads.filter(stage=filters.stage)
    if filters.temperature:
        low, high = score_range(filters.temperature)
        leads = leads.filter(ai_score__gte=low, ai_score__lte=high)
    if filters.contactable is not None:
        leads = leads.filter(contactable=filters.contactable)
    if filters.source:
        leads = leads.filter(source=filters.source)
    if filters.zip_code:
        leads = leads.filter(zip_code=filters.zip_code)
    if filters.text:
        text = filters.text
        leads = leads.filter(
            Q(owner_name__icontains=text) | Q(street__icontains=text) | Q(city__icontains=text)
        )
    leads = _list_filters(leads, filters).filter(owner_facts_q(filters))
    return _team_filtered(leads, filters).order_by(BEST_SCORE_FIRST, "pk")


def _team_filtered(leads: QuerySet[Lead], filters: LeadFilters) -> QuerySet[Lead]:
    if filters.assigned_to_id is not None:
        leads = leads.filter(assigned_to_id=filters.assigned_to_id)
    elif filters.unassigned:
        leads = leads.filter(assigned_to__isnull=True)
    if filters.not_exported_since is not None:
        since = local_midnight(filters.not_exported_since)
        exported = Activity.objects.filter(
            lead_id=OuterRef("pk"), kind=ActivityKind.EXPORTED, at__gte=since
        )
        leads = leads.exclude(Exists(exported))
    return leads


# The Leads table's sort orders: `sort=<key>` ascending, `sort=-<key>` descending. Unknown
# values are refused by the forms (`leads.forms.SORT_CHOICES` words each one for people).
SORT_FIELDS = {
    "score": "ai_score",
    "address": "street",
    "owner": "owner_name",
    "value": "avm_value_usd",
    "equity": "estimated_equity_usd",
    "lastSale": "last_sale_date",
    "yearsOwned": "-last_sale_date",  # owned longest = the oldest last sale
}
DEFAULT_SORT = "-score"


def is_lead_sort(sort: str) -> bool:
    return sort.removeprefix("-") in SORT_FIELDS


def leads_sorted(leads: QuerySet[Lead], sort: str = DEFAULT_SORT) -> QuerySet[Lead]:
    """`leads` in a known sort order, unknown values last whichever the direction; ValueError
    for a sort not in SORT_FIELDS."""
    if not is_lead_sort(sort):
        raise ValueError(f"unknown lead sort {sort!r}")
    column = SORT_FIELDS[sort.removeprefix("-")]
    descending = sort.startswith("-") != column.startswith("-")
    field = F(column.removeprefix("-"))
    order = field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
    return leads.order_by(order, "pk")


def best_score_first(leads: list[Lead]) -> list[Lead]:
    """A page of leads already in memory (a search's) in `leads_in_area`'s order: leads still
    owned first, then the best score, unscored last."""
    unscored = -1
    return sorted(
        leads,
        key=lambda lead: (
            not lead.owns_property,
            -(unscored if lead.ai_score is None else lead.ai_score),
            lead.pk,
        ),
    )


def local_midnight(day: dt.date) -> dt.datetime:
    """The first instant of `day` in TIME_ZONE."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def page_of(leads: QuerySet[Lead], number: int, page_size: int) -> Page:
    """One page of leads with their contacts; a page past the end is empty, not an error."""
    paginator = Paginator(with_contacts(leads), page_size)
    try:
        return paginator.page(number)
    except EmptyPage:
        return Page([], number, paginator)
