"""Which leads a page's bulk action is for: the ticked rows, or every lead matching the
filter the page shows ("all matching"). Shared by bulk skip trace and lists."""

from __future__ import annotations

from django.http import QueryDict

from leads.forms import LeadFilterForm
from leads.selectors import leads_filtered


def selected_lead_ids(post: QueryDict, *, limit: int, action: str) -> tuple[list[int], str | None]:
    """The chosen lead ids (at most `limit`), or the sentence saying what is wrong."""
    if post.get("all_matching") == "1":
        form = LeadFilterForm(QueryDict(post.get("filter", "")))
        if not form.is_valid():
            return [], "The filter is not valid."
        matching = leads_filtered(form.lead_filters()).values_list("pk", flat=True)
        ids = list(matching[: limit + 1])
    else:
        try:
            ids = [int(v) for v in post.getlist("lead")]
        except ValueError:
            return [], "Lead ids must be numbers."
    if not ids:
        return [], "Choose at least one lead (tick the rows, or “all matching the filter”)."
    if len(ids) > limit:
        return [], f"At most {limit:,} leads per {action}; narrow the filter."
    return ids, None
