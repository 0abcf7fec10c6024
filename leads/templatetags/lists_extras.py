"""Template filters for the lists a lead is on (prefetched by `selectors.with_contacts`)."""

from __future__ import annotations

from django import template

from leads.models import Lead, LeadList, lists_of

register = template.Library()


@register.filter
def lead_lists(lead: Lead) -> list[LeadList]:
    return lists_of(lead)


@register.simple_tag
def all_lead_lists() -> list[LeadList]:
    """Every list, for an "Add to list" menu (one query)."""
    return list(LeadList.objects.order_by("name", "pk"))
