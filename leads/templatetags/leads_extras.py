from __future__ import annotations

from django import template

from leads.models import Lead
from leads.phones import display_phone
from leads.selectors import DEFAULT_SORT
from leads.skiptrace.failures import TraceFailure
from leads.skiptrace.failures import trace_failure as latest_trace_failure

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


@register.filter
def trace_failure(lead: Lead) -> TraceFailure | None:
    """Why the lead's latest skip trace failed, or None (`leads.skiptrace.failures`)."""
    return latest_trace_failure(lead)


# Columns whose first click sorts the most useful end first: the highest, newest or longest.
FIRST_DESCENDING = {"score", "value", "equity", "lastSale", "yearsOwned"}


@register.inclusion_tag("_fragments/sort_header.html", takes_context=True)
def sort_header(context, key: str, label: str, css: str = "") -> dict:
    """A column header linking to the table sorted by `key` (the other direction when it is
    already the sort), from page 1, other parameters kept; `aria-sort` on the sorted column."""
    current = context.get("sort") or DEFAULT_SORT
    active = current.removeprefix("-") == key
    descending = current.startswith("-")
    if active:
        wanted = key if descending else f"-{key}"
    else:
        wanted = f"-{key}" if key in FIRST_DESCENDING else key
    query = context["request"].GET.copy()
    query["sort"] = wanted
    query.pop("page", None)
    direction = ("descending" if descending else "ascending") if active else ""
    return {"label": label, "css": css, "query": query.urlencode(), "aria_sort": direction}
