"""Forms of the pipeline board: its filters and a card move."""

from __future__ import annotations

from django import forms

from leads.forms import TriStateField
from leads.models import Source, Stage, Temperature


class BoardFilterForm(forms.Form):
    temperature = forms.ChoiceField(
        required=False, choices=[("", "Any temperature"), *Temperature.choices]
    )
    contactable = TriStateField(required=False)
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *Source.choices])


class MoveForm(forms.Form):
    """A card move from the board: where to, and where the mover saw it."""

    lead = forms.IntegerField(min_value=1)
    stage = forms.ChoiceField(choices=Stage.choices)
    position = forms.IntegerField(min_value=0, required=False)
    expected_stage = forms.ChoiceField(choices=Stage.choices, required=False)
    expected_position = forms.IntegerField(min_value=0, required=False)

    def move_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "lead_id": data["lead"],
            "stage": data["stage"],
            "position": data["position"] if data["position"] is not None else 0,
            "expected_stage": data["expected_stage"] or None,
            "expected_position": data["expected_position"],
        }
