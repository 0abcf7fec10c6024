"""Which leads a bulk action on the Leads table means: the ticked rows, or every lead the
table's filter matches ("all matching")."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

from leadflow.forms import whole_number
from leads.forms import LeadFilterForm
from leads.selectors import leads_filtered


def selected_lead_ids(
    request: HttpRequest, *, limit: int, action: str
) -> tuple[list[int], str | None]:
    """The chosen lead ids, or the reason there are none (or too many)."""
    if request.POST.get("all_matching") == "1":
        form = LeadFilterForm(QueryDict(request.POST.get("filter", "")), user=request.user)
        if not form.is_valid():
            return [], "The filter is not valid."
        matching = leads_filtered(form.lead_filters()).values_list("pk", flat=True)
        ids = list(matching[: limit + 1])
    else:
        try:
            ids = [whole_number(v, minimum=1) for v in request.POST.getlist("lead")]
        except ValueError:
            return [], "Lead ids must be numbers."
    if not ids:
        return [], "Choose at least one lead (tick the rows, or “all matching the filter”)."
    if len(ids) > limit:
        return [], f"At most {limit:,} leads per {action}; narrow the filter."
    return ids, None
