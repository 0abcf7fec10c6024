"""A row of the leads tables (the Leads page, a list's page, a search's results, two lists'
overlap), as HTML built in Python: a page shows 25 to 100 rows, and the template engine spent
most of the page's time on them (some forty look-ups and tags per row). The cells are the
same as the `_fragments/lead_row.html` include's, byte for byte; every value from a lead is
escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.template.defaultfilters import floatformat
from django.utils.safestring import SafeString, mark_safe

from leads import badges
from leads.models import Lead, lists_of

_escape = badges.plain_escape


@cache
def _urls() -> tuple[Callable[[int], str], Callable[[int], str], Callable[[int], str]]:
    """The lead page's, a list page's and the skip trace dialog's URL for an id."""
    return tuple(badges.id_url(name) for name in ("lead-detail", "list-detail", "skiptrace-modal"))  # type: ignore[return-value]


@dataclass(frozen=True)
class RowOptions:
    """What the rows of one table share: a checkbox per row, whether the row replaces the one
    on the page (an out-of-band swap), the leads to badge "New", and whether a Skip trace
    button is offered."""

    selectable: bool = False
    oob: bool = False
    new_ids: Collection[int] = ()
    may_trace: bool = False


def lead_row(lead: Lead, options: RowOptions) -> SafeString:
    """The row of `lead` in a leads table."""
    e = _escape
    lead_url, list_url, trace_url = _urls()
    pk = int(lead.pk)
    parts = [f'<tr id="lead-{pk}"', ' hx-swap-oob="true"' if options.oob else "", ">\n  "]
    if options.selectable:
        parts.append(
            f'<td><input type="checkbox" name="lead" value="{pk}" form="bulk-form" '
            f'class="row-select" aria-label="Select {e(lead.address_line)}"></td>'
        )
    parts.append(f"\n  <td>{badges.lead_temperature_badge(lead)}</td>\n  ")
    unit = f" {e(lead.unit)}" if lead.unit else ""
    new = ' <span class="badge badge-new">New</span>' if pk in options.new_ids else ""
    on_lists = lists_of(lead)
    parts.append(
        f'<td><a href="{lead_url(pk)}">{e(lead.street)}{unit}</a>{new}'
        f'<div class="small muted">{e(lead.city)}, {e(lead.state)} {e(lead.zip_code)}</div>'
        f"{badges.lists_line(on_lists, list_url)}</td>\n  "
    )
    parts.append(f"<td>{e(lead.owner_name) if lead.owner_name else '—'}")
    if lead.assigned_to_id and lead.assigned_to is not None:
        parts.append(f'<div class="small muted">Agent: {e(lead.assigned_to.username)}</div>')
    if lead.absentee:
        state = f", {e(lead.mailing_state)}" if lead.mailing_state else ""
        city = e(lead.mailing_city) if lead.mailing_city else ""
        parts.append(f'<div class="small muted">Absentee · {city}{state}</div>')
    parts.append(f'</td>\n  <td class="small">{_property_facts(lead)}</td>\n  ')
    value = f"${floatformat(lead.avm_value_usd, '0g')}" if lead.avm_value_usd else "—"
    equity = lead.estimated_equity_usd
    if equity is not None:
        value += f'<div class="small muted">equity ${floatformat(equity, "0g")}</div>'
    parts.append(f'<td class="num">{value}</td>\n  <td>{_phone_cell(lead)}\n    ')
    parts.append(f"{badges.lead_badges(lead, on_lists)}</td>\n  <td>")
    if options.may_trace:
        row = "selectable" if options.selectable else "plain"
        parts.append(
            f'<button type="button" class="button button-small" '
            f'hx-get="{trace_url(pk)}?row={row}" hx-target="#modal-body" '
            'aria-haspopup="dialog">Skip trace</button>'
        )
    parts.append("</td>\n</tr>\n")
    return mark_safe("".join(parts))


def row_options(context: Any, *, selectable: bool, oob: bool) -> RowOptions:
    """A table's row options from a template's context (a `Context` or a dict): its
    `new_ids`, and its provider modes and permissions (`leadflow.context_processors`), read
    as the template read them: the permissions only when BatchData is on."""
    modes = context.get("provider_modes") or {}
    may_trace = False
    if modes.get("batch") != "off":
        may = context.get("may")
        permissions = may() if callable(may) else may
        may_trace = bool((permissions or {}).get("skip_trace"))
    new_ids = context.get("new_ids") or ()
    return RowOptions(selectable=selectable, oob=oob, new_ids=new_ids, may_trace=may_trace)


def _property_facts(lead: Lead) -> str:
    facts = _escape(lead.property_type) if lead.property_type else ""
    if lead.beds:
        facts += f" · {_escape(lead.beds)} bd"
    if lead.baths:
        facts += f" · {floatformat(lead.baths, '-1')} ba"
    if lead.year_built:
        facts += f" · {_escape(lead.year_built)}"
    return facts


def _phone_cell(lead: Lead) -> str:
    if lead.best_phone:
        return badges.phone_link(lead.best_phone, True)
    if lead.skip_trace_status == "no_match":
        return '<span class="badge badge-neutral">No match</span>'
    if lead.skip_trace_status == "matched":
        return '<span class="badge badge-warn">No callable phone</span>'
    return ""
