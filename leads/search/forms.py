"""The search form: what agents and scripts ask ATTOM for. Field names are the search API's
names, so the search page's GET parameters are exactly the API's and a search is bookmarkable."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

import zipcodes
from django import forms

from leadflow.forms import AsciiDecimalField, AsciiIntegerField
from leads.forms import (
    MAX_PAGE_SIZE,
    OwnerFactsForm,
    TriStateField,
    owner_facts_from,
    whole_number_field,
)
from leads.search.areas import US_STATES, Area, city_zip_codes, county_zip_codes
from leads.search.query import DEFAULT_PAGE_SIZE, PropertyFilters, SearchQuery
from leads.selectors import LeadFilters
from providers.attom import RESULT_CEILING

PROPERTY_TYPES = [
    ("", "Any type"),
    ("SFR", "Single family"),
    ("CONDOMINIUM", "Condominium"),
    ("TOWNHOUSE", "Townhouse"),
    ("DUPLEX", "Duplex"),
    ("APARTMENT", "Apartment"),
    ("MOBILE HOME", "Mobile home"),
]


@lru_cache(maxsize=4096)
def is_real_zip(zip5: str) -> bool:
    """`zipcodes.is_real` scans its whole table (~15 ms a call): every search asks, and
    the answer for a ZIP never changes while the process runs."""
    return bool(zipcodes.is_real(zip5))


class SearchForm(OwnerFactsForm):
    zip = forms.CharField(required=False, max_length=10, label="ZIP")
    city = forms.CharField(required=False, max_length=100)
    county = forms.CharField(required=False, max_length=100)
    state = forms.CharField(required=False, max_length=2)
    lat = AsciiDecimalField(
        required=False, min_value=-90, max_value=90, decimal_places=6, label="Latitude"
    )
    lng = AsciiDecimalField(
        required=False, min_value=-180, max_value=180, decimal_places=6, label="Longitude"
    )
    radius = AsciiDecimalField(
        required=False,
        min_value=Decimal("0.1"),
        max_value=20,
        decimal_places=2,
        label="Radius (miles)",
    )
    absentee = TriStateField(
        required=False, label="Owner", options=("Any owner", "Absentee only", "Owner-occupied only")
    )
    propertyType = forms.ChoiceField(required=False, choices=PROPERTY_TYPES, label="Type")
    minBeds = whole_number_field("Min beds", max_value=20)
    maxBeds = whole_number_field("Max beds", max_value=20)
    minValue = whole_number_field("Min value ($)")
    maxValue = whole_number_field("Max value ($)")
    page = AsciiIntegerField(required=False, min_value=1, max_value=10_000)
    pageSize = AsciiIntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, label="Per page"
    )
    attom = TriStateField(required=False, label="Fetch from ATTOM")
    # A search that may cost more than SEARCH_CONFIRM_ABOVE_MICROS runs only with this set.
    confirm = TriStateField(required=False, label="Confirm the cost")

    def clean_zip(self) -> str:
        raw = self.cleaned_data["zip"].strip()
        if not raw:
            return ""
        match = re.fullmatch(r"([0-9]{5})(?:-[0-9]{4})?", raw)
        if not match:
            raise forms.ValidationError("Enter a 5-digit ZIP code.")
        zip5 = match.group(1)
        if not is_real_zip(zip5):
            raise forms.ValidationError(f"{zip5} is not a US ZIP code.")
        return zip5

    def clean_state(self) -> str:
        state = self.cleaned_data["state"].strip().upper()
        if state and state not in US_STATES:
            raise forms.ValidationError("Enter a two-letter US state, e.g. AZ.")
        return state

    def clean_city(self) -> str:
        return " ".join(self.cleaned_data["city"].split()).upper()

    def clean_county(self) -> str:
        county = " ".join(self.cleaned_data["county"].split()).upper()
        return re.sub(r"\s+(COUNTY|PARISH|BOROUGH)$", "", county)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self._check_ranges(data)
        self._check_page(data)
        if not self.errors:
            data["area"] = self._area(data)
        data["page"] = data.get("page") or 1
        data["pageSize"] = data.get("pageSize") or DEFAULT_PAGE_SIZE
        return data

    @property
    def confirmed(self) -> bool:
        """The agent (or script) accepted the cost shown for this search."""
        return bool(self.cleaned_data.get("confirm"))

    def search_query(self, *, attom_by_default: bool = True) -> SearchQuery:
        """The valid search as a domain value: the API's spellings stop here. Without an
        `attom` value it asks ATTOM unless `attom_by_default` is off (a user who may not)."""
        data = self.cleaned_data
        attom = data.get("attom")
        return SearchQuery(
            area=data["area"],
            filters=PropertyFilters(
                absentee=data.get("absentee"),
                property_type=data.get("propertyType") or "",
                min_beds=data.get("minBeds"),
                max_beds=data.get("maxBeds"),
                min_value=data.get("minValue"),
                max_value=data.get("maxValue"),
            ),
            page=data["page"],
            page_size=data["pageSize"],
            use_attom=attom_by_default if attom is None else attom,
            narrowing=_narrowing(data),
        )

    def _check_page(self, data: dict) -> None:
        """ATTOM pages only its first RESULT_CEILING results: a page past them would be
        answered with no results and no true total."""
        page, size = data.get("page"), data.get("pageSize") or DEFAULT_PAGE_SIZE
        last = math.ceil(RESULT_CEILING / size)
        if page is not None and page > last:
            self.add_error(
                "page",
                f"A search reaches at most {RESULT_CEILING:,} properties: "
                f"with {size} per page the last page is {last}.",
            )

    def _check_ranges(self, data: dict) -> None:
        for low, high in (("minBeds", "maxBeds"), ("minValue", "maxValue")):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, "Must not be less than the minimum.")

    def _area(self, data: dict) -> Area | None:
        given = {
            "zip": bool(data.get("zip")),
            "city": bool(data.get("city")),
            "county": bool(data.get("county")),
            "radius": any(data.get(k) is not None for k in ("lat", "lng", "radius")),
        }
        chosen = [kind for kind, present in given.items() if present]
        if not chosen:
            self.add_error(None, "Search by ZIP, city and state, county and state, or a radius.")
            return None
        if len(chosen) > 1:
            self.add_error(None, "Search by one area at a time: " + " or ".join(chosen) + ".")
            return None
        return getattr(self, f"_area_{chosen[0]}")(data)

    def _area_zip(self, data: dict) -> Area:
        return Area("zip", zip_code=data["zip"])

    def _area_city(self, data: dict) -> Area | None:
        if not data.get("state"):
            self.add_error("state", "A city search needs its state.")
            return None
        if not city_zip_codes(data["city"], data["state"]):
            self.add_error("city", f"No city called {data['city'].title()} in {data['state']}.")
            return None
        return Area("city", city=data["city"], state=data["state"])

    def _area_county(self, data: dict) -> Area | None:
        if not data.get("state"):
            self.add_error("state", "A county search needs its state.")
            return None
        if not county_zip_codes(data["county"], data["state"]):
            self.add_error(
                "county", f"No county called {data['county'].title()} in {data['state']}."
            )
            return None
        return Area("county", county=data["county"], state=data["state"])

    def _area_radius(self, data: dict) -> Area | None:
        missing = [k for k in ("lat", "lng", "radius") if data.get(k) is None]
        for name in missing:
            self.add_error(name, "A radius search needs latitude, longitude and radius.")
        if missing:
            return None
        return Area(
            "radius", latitude=data["lat"], longitude=data["lng"], radius_miles=data["radius"]
        )


def _narrowing(data: dict[str, Any]) -> LeadFilters | None:
    facts = owner_facts_from(data)
    if all(value in (None, "") for value in facts.values()):
        return None
    return LeadFilters(**facts)
