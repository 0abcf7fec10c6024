"""The lead filters operator commands share (--zip, --stage, --ids, …)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db.models import QuerySet

from leads.forms import LeadFilterForm
from leads.models import Lead
from leads.selectors import leads_filtered


def leads_from_options(options: dict, filters: tuple[str, ...]) -> QuerySet[Lead]:
    """The stored-lead filters named in `filters`, then `--ids`; a bad value is a CommandError."""
    form = LeadFilterForm({name: options[name] for name in filters if options.get(name)})
    if not form.is_valid():
        raise CommandError(f"bad filter: {form.errors.as_text()}")
    leads = leads_filtered(form.lead_filters())
    if options.get("ids"):
        try:
            leads = leads.filter(pk__in=[int(i) for i in options["ids"].split(",") if i])
        except ValueError:
            raise CommandError("--ids takes comma-separated numbers") from None
    return leads
