"""Forms that validate what agents and scripts ask for. Field names are the API's names, so
the search page's GET parameters are exactly the search API's and a search is bookmarkable."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import zipcodes
from django import forms

from leads.models import Source, Stage, Temperature

US_STATES = {
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "PR",
}
PROPERTY_TYPES = [
    ("", "Any type"),
    ("SFR", "Single family"),
    ("CONDOMINIUM", "Condominium"),
    ("TOWNHOUSE", "Townhouse"),
    ("DUPLEX", "Duplex"),
    ("APARTMENT", "Apartment"),
    ("MOBILE HOME", "Mobile home"),
]
MAX_PAGE_SIZE = 500
TRUE_VALUES = {"1", "true", "on", "yes"}
FALSE_VALUES = {"0", "false", "off", "no"}


class TriStateField(forms.CharField):
    """true / false / absent; anything else is an error (never silently ignored)."""

    def to_python(self, value):
        value = (value or "").strip().lower()
        if value == "":
            return None
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        raise forms.ValidationError("Use true or false.")


def _int(label: str, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0, label=label, **kwargs)


@dataclass(frozen=True)
class Area:
    """Where to search: exactly one of a ZIP, a city, a county, or a circle."""

    kind: str  # "zip", "city", "county", "radius"
    zip_code: str = ""
    city: str = ""
    county: str = ""
    state: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    radius_miles: Decimal | None = None

    def describe(self) -> str:
        if self.kind == "zip":
            return f"ZIP {self.zip_code}"
        if self.kind == "city":
            return f"{self.city.title()}, {self.state}"
        if self.kind == "county":
            return f"{self.county.title()} County, {self.state}"
        return f"{self.radius_miles} mi around {self.latitude}, {self.longitude}"


def city_zip_codes(city: str, state: str) -> list[str]:
    city = city.upper()
    return [z["zip_code"] for z in zipcodes.filter_by(state=state) if z["city"].upper() == city]


def county_zip_codes(county: str, state: str) -> list[str]:
    names = {county.upper(), f"{county.upper()} COUNTY", f"{county.upper()} PARISH"}
    return [z["zip_code"] for z in zipcodes.filter_by(state=state) if z["county"].upper() in names]


class SearchForm(forms.Form):
    zip = forms.CharField(required=False, max_length=10, label="ZIP")
    city = forms.CharField(required=False, max_length=100)
    county = forms.CharField(required=False, max_length=100)
    state = forms.CharField(required=False, max_length=2)
    lat = forms.DecimalField(
        required=False, min_value=-90, max_value=90, decimal_places=6, label="Latitude"
    )
    lng = forms.DecimalField(
        required=False, min_value=-180, max_value=180, decimal_places=6, label="Longitude"
    )
    radius = forms.DecimalField(
        required=False,
        min_value=Decimal("0.1"),
        max_value=20,
        decimal_places=2,
        label="Radius (miles)",
    )
    absentee = TriStateField(required=False, label="Absentee owners only")
    propertyType = forms.ChoiceField(required=False, choices=PROPERTY_TYPES, label="Type")
    minBeds = _int("Min beds", max_value=20)
    maxBeds = _int("Max beds", max_value=20)
    minValue = _int("Min value ($)")
    maxValue = _int("Max value ($)")
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
    pageSize = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, label="Per page"
    )
    attom = TriStateField(required=False, label="Fetch from ATTOM")

    def clean_zip(self) -> str:
        raw = self.cleaned_data["zip"].strip()
        if not raw:
            return ""
        match = re.fullmatch(r"(\d{5})(?:-\d{4})?", raw)
        if not match:
            raise forms.ValidationError("Enter a 5-digit ZIP code.")
        zip5 = match.group(1)
        if not zipcodes.is_real(zip5):
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

    def clean(self) -> dict:
        data = super().clean()
        self._check_ranges(data)
        if not self.errors:
            data["area"] = self._area(data)
        data["page"] = data.get("page") or 1
        data["pageSize"] = data.get("pageSize") or 25
        return data

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


class LeadFilterForm(forms.Form):
    """Filters of the stored-lead list, the board, the export and `/api/leads`."""

    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *Stage.choices])
    temperature = forms.ChoiceField(
        required=False, choices=[("", "Any temperature"), *Temperature.choices]
    )
    contactable = TriStateField(required=False)
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *Source.choices])
    zip = forms.CharField(required=False, max_length=5, label="ZIP")
    q = forms.CharField(required=False, max_length=100, label="Owner or address")
    page = forms.IntegerField(required=False, min_value=1)
    pageSize = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    def clean_zip(self) -> str:
        zip5 = self.cleaned_data["zip"].strip()
        if zip5 and not re.fullmatch(r"\d{5}", zip5):
            raise forms.ValidationError("Enter a 5-digit ZIP code.")
        return zip5

    def clean(self) -> dict:
        data = super().clean()
        data["page"] = data.get("page") or 1
        data["pageSize"] = data.get("pageSize") or 25
        return data


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """Field errors for JSON answers; form-wide errors under "__all__"."""
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


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
