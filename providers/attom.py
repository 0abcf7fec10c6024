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
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

from django.conf import settings

from providers.http import (
    OUTCOME_EMPTY,
    OUTCOME_ERROR,
    OUTCOME_UNKNOWN,
    CallInfo,
    HttpResult,
    HttpSeam,
    ProviderAuthError,
    ProviderError,
    RetryPolicy,
    dig,
    first_present,
    lower_keys,
)
from providers.metering import NO_METER, Meter, Usage
from providers.modes import OFF, SANDBOX, provider_mode
from providers.sandbox.attom import SANDBOX_KEY_PREFIX, AttomSandboxAdapter

logger = logging.getLogger("leadflow.providers")

PROVIDER = "attom"
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
class OwnerName:
    first: str  # first name and middle initial; empty for an entity
    last: str  # an entity's whole name ("SUNBELT HOLDINGS LLC")
    full: str


@dataclass(frozen=True, kw_only=True)
class PropertyRecord:
    """One property as ATTOM describes it. Money is in whole dollars."""

    attom_id: int | None
    fips: str
    apn: str
    street: str
    city: str
    state: str
    zip5: str
    zip4: str
    county: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    owners: tuple[OwnerName, ...] = ()
    corporate_owner: bool | None = None
    absentee: bool | None = None
    mailing_address: str | None = None
    property_type: str | None = None
    property_class: str | None = None
    prop_indicator: int | None = None
    beds: int | None = None
    baths: Decimal | None = None
    living_sqft: int | None = None
    lot_sqft: int | None = None
    year_built: int | None = None
    avm_value: int | None = None
    avm_high: int | None = None
    avm_low: int | None = None
    avm_confidence: int | None = None
    assessed_value: int | None = None
    market_value: int | None = None
    tax_amount: int | None = None
    last_sale_date: date | None = None
    last_sale_amount: int | None = None
    mortgage_amount: int | None = None  # concurrent mortgages at the last sale, summed
    estimated_equity: int | None = None


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
    def from_settings(cls) -> AttomClient | None:
        """None when ATTOM is off. In sandbox mode the real key never leaves the process:
        the sandbox accepts keys that start with "sandbox", so one of those is sent."""
        mode = provider_mode(PROVIDER)
        if mode == OFF:
            return None
        if mode == SANDBOX:
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
            meter, "location_lookup", LOCATION_LOOKUP_PATH, params, {"calls": 1}, _read_lookup
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
                    meter, "property_search", AREA_SEARCH_PATH, params, max_usage, _read_search
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

    def _get[A: _Answer](
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
                ticket.billed(usage=_usage(max_usage, result, None), call=error.call or result.call)
                raise
            ticket.billed(usage=_usage(max_usage, result, answer.records), call=answer.call)
        return answer


def _as_provider_error(failure: Exception) -> ProviderError:
    if isinstance(failure, ProviderError):
        return failure
    logger.warning("provider=attom a later page failed: %r", failure)
    return ProviderError(PROVIDER, f"stopped ({type(failure).__name__})", permanent=False)


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


class _Answer(Protocol):
    @property
    def call(self) -> CallInfo: ...

    @property
    def records(self) -> int | None: ...


@dataclass(frozen=True)
class _SearchAnswer:
    items: list[Any]
    total: int
    call: CallInfo

    @property
    def records(self) -> int | None:
        return len(self.items)


@dataclass(frozen=True)
class _LookupAnswer:
    geo_id: str | None
    call: CallInfo
    records: int | None = None


def _usage(max_usage: Usage, result: HttpResult, records: int | None) -> dict[str, int]:
    """ATTOM bills HTTP 200s only; a 200 whose records we could not count, at the most."""
    if result.status != 200:
        return {unit: 0 for unit in max_usage}
    usage = dict(max_usage)
    if "records" in usage and records is not None:
        usage["records"] = records
    return usage


def _read_search(result: HttpResult) -> _SearchAnswer:
    if result.status == 200:
        body = _body(result)
        items = body.get("property", [])
        if not isinstance(items, list):
            raise _malformed(result)
        total = _int(dig(lower_keys(body.get("status")), "total"))
        return _SearchAnswer(items, len(items) if total is None else total, result.call)
    status = _status(result)
    if _no_result(status):
        return _SearchAnswer([], _int(status.get("total")) or 0, _with(result, OUTCOME_EMPTY))
    raise _error(result, status)


def _read_lookup(result: HttpResult) -> _LookupAnswer:
    status = _status(result)
    if result.status == 200:
        geographies = _body(result).get("geographies") or []
        first = lower_keys(geographies[0]) if isinstance(geographies, list) and geographies else {}
        geo_id = _text(dig(first, "geoidv4")) if isinstance(first, dict) else ""
        return _LookupAnswer(geo_id or None, result.call)
    if _no_result(status):
        return _LookupAnswer(None, _with(result, OUTCOME_EMPTY))
    raise _error(result, status)


def _body(result: HttpResult) -> dict[str, Any]:
    if not isinstance(result.payload, dict):
        raise _malformed(result)
    return {str(key).lower(): value for key, value in result.payload.items()}


def _status(result: HttpResult) -> dict[str, Any]:
    payload = result.payload if isinstance(result.payload, dict) else {}
    status = lower_keys(first_present(v for k, v in payload.items() if k.lower() == "status"))
    return status if isinstance(status, dict) else {}


def _no_result(status: Mapping[str, Any]) -> bool:
    # ATTOM's "nothing found" is an HTTP 400 with this msg (some clients see code 1).
    return (
        _text(status.get("msg")).lower() == "successwithoutresult" or _int(status.get("code")) == 1
    )


def _with(result: HttpResult, outcome: str) -> CallInfo:
    return result.call.with_outcome(outcome)


def _malformed(result: HttpResult) -> ProviderError:
    # An HTTP 200 was billed, for however many records it held: the outcome is unknown.
    return ProviderError(
        PROVIDER,
        "malformed response",
        permanent=False,
        status=result.status,
        call=_with(result, OUTCOME_UNKNOWN),
    )


def _error(result: HttpResult, status: Mapping[str, Any]) -> ProviderError:
    message = _text(status.get("msg")) or f"HTTP {result.status}"
    retry_after = result.headers.get("Retry-After")
    if retry_after:
        message = f"{message} (retry after {retry_after} s)"
    details: dict[str, Any] = {
        "status": result.status,
        "code": status.get("code"),
        "call": _with(result, OUTCOME_ERROR),
    }
    if result.status in (401, 403):
        return ProviderAuthError(PROVIDER, message, **details)
    transient = result.status == 429 or result.status >= 500
    return ProviderError(PROVIDER, message, permanent=not transient, **details)


# -- parsing --------------------------------------------------------------------------------


class MalformedItem(ValueError):
    """A `property[]` item we cannot use (no address, not an object)."""


def parse_items(items: list[Any]) -> tuple[list[PropertyRecord], int]:
    """Records for the usable items, and how many were skipped."""
    records: list[PropertyRecord] = []
    for item in items:
        try:
            records.append(parse_property(item))
        except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
            logger.warning("provider=attom skipped a property item: %s", exc)
    return records, len(items) - len(records)


def parse_property(raw: Any) -> PropertyRecord:
    """One `property[]` item of any ATTOM family, keys compared case-insensitively."""
    item = lower_keys(raw)
    if not isinstance(item, dict):
        raise MalformedItem("not an object")
    street = _text(dig(item, "address", "line1"))
    if not street:
        raise MalformedItem("no address line1")
    owner = dig(item, "owner") or dig(item, "assessment", "owner")
    owner = owner if isinstance(owner, dict) else {}
    avm_value = _int(dig(item, "avm", "amount", "value"))
    mortgage = _mortgage_amount(item)
    return PropertyRecord(
        attom_id=_int(dig(item, "identifier", "attomid")),
        fips=_fips(dig(item, "identifier", "fips")),
        apn=_text(dig(item, "identifier", "apn")),
        street=street,
        city=_text(dig(item, "address", "locality")),
        state=_text(dig(item, "address", "countrysubd")),
        zip5=_text(dig(item, "address", "postal1")),
        zip4=_text(dig(item, "address", "postal2")),
        county=_text(dig(item, "area", "countrysecsubd")),
        latitude=_decimal(dig(item, "location", "latitude")),
        longitude=_decimal(dig(item, "location", "longitude")),
        owners=_owners(owner),
        corporate_owner=_yes_no(owner.get("corporateindicator")),
        absentee=_absentee(owner, dig(item, "summary", "absenteeind")),
        mailing_address=_text(owner.get("mailingaddressoneline")) or None,
        property_type=_text(dig(item, "summary", "proptype")) or None,
        property_class=_text(dig(item, "summary", "propclass")) or None,
        prop_indicator=_int(dig(item, "summary", "propindicator")),
        beds=_int(dig(item, "building", "rooms", "beds")),
        baths=_decimal(dig(item, "building", "rooms", "bathstotal")),
        living_sqft=_int(
            first_present(dig(item, "building", "size", k) for k in ("livingsize", "universalsize"))
        ),
        lot_sqft=_int(dig(item, "lot", "lotsize2")),
        year_built=_int(
            first_present(
                (dig(item, "summary", "yearbuilt"), dig(item, "building", "summary", "yearbuilt"))
            )
        ),
        avm_value=avm_value,
        avm_high=_int(dig(item, "avm", "amount", "high")),
        avm_low=_int(dig(item, "avm", "amount", "low")),
        avm_confidence=_int(dig(item, "avm", "amount", "scr")),
        assessed_value=_int(dig(item, "assessment", "assessed", "assdttlvalue")),
        market_value=_int(dig(item, "assessment", "market", "mktttlvalue")),
        tax_amount=_int(dig(item, "assessment", "tax", "taxamt")),
        last_sale_date=_date(
            first_present(
                dig(item, "sale", *path)
                for path in (("salesearchdate",), ("saletransdate",), ("amount", "salerecdate"))
            )
        ),
        last_sale_amount=_int(dig(item, "sale", "amount", "saleamt")),
        mortgage_amount=mortgage,
        estimated_equity=_equity(avm_value, mortgage),
    )


def _owners(owner: Mapping[str, Any]) -> tuple[OwnerName, ...]:
    names = []
    for slot in ("owner1", "owner2", "owner3", "owner4"):
        entry = owner.get(slot)
        if not isinstance(entry, dict) or not entry:
            continue
        first, last = _text(entry.get("firstnameandmi")), _text(entry.get("lastname"))
        full = _text(entry.get("fullname")) or " ".join(part for part in (first, last) if part)
        if full:
            names.append(OwnerName(first=first, last=last, full=full))
    return tuple(names)


def _absentee(owner: Mapping[str, Any], absentee_ind: Any) -> bool | None:
    status = _text(owner.get("absenteeownerstatus")).upper()
    if status in ("A", "O"):
        return status == "A"
    text = _text(absentee_ind).upper()
    if text.startswith("ABSENTEE"):
        return True
    return False if "OCCUPIED" in text else None


def _mortgage_amount(item: Mapping[str, Any]) -> int | None:
    mortgage = dig(item, "sale", "mortgage") or dig(item, "mortgage") or {}
    amounts = [
        _int(dig(mortgage, lien, "amount")) for lien in ("firstconcurrent", "secondconcurrent")
    ]
    recorded = [amount for amount in amounts if amount]
    return sum(recorded) if recorded else None


def _equity(avm_value: int | None, mortgage: int | None) -> int | None:
    if avm_value is None:
        return None
    return avm_value - (mortgage or 0)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _fips(value: Any) -> str:
    text = _text(value)
    return text.zfill(5) if text.isdigit() else text  # a number would have lost its zeros


def _yes_no(value: Any) -> bool | None:
    text = _text(value).upper()
    return {"Y": True, "N": False}.get(text)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or _text(value) == "":
        return None
    try:
        number = Decimal(_text(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _int(value: Any) -> int | None:
    """A whole number (dollars, square feet, years) from an int, float or numeric string."""
    number = _decimal(value)
    return None if number is None else int(number.quantize(Decimal(1), ROUND_HALF_UP))


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(_text(value)[:10].replace("/", "-"))
    except ValueError:
        return None
