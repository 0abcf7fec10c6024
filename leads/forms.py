"""Fields and forms shared by several features. Field names are the API's names, so a page's
GET parameters are exactly its API's and a filtered page is bookmarkable."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from leadflow.forms import AsciiIntegerField
from leads.models import Source, Stage, Temperature
from leads.selectors import LeadFilters

MAX_PAGE_SIZE = 500
MAX_ID = 2**63 - 1  # the largest primary key the databases hold
TRUE_VALUES = {"1", "true", "on", "yes"}
FALSE_VALUES = {"0", "false", "off", "no"}


class TriStateField(forms.CharField):
    """true / false / absent; anything else is an error (never silently ignored).

    Renders as a select of the three, worded by `options` (any, yes, no)."""

    def __init__(
        self, *, options: tuple[str, str, str] = ("Any", "Yes", "No"), **kwargs: object
    ) -> None:
        any_, yes, no = options
        choices = [("", any_), ("true", yes), ("false", no)]
        kwargs.setdefault("widget", forms.Select(choices=choices))
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_python(self, value):
        value = (value or "").strip().lower()
        if value == "":
            return None
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        raise forms.ValidationError("Use true or false.")


def whole_number_field(label: str, **kwargs) -> AsciiIntegerField:
    return AsciiIntegerField(required=False, min_value=0, label=label, **kwargs)


class LeadFilterForm(forms.Form):
    """Filters of the stored-lead list, the board, the export and `/api/leads`."""

    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *Stage.choices])
    temperature = forms.ChoiceField(
        required=False, choices=[("", "Any temperature"), *Temperature.choices]
    )
    contactable = TriStateField(required=False, options=("Any", "Contactable", "Not contactable"))
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *Source.choices])
    zip = forms.CharField(required=False, max_length=5, label="ZIP")
    q = forms.CharField(required=False, max_length=100, label="Owner or address")
    page = AsciiIntegerField(required=False, min_value=1)
    pageSize = AsciiIntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    def clean_zip(self) -> str:
        zip5 = self.cleaned_data["zip"].strip()
        if zip5 and not re.fullmatch(r"[0-9]{5}", zip5):
            raise forms.ValidationError("Enter a 5-digit ZIP code.")
        return zip5

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["page"] = data.get("page") or 1
        data["pageSize"] = data.get("pageSize") or 25
        return data

    def lead_filters(self) -> LeadFilters:
        return lead_filters_from(self.cleaned_data)


def lead_filters_from(data: dict[str, Any]) -> LeadFilters:
    """The filters a valid lead-filter form (or its board subset) asked for."""
    return LeadFilters(
        stage=data.get("stage") or "",
        temperature=data.get("temperature") or "",
        contactable=data.get("contactable"),
        source=data.get("source") or "",
        zip_code=data.get("zip") or "",
        text=data.get("q") or "",
    )


def clean_lead_ids(value: object, *, limit: int) -> list[int]:
    """A JSON list of lead ids (`leadIds`): 1 to `limit` whole numbers, duplicates dropped."""
    if not isinstance(value, list) or not value:
        raise forms.ValidationError("A non-empty list of lead ids.")
    if len(value) > limit:
        raise forms.ValidationError(f"At most {limit:,} leads at a time.")
    if any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= MAX_ID for v in value):
        raise forms.ValidationError("Lead ids are whole numbers above 0.")
    return list(dict.fromkeys(value))
