"""The export's options on top of the stored-lead filters."""

from __future__ import annotations

from django import forms

from leadflow.forms import AsciiIntegerField
from leads.export.presets import PRESETS
from leads.forms import LeadFilterForm, TriStateField

MAX_ROWS_PER_FILE = 1_000_000
PAGING = ("page", "pageSize")  # the Leads page's paging: no part of an export


class ExportForm(LeadFilterForm):
    """The stored-lead filters plus the export's own options; page and pageSize are ignored:
    the export holds every lead that matches. An unknown preset is an error, never the full
    export by surprise. Scrub and the byte-order mark are off unless asked for."""

    preset = forms.ChoiceField(
        required=False,
        choices=[("", "Full lead export"), *((p.name, p.label) for p in PRESETS.values())],
        label="Dialer preset",
    )
    scrub = TriStateField(
        required=False,
        label="Scrub (leave out numbers not to dial)",
        widget=forms.Select(choices=[("false", "Off"), ("true", "On")]),
    )
    bom = TriStateField(
        required=False,
        label="Start with a byte-order mark (for Excel)",
        widget=forms.Select(choices=[("false", "No"), ("true", "Yes")]),
    )
    rowsPerFile = AsciiIntegerField(
        required=False, min_value=1, max_value=MAX_ROWS_PER_FILE, label="Rows per file"
    )

    def filter_fields(self) -> list[forms.BoundField]:
        """Every lead filter (those of the Leads page), for the export page to show and send."""
        return [self[name] for name in LeadFilterForm.base_fields if name not in PAGING]
