"""Forms of the pipeline board: its filters and a card move."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from leadflow.forms import AsciiIntegerField, whole_number
from leads.forms import (
    ListFiltersForm,
    OwnerFactsForm,
    TeamFilterMixin,
    TriStateField,
    lead_filters_from,
)
from leads.models import Source, Stage, Temperature
from leads.selectors import NO_FILTERS, LeadFilters


class BoardFilterForm(OwnerFactsForm, ListFiltersForm, TeamFilterMixin):
    temperature = forms.ChoiceField(
        required=False, choices=[("", "Any temperature"), *Temperature.choices]
    )
    contactable = TriStateField(required=False, options=("Any", "Contactable", "Not contactable"))
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *Source.choices])

    def lead_filters(self) -> LeadFilters:
        """The board's filters; an invalid one shows the whole board (with the error)."""
        return lead_filters_from(self.cleaned_data) if self.is_valid() else NO_FILTERS


class MoveForm(forms.Form):
    """A card move from the board: where to, and where the mover saw it."""

    lead = AsciiIntegerField(min_value=1)
    stage = forms.ChoiceField(choices=Stage.choices)
    position = AsciiIntegerField(min_value=0, required=False)
    expected_stage = forms.ChoiceField(choices=Stage.choices, required=False)
    expected_position = AsciiIntegerField(min_value=0, required=False)

    def move_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "lead_id": data["lead"],
            "stage": data["stage"],
            "position": data["position"] if data["position"] is not None else 0,
            "expected_stage": data["expected_stage"] or None,
            "expected_position": data["expected_position"],
        }


SHOWN_PREFIX = "show_"  # show_<stage>=<n>: how many cards that column showed


def shown_per_column(*queries: QueryDict) -> dict[str, int]:
    """How many cards each column showed, from `show_<stage>` values (later queries win);
    a value that is not a whole number is ignored (the column shows its first cards)."""
    shown: dict[str, int] = {}
    for query in queries:
        for stage in Stage.values:
            try:
                shown[stage] = whole_number(query.get(SHOWN_PREFIX + stage, ""))
            except ValueError:
                continue
    return shown
