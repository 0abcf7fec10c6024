"""ATTOM Property API: area searches answered as typed property records.

Speaks the wire contract in /work/shared/contracts/attom.md through the one HTTP seam.
The client never decides policy: the caller's `Meter` sees every request before it goes
out (with the most it can bill) and after the answer (with what ATTOM billed: records on an
HTTP 200, nothing otherwise).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from providers.attom_answers import (
    Answer,
    MalformedItem,
    OwnerName,
    PropertyRecord,
    billed_usage,
    parse_items,
    parse_property,
    read_lookup,
    read_search,
)
from providers.http import (
    CallInfo,
    HttpResult,
    HttpSeam,
    ProviderError,
    RetryPolicy,
)
from providers.metering import NO_METER, Meter, Usage
from providers.modes import SANDBOX, require_on
from providers.registry import ATTOM
from providers.sandbox.attom import SANDBOX_KEY_PREFIX, AttomSandboxAdapter

logger = logging.getLogger("leadflow.providers")

__all__ = [
    "AttomClient", "GeoQuery", "MalformedItem", "OwnerName", "PropertyRecord", "SearchPage",
    "parse_items", "parse_property", "search_max_usage",
]  # fmt: skip

PROVIDER = ATTOM
# attomavm/detail is the one area endpoint that carries owner, AVM, last sale (with its
# concurrent mortgages) and assessment together, and it takes postalcode, lat/long/radius
# and geoIdV4: one billed report per property rather than one per endpoint joined later.
AREA_SEARCH_PATH = "/propertyapi/v1.0.0/attomavm/detail"
LOCATION_LOOKUP_PATH = "/v4/location/lookup"
ATTOM_MAX_PAGESIZE = 100
RESULT_CEILING = 10_000  # ATTOM caps status.total here; results past it cannot be paged to
MAX_PAGE_SIZE = 500
MAX_RADIUS_MILES = Decimal(20)
# Our page is fetched as ATTOM pages that tile it exactly when a divisor this large exists,
# since ATTOM bills every record it returns; otherwise as pages of 100, sliced.
MIN_TILE = 25
SANDBOX_API_KEY = f"{SANDBOX_KEY_PREFIX}-key"
GEOGRAPHY_KINDS = {"CI": "CI", "CO": "CO", "CITY": "CI", "COUNTY": "CO"}


@dataclass(frozen=True, kw_only=True)
class GeoQuery:
    """One area search: exactly one geography, plus optional filters."""

    postal_code: str | None = None
    geo_id_v4: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    radius_miles: Decimal | None = None
    absentee: bool | None = None  # True: absentee owners only; False: owner-occupied only
    property_types: tuple[str, ...] = ()  # ATTOM's values: "SFR", "CONDOMINIUM", ...
    min_beds: int | None = None
    max_beds: int | None = None
    min_baths: int | None = None
    max_baths: int | None = None
    min_living_sqft: int | None = None
    max_living_sqft: int | None = None
    min_year_built: int | None = None
    max_year_built: int | None = None
    min_value: int | None = None  # AVM, whole dollars
    max_value: int | None = None

    def __post_init__(self) -> None:
        point = (self.latitude, self.longitude, self.radius_miles)
        if any(v is not None for v in point) and any(v is None for v in point):
            raise ValueError("latitude, longitude and radius go together")
        given = [self.postal_code is not None, self.geo_id_v4 is not None, point[0] is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of postal_code, geo_id_v4 or latitude+longitude")
        if self.radius_miles is not None and not 0 < self.radius_miles <= MAX_RADIUS_MILES:
            raise ValueError(f"radius must be above 0 and at most {MAX_RADIUS_MILES} miles")
        for name, low, high in self._ranges():
            if low is not None and high is not None and low > high:
                raise ValueError(f"min {name} is above max {name}")

    def _ranges(self) -> tuple[tuple[str, int | None, int | None], ...]:
        return (
            ("Beds", self.min_beds, self.max_beds),
            ("BathsTotal", self.min_baths, self.max_baths),
            ("UniversalSize", self.min_living_sqft, self.max_living_sqft),
            ("YearBuilt", self.min_year_built, self.max_year_built),
            ("AVMValue", self.min_value, self.max_value),
        )

    def params(self) -> dict[str, str]:
        """ATTOM's query parameters for this search (without paging)."""
        if self.postal_code is not None:
            params = {"postalcode": self.postal_code}
        elif self.geo_id_v4 is not None:
            params = {"geoIdV4": self.geo_id_v4}
        else:
            params = {
                "latitude": str(self.latitude),
                "longitude": str(self.longitude),
                "radius": str(self.radius_miles),
            }
        if self.absentee is not None:
            params["absenteeowner"] = "absentee" if self.absentee else "occupied"
        if self.property_types:
            params["propertytype"] = "|".join(self.property_types)
        for name, low, high in self._ranges():
            if low is not None:
                params[f"min{name}"] = str(low)
            if high is not None:
                params[f"max{name}"] = str(high)
        return params


