"""The spend page's forms; the period form is the `/api/spend` query's too."""

from __future__ import annotations

from typing import Any

from django import forms

from billing import analytics
from billing.models import PROVIDER_CHOICES, Outcome
from leadflow.forms import AsciiIntegerField


class PeriodForm(forms.Form):
    days = AsciiIntegerField(min_value=1, max_value=analytics.MAX_DAYS, required=False)

    def days_or_default(self) -> int:
        if self.is_valid() and self.cleaned_data["days"]:
            return self.cleaned_data["days"]
        return analytics.DEFAULT_DAYS


class LedgerFilterForm(forms.Form):
    provider = forms.ChoiceField(choices=[("", "Any"), *PROVIDER_CHOICES], required=False)
    operation = forms.ChoiceField(
        choices=[
            ("", "Any"),
            *((p, [(op, op) for op in ops]) for p, ops in analytics.OPERATIONS.items()),
        ],
        required=False,
    )
    outcome = forms.ChoiceField(choices=[("", "Any"), *Outcome.choices], required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    show = forms.ChoiceField(
        choices=[
            (analytics.PAID, "Paid calls"),
            (analytics.EVERY_ROW, "Every row (cache hits, reuse, refusals too)"),
        ],
        required=False,
        label="Rows",
    )
    page = AsciiIntegerField(min_value=1, required=False)

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid one is dropped (and reported by the form)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in analytics.LEDGER_FILTERS}

    def rows_shown(self) -> str:
        """Paid calls unless every row is asked for: the free rows bury the spend."""
        self.is_valid()
        return self.cleaned_data.get("show") or analytics.PAID

    def page_number(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("page") or 1
