"""Forms of lists: a new list, a saved search, a refresh, and a JSON body read as form data.

Field names are the API's, so a page's form posts exactly what a script sends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings

from leadflow.forms import AsciiIntegerField
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
    maxRecords = AsciiIntegerField(
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
    maxRecords = AsciiIntegerField(
        required=False, min_value=1, max_value=MAX_RECORDS, label="Records per refresh"
    )
    preview = TriStateField(required=False)


class LeadSelectionForm(forms.Form):
    """The page's "Add to list" / "Remove": ticked rows, or every lead matching a filter."""

    list = forms.ModelChoiceField(queryset=LeadList.objects.all(), empty_label="Choose a list")
    new_list = forms.CharField(required=False, max_length=120, label="or a new list named")


MAX_IMPORT_BYTES = 50 * 1024 * 1024  # IMPORT_MAX_BYTES's default


class ImportForm(forms.Form):
    """`POST /api/imports` and the page's upload: a CSV, the new list's name, an optional
    column mapping `{"<csv column>": "<field>"}` and `preview`."""

    file = forms.FileField(required=True, allow_empty_file=False)
    listName = forms.CharField(required=False, max_length=120, label="List name")
    mapping = forms.CharField(required=False, widget=forms.HiddenInput)
    preview = TriStateField(required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"Files up to {limit / 1024 / 1024:g} MB: split a larger list into parts."
            )
        return upload

    def clean_mapping(self) -> dict[str, str] | None:
        raw = self.cleaned_data["mapping"].strip()
        if not raw:
            return None
        try:
            mapping = json.loads(raw)
        except ValueError:
            message = 'Send the mapping as JSON: {"<csv column>": "<field>"}.'
            raise forms.ValidationError(message) from None
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise forms.ValidationError("The mapping is an object of column → field names.")
        return mapping

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("preview") and not (data.get("listName") or "").strip():
            self.add_error("listName", "Name the list the import makes.")
        return data
