"""The export's options on top of the stored-lead filters."""

from __future__ import annotations

from django import forms

from leadflow.forms import AsciiIntegerField
from leads.export.presets import PRESETS
from leads.forms import LeadFilterForm, TriStateField

MAX_ROWS_PER_FILE = 1_000_000


class ExportForm(LeadFilterForm):
    """The stored-lead filters plus the export's own options; page and pageSize are ignored:
    the export holds every lead that matches. An unknown preset is an error, never the full
    export by surprise."""

    preset = forms.ChoiceField(
        required=False,
        choices=[("", "Full lead export"), *((p.name, p.label) for p in PRESETS.values())],
        label="Dialer preset",
    )
    scrub = TriStateField(required=False, label="Scrub (leave out numbers not to dial)")
    bom = TriStateField(required=False, label="Start with a byte-order mark (for Excel)")
    rowsPerFile = AsciiIntegerField(
        required=False, min_value=1, max_value=MAX_ROWS_PER_FILE, label="Rows per file"
    )