@dataclass(frozen=True)
class SearchPage:
    records: list[PropertyRecord]
    total: int  # status.total of the query, which ATTOM caps at RESULT_CEILING
    page: int
    page_size: int
    calls: list[CallInfo] = field(default_factory=list)
    skipped: int = 0  # malformed items left out
    ceiling_reached: bool = False
    # A later ATTOM page failed: `records` hold what the earlier (paid) pages returned.
    failure: ProviderError | None = None


class AttomClient:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        sandbox: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sandbox = sandbox
        self._seam = HttpSeam(
            PROVIDER,
            base_url,
            headers={"apikey": api_key, "Accept": "application/json"},
            connect_timeout_s=5,
            read_timeout_s=8,
            retry=RetryPolicy(max_retries=3, backoff_base_s=0.25, max_retry_after_s=30),
            sandbox_adapter=AttomSandboxAdapter() if sandbox else None,
            sleep=sleep,
        )

    @classmethod
    def from_settings(cls) -> AttomClient:
        """Raises `ProviderOff` when ATTOM is off. In sandbox mode the real key never leaves
        the process: the sandbox accepts keys that start with "sandbox", so one of those is sent."""
        if require_on(PROVIDER) == SANDBOX:
            key = settings.ATTOM_API_KEY
            key = key if key.startswith(SANDBOX_KEY_PREFIX) else SANDBOX_API_KEY
            return cls(api_key=key, base_url=settings.ATTOM_BASE_URL, sandbox=True)
        return cls(api_key=settings.ATTOM_API_KEY, base_url=settings.ATTOM_BASE_URL)

    def get_by_geo(
        self, query: GeoQuery, *, page: int, page_size: int, meter: Meter = NO_METER
    ) -> SearchPage:
        """Our `page` (1-based, `page_size` up to 500), fetched as the ATTOM pages covering it."""
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page must be 1 or more and page_size 1 to {MAX_PAGE_SIZE}")
        window = _Window(start=(page - 1) * page_size, stop=page * page_size)
        if window.start >= RESULT_CEILING:
            # Nothing is asked of ATTOM, so the true total is unknown: report the ceiling.
            return SearchPage([], RESULT_CEILING, page, page_size, ceiling_reached=True)
        items, total, calls, failure = self._fetch_window(query, window, meter)
        records, skipped = parse_items(items)
        return SearchPage(
            records, total, page, page_size, calls, skipped, total >= RESULT_CEILING, failure
        )

    def lookup_location(self, name: str, kind: str, *, meter: Meter = NO_METER) -> str | None:
        """The geoIdV4 of a city ("CI") or county ("CO") such as "Phoenix, AZ"; None if unknown."""
        abbreviation = GEOGRAPHY_KINDS.get(kind.strip().upper())
        if abbreviation is None:
            raise ValueError(f"kind must be CI or CO, not {kind!r}")
        params = {"geographyTypeAbbreviation": abbreviation, "name": name}
        answer = self._get(
            meter, "location_lookup", LOCATION_LOOKUP_PATH, params, {"calls": 1}, read_lookup
        )
        return answer.geo_id

    # -- internals ---------------------------------------------------------------------------

    def _fetch_window(
        self, query: GeoQuery, window: _Window, meter: Meter
    ) -> tuple[list[Any], int, list[CallInfo], ProviderError | None]:
        items: list[Any] = []
        calls: list[CallInfo] = []
        total: int | None = None
        size = window.attom_pagesize
        for attom_page in window.attom_pages():
            offset = (attom_page - 1) * size
            if total is not None and offset >= total:
                break
            params = {**query.params(), "page": str(attom_page), "pagesize": str(size)}
            max_usage = {"records": size, "calls": 1}
            try:
                answer = self._get(
                    meter, "property_search", AREA_SEARCH_PATH, params, max_usage, read_search
                )
            except Exception as failure:
                if not calls:
                    raise
                # Earlier pages were paid for: hand them back with the failure, never drop them
                # (whatever stopped this page: the vendor, the meter, the database).
                return items, total or 0, calls, _as_provider_error(failure)
            calls.append(answer.call)
            total = answer.total if total is None else total
            items += [it for i, it in enumerate(answer.items, offset) if i in window]
            if len(answer.items) < size:
                break
        return items, total or 0, calls, None

    def _get[A: Answer](
        self,
        meter: Meter,
        operation: str,
        path: str,
        params: Mapping[str, str],
        max_usage: Usage,
        read: Callable[[HttpResult], A],
    ) -> A:
        """One metered GET. A ProviderError from the seam leaves the block untold."""
        with meter.request(provider=PROVIDER, operation=operation, max_usage=max_usage) as ticket:
            result = self._seam.request(
                "GET", path, operation=operation, params=params, idempotent=True
            )
            try:
                answer = read(result)
            except ProviderError as error:
                ticket.billed(usage=billed_usage(max_usage, result, None), call=error.call)
                raise
            ticket.billed(usage=billed_usage(max_usage, result, answer.records), call=answer.call)
        return answer


