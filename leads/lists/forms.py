"""Forms of lists: a new list, a saved search, a refresh, and a JSON body read as form data.

Field names are the API's, so a page's form posts exactly what a script sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from leads.forms import TriStateField
from leads.lists.models import LeadList
from leads.search.forms import SearchForm

DEFAULT_MAX_RECORDS = 100
MAX_RECORDS = 10_000  # ATTOM pages no further into one search
# Search parameters a saved search does not keep: a refresh walks the pages itself.
NOT_SAVED = frozenset({"page", "pageSize"})
OWN_FIELDS = frozenset({"name", "dailyRefresh", "maxRecords"})


def form_data(body: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A JSON object as the strings a form reads (true → "true", 3 → "3"), plus the errors
    of values no form field could read (objects, lists)."""
    data: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for key, value in body.items():
        if value is None:
            continue
        if isinstance(value, bool):
            data[key] = "true" if value else "false"
        elif isinstance(value, int | float | str):
            data[key] = str(value)
        else:
            errors[key] = ["Must be a string, a number, or true or false."]
    return data, errors


def list_name_field() -> forms.CharField:
    return forms.CharField(max_length=LeadList._meta.get_field("name").max_length, strip=True)


class ListForm(forms.Form):
    name = list_name_field()


class SavedSearchForm(SearchForm):
    """A search to keep as a list: `/api/search`'s parameters plus the list's own."""

    name = list_name_field()
    dailyRefresh = TriStateField(required=False, label="Refresh daily")
    maxRecords = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_RECORDS, label="Records per refresh"
    )

    def saved_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "daily_refresh": bool(data.get("dailyRefresh")),
            "max_records": data.get("maxRecords") or DEFAULT_MAX_RECORDS,
        }


def stored_query(body: Mapping[str, Any]) -> dict[str, Any]:
    """The search parameters of a valid saved-search body, with the values as sent."""
    search_fields = set(SearchForm.base_fields) - NOT_SAVED
    return {
        key: value
        for key, value in body.items()
        if key in search_fields and value is not None and value != ""
    }


class RefreshForm(forms.Form):
    maxRecords = forms.IntegerField(required=False, min_value=1, max_value=MAX_RECORDS)
    preview = TriStateField(required=False)


class LeadSelectionForm(forms.Form):
    """The page's "Add to list" / "Remove": ticked rows, or every lead matching a filter."""

    list = forms.ModelChoiceField(queryset=LeadList.objects.all(), empty_label="Choose a list")
    new_list = forms.CharField(required=False, max_length=120, label="or a new list named")
