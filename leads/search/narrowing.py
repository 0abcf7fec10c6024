"""Filters ATTOM cannot apply, applied to what it returned, and how a page says which is which.

ATTOM filters a search by absentee, property type, beds and value itself. Equity %, years
owned, owner type, free and clear and out-of-state owner are read from the records it returns
(the same facts the rules score reads), so they narrow the page afterwards: ATTOM bills for
every record it returned, shown or not.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from leads.models import Lead
from leads.search.query import PropertyFilters, SearchQuery
from leads.selectors import LeadFilters, owner_facts_q

if TYPE_CHECKING:
    from leads.search.services import SearchOutcome


def attom_filter_labels(filters: PropertyFilters) -> list[str]:
    labels = []
    if filters.absentee is not None:
        labels.append("absentee owners" if filters.absentee else "owner-occupied")
    if filters.property_type:
        labels.append(f"type {filters.property_type}")
    for value, label in (
        (filters.min_beds, "at least {} beds"),
        (filters.max_beds, "at most {} beds"),
        (filters.min_value, "value from ${:,}"),
        (filters.max_value, "value up to ${:,}"),
    ):
        if value is not None:
            labels.append(label.format(value))
    return labels


def narrowing_labels(filters: LeadFilters | None) -> list[str]:
    if filters is None:
        return []
    labels = []
    if filters.min_equity_pct is not None:
        labels.append(f"equity at least {filters.min_equity_pct}%")
    if filters.min_years_owned is not None:
        labels.append(f"owned at least {filters.min_years_owned} years")
    if filters.owner_type:
        labels.append(f"{filters.owner_type} owners")
    for flag, yes, no in (
        (filters.free_and_clear, "free and clear", "mortgaged"),
        (filters.out_of_state_owner, "out-of-state owners", "in-state owners"),
    ):
        if flag is not None:
            labels.append(yes if flag else no)
    return labels


def narrow(outcome: SearchOutcome, query: SearchQuery) -> SearchOutcome:
    """Keep the page's leads that pass the narrowing filters, saying what was applied where.
    Stored-lead searches applied them in their query already."""
    outcome.attom_filters = attom_filter_labels(query.filters)
    outcome.after_filters = narrowing_labels(query.narrowing)
    if query.narrowing is None or outcome.source == "local":
        return outcome
    ids = [lead.pk for lead in outcome.leads]
    kept = set(
        Lead.objects.filter(pk__in=ids)
        .filter(owner_facts_q(query.narrowing))
        .values_list("pk", flat=True)
    )
    returned = len(outcome.leads)
    outcome.leads = [lead for lead in outcome.leads if lead.pk in kept]
    outcome.notes.append(
        f"{len(outcome.leads)} of the {returned} properties on this page match "
        + ", ".join(outcome.after_filters)
        + ": filters ATTOM cannot apply, so they were applied afterwards "
        "(ATTOM bills for every property it returns)."
    )
    return outcome


def without_narrowing(query: SearchQuery) -> SearchQuery:
    return replace(query, narrowing=None)
