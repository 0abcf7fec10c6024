from __future__ import annotations

from django import template

from leads.phones import display_phone

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def phone(e164: str) -> str:
    """A stored E.164 number as people read it (`leads.phones.display_phone`)."""
    return display_phone(e164)
