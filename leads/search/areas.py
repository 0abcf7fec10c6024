"""Where a search looks: an area (a ZIP, a city, a county or a circle) and the ZIP codes in it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import zipcodes

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

    def circle(self) -> tuple[Decimal, Decimal, Decimal]:
        """Latitude, longitude and radius (miles) of a radius area."""
        if self.latitude is None or self.longitude is None or self.radius_miles is None:
            raise ValueError(f"a {self.kind} area has no circle")
        return self.latitude, self.longitude, self.radius_miles

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
