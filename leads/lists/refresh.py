"""Saved searches that refresh: the stored query run again through the normal search path.

A refresh walks the search's pages (`lead_search`: cache, spend guard, ingest, scoring) up to
the list's record limit. Pages are sized so that whole ATTOM pages make up the limit, and each
page is paid for, or refused, on its own: when today's cap cannot pay the next page the
refresh stops there with what it fetched (`stopped_at_cap`), and when it cannot pay the first
it refuses (`CapExceeded`, HTTP 429) having spent nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from django.utils import timezone

from billing.guard import CapExceeded
from billing.selectors import provider_spend_today
from leads.lists.forms import form_data
from leads.lists.models import LeadList, ListKind
from leads.lists.services import ListRejected, add_found_leads
from leads.search.forms import SearchForm
from leads.search.query import SearchQuery
from leads.search.services import lead_search, search_price_hint
from providers.attom import ATTOM_MAX_PAGESIZE
from providers.http import ProviderError


@dataclass(frozen=True)
class RefreshPlan:
    max_records: int
    page_size: int
    pages: int
    max_cost_micros: int  # every page in full, and the place lookup of a city or county
    budget_left_micros: int  # today's ATTOM budget


@dataclass(frozen=True)
class RefreshResult:
    fetched: int  # ATTOM records paid for
    new: int  # leads, as the list's `new_since_last_refresh`
    already_on: int
    removed_skipped: int  # found again, but an agent had removed them
    cost_micros: int
    stopped_at_cap: bool
    note: str = ""


def saved_query(lead_list: LeadList) -> SearchQuery:
    """The list's stored search as a domain value; refused when it is no longer valid."""
    if lead_list.kind != ListKind.SAVED_SEARCH:
        raise ListRejected("Only a saved search refreshes.", code="not_saved_search")
    data, _ = form_data(lead_list.query)
    form = SearchForm(data)
    if not form.is_valid():
        raise ListRejected(f"The saved search is not valid: {form.errors}", code="invalid_query")
    return form.search_query()


def refresh_plan(lead_list: LeadList, *, max_records: int | None = None) -> RefreshPlan:
    query = saved_query(lead_list)
    wanted = max_records or lead_list.max_records or 100
    pages = math.ceil(wanted / ATTOM_MAX_PAGESIZE)
    page_size = math.ceil(wanted / pages)
    hints = [search_price_hint(page_size, page=page) for page in range(1, pages + 1)]
    most = sum(hint["max_micros"] for hint in hints)
    if query.area.kind in ("city", "county"):
        most += hints[0]["lookup_micros"]
    return RefreshPlan(
        max_records=wanted,
        page_size=page_size,
        pages=pages,
        max_cost_micros=most,
        budget_left_micros=provider_spend_today("attom").remaining_micros,
    )


def saved_search_refresh(
    *, lead_list: LeadList, max_records: int | None = None, user_id: int | None = None
) -> RefreshResult:
    plan = refresh_plan(lead_list, max_records=max_records)
    query = saved_query(lead_list)
    lead_ids: list[int] = []
    fetched = cost = 0
    stopped, note = False, ""
    for page in range(1, plan.pages + 1):
        try:
            outcome = lead_search(
                query=replace(query, page=page, page_size=plan.page_size), user_id=user_id
            )
        except CapExceeded:
            if page == 1:
                raise  # nothing fetched, nothing spent: the caller answers 429
            stopped = True
            note = f"Stopped at today's ATTOM cap after {page - 1} of {plan.pages} pages."
            break
        except ProviderError as exc:
            if page == 1:
                raise
            note = f"ATTOM failed on page {page} ({exc.message}); the pages before it are kept."
            break
        lead_ids += [lead.pk for lead in outcome.leads]
        fetched += outcome.fetched
        cost += outcome.cost_micros
        if page * plan.page_size >= outcome.total:
            break
    found = add_found_leads(lead_list=lead_list, lead_ids=lead_ids, mark_new=True)
    _record(lead_list, found.new, note)
    return RefreshResult(
        fetched=fetched,
        new=found.new,
        already_on=found.already_on,
        removed_skipped=found.removed_skipped,
        cost_micros=cost,
        stopped_at_cap=stopped,
        note=note,
    )


def _record(lead_list: LeadList, new: int, note: str) -> None:
    lead_list.last_refreshed_at = timezone.now()
    lead_list.new_since_last_refresh = new
    lead_list.last_refresh_note = note[:300]
    lead_list.save(
        update_fields=["last_refreshed_at", "new_since_last_refresh", "last_refresh_note"]
    )


def lists_to_refresh_daily() -> list[LeadList]:
    return list(
        LeadList.objects.filter(kind=ListKind.SAVED_SEARCH, daily_refresh=True).order_by("pk")
    )
