"""Template filters for the lists a lead is on (prefetched by `selectors.with_contacts`)."""

from __future__ import annotations

from django import template
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet

from leads.chunk_query import compiled_once
from leads.models import Lead, LeadList, lists_of

register = template.Library()


@register.filter
def lead_lists(lead: Lead) -> list[LeadList]:
    return lists_of(lead)


@register.simple_tag
def all_lead_lists() -> list[LeadList]:
    """Every list, for an "Add to list" menu (one query, compiled once: `compiled_once`)."""
    return compiled_once("every list", DEFAULT_DB_ALIAS, _every_list).instances(LeadList, [])


def _every_list(db: str) -> QuerySet[LeadList]:
    return LeadList.objects.using(db).order_by("name", "pk")