def _as_provider_error(failure: Exception) -> ProviderError:
    if isinstance(failure, ProviderError):
        return failure
    logger.warning("provider=attom a later page failed: %r", failure)
    # Nothing was sent for this failure (the pages before it were settled): no attempt.
    return ProviderError(
        PROVIDER,
        f"stopped ({type(failure).__name__})",
        permanent=False,
        call=CallInfo(provider=PROVIDER, operation="property_search"),
    )


def search_max_usage(*, page: int, page_size: int) -> dict[str, int]:
    """The most `get_by_geo` can bill for our `page`: every ATTOM page it may fetch, in full
    (pages of 100 that straddle our page are billed for all their records)."""
    window = _Window(start=(page - 1) * page_size, stop=page * page_size)
    if window.start >= RESULT_CEILING:
        return {"records": 0, "calls": 0}
    calls = len(window.attom_pages())
    return {"records": calls * window.attom_pagesize, "calls": calls}


@dataclass(frozen=True)
class _Window:
    """Results [start, stop) of the whole query, 0-based."""

    start: int
    stop: int

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and self.start <= index < self.stop

    @property
    def attom_pagesize(self) -> int:
        size = self.stop - self.start
        if size <= ATTOM_MAX_PAGESIZE:
            return size
        divisor = next((d for d in range(ATTOM_MAX_PAGESIZE, MIN_TILE - 1, -1) if size % d == 0), 0)
        return divisor or ATTOM_MAX_PAGESIZE

    def attom_pages(self) -> range:
        size = self.attom_pagesize
        last = min(math.ceil(self.stop / size), RESULT_CEILING // size)
        return range(self.start // size + 1, last + 1)
