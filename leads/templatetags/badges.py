"""The lead badges of `leads.badges` for templates: `{% load badges %}`."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from leads import badges
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
