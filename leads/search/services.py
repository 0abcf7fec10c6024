"""Searching an area: the cache, then ATTOM through the spend guard, then stored leads.

A cache hit is free and is served even when the day's cap is spent. A miss reserves each
ATTOM request's maximum before it is sent (`BillingMeter`) and settles what ATTOM billed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator

from accounts.permissions import SEARCH_ATTOM, ensure_permitted
from billing.guard import record_free
from billing.meter import BillingMeter
from billing.models import Outcome
from billing.pricing import max_cost_micros
from leadflow.text import counted
from leads.lead_contacts import leads_with_contacts
from leads.models import Lead
from leads.scoring.services import enqueue_ai_scoring, leads_score_rules
from leads.search.areas import Area
from leads.search.ingest import ingest_records
from leads.search.narrowing import narrow
from leads.search.query import PropertyFilters, SearchQuery
from leads.selectors import (
    best_score_first,
    leads_in_area,
    owner_facts_q,
    page_of,
)
from providers.attom import AttomClient, GeoQuery, SearchPage, search_max_usage
from providers.modes import OFF, SANDBOX, provider_mode
from providers.registry import ATTOM

logger = logging.getLogger("leadflow.search")

CACHE_VERSION = "v2"
GEO_ID_TTL_SECONDS = 7 * 24 * 3600  # geoIdV4 ids are stable
ATTOM_RESULT_CEILING = 10_000


@dataclass
class SearchOutcome:
    leads: list[Lead]
    total: int
    page: int
    page_size: int
    source: str  # "attom", "attom-sandbox", "cache" or "local"
    cached: bool = False
    cost_micros: int = 0
    notes: list[str] = field(default_factory=list)
    fetched: int = 0  # ATTOM records this search paid for (0 from the cache or stored leads)
    attom_filters: list[str] = field(default_factory=list)  # applied by ATTOM
    after_filters: list[str] = field(default_factory=list)  # applied to what it returned

    @property
    def page_obj(self) -> Page:
        """This page among all ATTOM (or stored) results, for the page links."""
        return Page(self.leads, self.page, Paginator(range(self.total), self.page_size))


def lead_search(*, query: SearchQuery, user_id: int | None = None) -> SearchOutcome:
    """The page of results, hottest first (ATTOM decides which properties are on a page, in
    its own order; this orders each page as the stored leads are)."""
    outcome = narrow(_search(query, user_id), query)
    outcome.leads = best_score_first(outcome.leads)
    return outcome


def _search(query: SearchQuery, user_id: int | None) -> SearchOutcome:
    mode = provider_mode(ATTOM)
    if not query.use_attom:
        return local_search(query)
    if mode != OFF:
        ensure_permitted(user_id, SEARCH_ATTOM)
    if mode == OFF:
        outcome = local_search(query)
        outcome.notes.append(
            "ATTOM is off (no ATTOM_API_KEY is set), so these are stored leads only."
        )
        return outcome
    return attom_search(query, user_id=user_id, sandbox=mode == SANDBOX)


def local_search(query: SearchQuery) -> SearchOutcome:
    leads = leads_in_area(query.area, query.filters)
    if query.narrowing is not None:
        leads = leads.filter(owner_facts_q(query.narrowing))
    page = page_of(leads, query.page, query.page_size)
    return SearchOutcome(
        list(page.object_list), page.paginator.count, query.page, query.page_size, source="local"
    )


def attom_search(query: SearchQuery, *, user_id: int | None, sandbox: bool) -> SearchOutcome:
    key = search_cache_key(query)
    hit = cache.get(key)
    if hit is not None:
        return _from_cache(hit, query, user_id=user_id, sandbox=sandbox)
    logger.info("search cache miss key=%s", key)
    client = AttomClient.from_settings()
    meter = BillingMeter(user_id=user_id, detail=search_detail(query))
    # Every ATTOM request of this search is reserved at once, before the first is sent: the
    # cap refuses the whole search up front, or pays for all of it (never page 1 alone).
    with meter.holding(
        provider=ATTOM, operation="property_search", max_usage=search_max_usage_of(query)
    ):
        geo = _geo_query(query, client, meter)
        if geo is None:
            return _unknown_place(query, sandbox)
        page = client.get_by_geo(geo, page=query.page, page_size=query.page_size, meter=meter)
    return _keep(page, query, key=key, sandbox=sandbox, cost_micros=meter.total_micros)


def _keep(
    page: SearchPage, query: SearchQuery, *, key: str, sandbox: bool, cost_micros: int
) -> SearchOutcome:
    """Store and show what was paid for. Scoring and caching come after and never lose it."""
    ids = ingest_records(page.records, sandbox=sandbox).ids
    leads = _page_leads(ids)
    notes = _notes(page)
    try:
        _score_new(leads)
        if page.failure is None:  # a partial page is never served again from the cache
            cache.set(
                key, {"ids": ids, "total": page.total, "notes": notes}, settings.CACHE_TTL_SECONDS
            )
    except Exception:  # the leads are stored: show them, whatever failed after
        logger.exception("search: scoring or caching the stored leads failed")
        notes.append(
            "The leads are stored, but scoring or caching them failed; search again later."
        )
    return SearchOutcome(
        leads, page.total, query.page, query.page_size,
        source=_source(sandbox), cost_micros=cost_micros, notes=notes,
        fetched=len(page.records) + page.skipped,
    )  # fmt: skip


def _unknown_place(query: SearchQuery, sandbox: bool) -> SearchOutcome:
    return SearchOutcome(
        [],
        0,
        query.page,
        query.page_size,
        source=_source(sandbox),
        notes=[f"ATTOM does not know {query.area.describe()}."],
    )


def search_max_usage_of(query: SearchQuery) -> dict[str, int]:
    """The most a search can bill: every ATTOM page it may fetch, in full, plus the lookup of
    a city's or county's geography."""
    usage = search_max_usage(page=query.page, page_size=query.page_size)
    if query.area.kind in ("city", "county"):
        usage = {**usage, "calls": usage["calls"] + 1}
    return usage


def search_cache_key(query: SearchQuery) -> str:
    area = query.area
    normalised = {
        "area": [
            area.kind,
            area.zip_code,
            area.city,
            area.county,
            area.state,
            str(area.latitude),
            str(area.longitude),
            str(area.radius_miles),
        ],
        "filters": asdict(query.filters),
        "page": query.page,
        "pageSize": query.page_size,
        "mode": provider_mode(ATTOM),
    }
    digest = hashlib.sha256(json.dumps(normalised, sort_keys=True, default=str).encode())
    return f"leadflow:search:{CACHE_VERSION}:{digest.hexdigest()}"


def _from_cache(
    hit: dict, query: SearchQuery, *, user_id: int | None, sandbox: bool
) -> SearchOutcome:
    logger.info("search cache hit")
    record_free(
        provider=ATTOM,
        operation="property_search",
        outcome=Outcome.CACHED,
        user_id=user_id,
        sandbox=sandbox,
        detail=search_detail(query),
    )
    return SearchOutcome(
        _page_leads(hit["ids"]),
        hit["total"],
        query.page,
        query.page_size,
        source="cache",
        cached=True,
        notes=list(hit.get("notes", [])),
    )


def _geo_query(query: SearchQuery, client: AttomClient, meter: BillingMeter) -> GeoQuery | None:
    area = query.area
    if area.kind == "zip":
        return _attom_query(query.filters, postal_code=area.zip_code)
    if area.kind == "radius":
        return _attom_query(
            query.filters,
            latitude=area.latitude,
            longitude=area.longitude,
            radius_miles=area.radius_miles,
        )
    geo_id = _geo_id(area, client, meter)
    return _attom_query(query.filters, geo_id_v4=geo_id) if geo_id else None


def _attom_query(
    wanted: PropertyFilters,
    *,
    postal_code: str | None = None,
    geo_id_v4: str | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    radius_miles: Decimal | None = None,
) -> GeoQuery:
    """One geography plus the filters ATTOM applies itself."""
    return GeoQuery(
        postal_code=postal_code,
        geo_id_v4=geo_id_v4,
        latitude=latitude,
        longitude=longitude,
        radius_miles=radius_miles,
        absentee=wanted.absentee,
        property_types=(wanted.property_type,) if wanted.property_type else (),
        min_beds=wanted.min_beds,
        max_beds=wanted.max_beds,
        min_value=wanted.min_value,
        max_value=wanted.max_value,
    )


def _geo_id(area: Area, client: AttomClient, meter: BillingMeter) -> str | None:
    """ATTOM has no city or county parameter: resolve the place to its geoIdV4 once."""
    kind, name = (
        ("CI", f"{area.city.title()}, {area.state}")
        if area.kind == "city"
        else ("CO", f"{area.county.title()} County, {area.state}")
    )
    key = "leadflow:geoid:" + hashlib.sha256(f"{kind}:{name.upper()}".encode()).hexdigest()
    geo_id = cache.get(key)
    if geo_id is None:
        geo_id = client.lookup_location(name, kind, meter=meter) or ""
        cache.set(key, geo_id, GEO_ID_TTL_SECONDS)
    return geo_id or None


def _score_new(leads: list[Lead]) -> None:
    unscored = [lead for lead in leads if lead.ai_score is None]
    leads_score_rules(unscored)
    enqueue_ai_scoring([lead.pk for lead in unscored])


def _page_leads(ids: list[int]) -> list[Lead]:
    """The page's leads in ATTOM's order, with their contacts; a lead no longer stored is
    left out."""
    by_id = {lead.pk: lead for lead in leads_with_contacts(ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def _notes(page: SearchPage) -> list[str]:
    notes = []
    if page.failure is not None:
        notes.append(
            f"ATTOM failed part-way through this page ({page.failure.message}); the "
            f"{len(page.records)} properties it had already returned are kept. "
            "Try again for the rest."
        )
    if page.ceiling_reached or page.total >= ATTOM_RESULT_CEILING:
        notes.append(
            "ATTOM returns at most 10,000 properties per search, so this area cannot be paged "
            "to the end: narrow it with filters (absentee, type, beds, value) or search ZIP by ZIP."
        )
    if page.skipped:
        notes.append(
            f"{counted(page.skipped, 'record')} from ATTOM had no usable address and "
            f"{'was' if page.skipped == 1 else 'were'} skipped."
        )
    return notes


def _source(sandbox: bool) -> str:
    return "attom-sandbox" if sandbox else "attom"


def search_price_hint(page_size: int, *, page: int = 1) -> dict[str, int]:
    """What a search of one page may cost at most, for the form's hint and the pre-flight."""
    return {
        "max_micros": max_cost_micros(ATTOM, search_max_usage(page=page, page_size=page_size)),
        "lookup_micros": max_cost_micros(ATTOM, {"calls": 1}),
    }


def search_max_cost_micros(query: SearchQuery) -> int:
    """The most this search can cost ATTOM: what its reservation holds."""
    return max_cost_micros(ATTOM, search_max_usage_of(query))


def search_needs_confirming(query: SearchQuery) -> int | None:
    """The most the search can cost when that is above SEARCH_CONFIRM_ABOVE_MICROS and it
    would be paid for (ATTOM asked, on, and the page not in the cache); else None."""
    if not query.use_attom or provider_mode(ATTOM) == OFF or cache.get(search_cache_key(query)):
        return None
    most = search_max_cost_micros(query)
    return most if most > settings.SEARCH_CONFIRM_ABOVE_MICROS else None


def search_detail(query: SearchQuery) -> str:
    """What a search's ledger rows say was searched: "ZIP 85034, page 2 (25 a page)"."""
    return f"{query.area.describe()}, page {query.page} ({query.page_size} a page)"
