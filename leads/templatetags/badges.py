"""The lead badges of `leads.badges` for templates: `{% load badges %}`."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from leads import badges
from leads.lead_rows import lead_row as build_lead_row
from leads.lead_rows import row_options
from leads.models import Lead, lists_of

register = template.Library()


@register.simple_tag
def temperature_badge(lead: Lead) -> SafeString:
    return badges.lead_temperature_badge(lead)


@register.simple_tag
def phone_link(number: str, badge: object = False) -> SafeString:
    return badges.phone_link(number, bool(badge))


@register.simple_tag
def lead_badges(lead: Lead) -> SafeString:
    return badges.lead_badges(lead, lists_of(lead))


@register.simple_tag
def lead_lists_line(lead: Lead) -> SafeString:
    return badges.lists_line(lists_of(lead), _list_url)


def _list_url(pk: int) -> str:
    return reverse("list-detail", args=[pk])


@register.simple_tag(takes_context=True)
def lead_row(
    context: template.Context,
    lead: Lead,
    selectable: bool | None = None,
    oob: bool | None = None,
) -> SafeString:
    """`{% lead_row lead selectable=True %}`: the lead's row in a leads table. An option not
    given is the context's variable of that name (a skip trace dialog says which row kind
    it was opened from)."""
    options = row_options(
        context,
        selectable=bool(context.get("selectable") if selectable is None else selectable),
        oob=bool(context.get("oob") if oob is None else oob),
    )
    return build_lead_row(lead, options)
