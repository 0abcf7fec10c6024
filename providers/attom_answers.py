"""ATTOM's answers, read: the envelope (status, "nothing found", errors, what was billed)
and the `property[]` items of any of its API families as typed records.

Keys are compared case-insensitively (the families disagree on casing: `attomId`,
`AttomID`), and every value is read with the tolerant readers of `providers.wire`: a value
of the wrong type reads as unknown. An item without an address cannot become a lead and is
skipped (`MalformedItem`), never the whole page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from providers.http import (
    OUTCOME_EMPTY,
    OUTCOME_ERROR,
    OUTCOME_UNKNOWN,
    CallInfo,
    HttpResult,
    ProviderAuthError,
    ProviderError,
)
from providers.metering import Usage
from providers.registry import ATTOM
from providers.wire import as_decimal, as_int, as_text, dig, first_present, lower_keys

logger = logging.getLogger("leadflow.providers")

OWNER_SLOTS = ("owner1", "owner2", "owner3", "owner4")
CONCURRENT_LIENS = ("firstconcurrent", "secondconcurrent")
# The last sale's date: the AVM family's, the sale snapshot's, then the recording date.
SALE_DATE_PATHS = (("salesearchdate",), ("saletransdate",), ("amount", "salerecdate"))


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


class Answer(Protocol):
    @property
    def call(self) -> CallInfo: ...

    @property
    def records(self) -> int | None: ...


@dataclass(frozen=True)
class SearchAnswer:
    items: list[Any]
    total: int
    call: CallInfo

    @property
    def records(self) -> int | None:
        return len(self.items)


@dataclass(frozen=True)
class LookupAnswer:
    geo_id: str | None
    call: CallInfo
    records: int | None = None


def billed_usage(max_usage: Usage, result: HttpResult, records: int | None) -> dict[str, int]:
    """What a request billed: ATTOM bills HTTP 200s only, a 200 whose records we could not
    count at the most (`max_usage`)."""
    if result.status != 200:
        return {unit: 0 for unit in max_usage}
    usage = dict(max_usage)
    if "records" in usage and records is not None:
        usage["records"] = records
    return usage


def read_search(result: HttpResult) -> SearchAnswer:
    if result.status == 200:
        body = _body(result)
        items = body.get("property", [])
        if not isinstance(items, list):
            raise _malformed(result)
        total = as_int(dig(lower_keys(body.get("status")), "total"))
        return SearchAnswer(items, len(items) if total is None else total, result.call)
    status = _status(result)
    if _no_result(status):
        return SearchAnswer([], as_int(status.get("total")) or 0, _with(result, OUTCOME_EMPTY))
    raise _error(result, status)


def read_lookup(result: HttpResult) -> LookupAnswer:
    status = _status(result)
    if result.status == 200:
        geo_id = as_text(dig(lower_keys(_body(result).get("geographies")), 0, "geoidv4"))
        return LookupAnswer(geo_id or None, result.call)
    if _no_result(status):
        return LookupAnswer(None, _with(result, OUTCOME_EMPTY))
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
        as_text(status.get("msg")).lower() == "successwithoutresult"
        or as_int(status.get("code")) == 1
    )


def _with(result: HttpResult, outcome: str) -> CallInfo:
    return result.call.with_outcome(outcome)


def _malformed(result: HttpResult) -> ProviderError:
    # An HTTP 200 was billed, for however many records it held: the outcome is unknown.
    return ProviderError(
        ATTOM,
        "malformed response",
        permanent=False,
        status=result.status,
        call=_with(result, OUTCOME_UNKNOWN),
    )


def _error(result: HttpResult, status: Mapping[str, Any]) -> ProviderError:
    message = as_text(status.get("msg")) or f"HTTP {result.status}"
    retry_after = result.headers.get("Retry-After")
    if retry_after:
        message = f"{message} (retry after {retry_after} s)"
    code, call = status.get("code"), _with(result, OUTCOME_ERROR)
    if result.status in (401, 403):
        return ProviderAuthError(ATTOM, message, status=result.status, code=code, call=call)
    transient = result.status == 429 or result.status >= 500
    return ProviderError(
        ATTOM, message, permanent=not transient, status=result.status, code=code, call=call
    )


# -- property items --------------------------------------------------------------------------


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
    street = as_text(dig(item, "address", "line1"))
    if not street:
        raise MalformedItem("no address line1")
    owner = dig(item, "owner") or dig(item, "assessment", "owner")
    owner = owner if isinstance(owner, dict) else {}
    avm_value, mortgage = as_int(dig(item, "avm", "amount", "value")), _mortgage_amount(item)
    sizes = (dig(item, "building", "size", key) for key in ("livingsize", "universalsize"))
    built = (dig(item, "summary", "yearbuilt"), dig(item, "building", "summary", "yearbuilt"))
    sold = (dig(item, "sale", *path) for path in SALE_DATE_PATHS)
    return PropertyRecord(
        attom_id=as_int(dig(item, "identifier", "attomid")),
        fips=_fips(dig(item, "identifier", "fips")),
        apn=as_text(dig(item, "identifier", "apn")),
        street=street,
        city=as_text(dig(item, "address", "locality")),
        state=as_text(dig(item, "address", "countrysubd")),
        zip5=as_text(dig(item, "address", "postal1")),
        zip4=as_text(dig(item, "address", "postal2")),
        county=as_text(dig(item, "area", "countrysecsubd")),
        latitude=as_decimal(dig(item, "location", "latitude")),
        longitude=as_decimal(dig(item, "location", "longitude")),
        owners=_owners(owner),
        corporate_owner=_yes_no(owner.get("corporateindicator")),
        absentee=_absentee(owner, dig(item, "summary", "absenteeind")),
        mailing_address=as_text(owner.get("mailingaddressoneline")) or None,
        property_type=as_text(dig(item, "summary", "proptype")) or None,
        property_class=as_text(dig(item, "summary", "propclass")) or None,
        prop_indicator=as_int(dig(item, "summary", "propindicator")),
        beds=as_int(dig(item, "building", "rooms", "beds")),
        baths=as_decimal(dig(item, "building", "rooms", "bathstotal")),
        living_sqft=as_int(first_present(sizes)),
        lot_sqft=as_int(dig(item, "lot", "lotsize2")),
        year_built=as_int(first_present(built)),
        avm_value=avm_value,
        avm_high=as_int(dig(item, "avm", "amount", "high")),
        avm_low=as_int(dig(item, "avm", "amount", "low")),
        avm_confidence=as_int(dig(item, "avm", "amount", "scr")),
        assessed_value=as_int(dig(item, "assessment", "assessed", "assdttlvalue")),
        market_value=as_int(dig(item, "assessment", "market", "mktttlvalue")),
        tax_amount=as_int(dig(item, "assessment", "tax", "taxamt")),
        last_sale_date=_date(first_present(sold)),
        last_sale_amount=as_int(dig(item, "sale", "amount", "saleamt")),
        mortgage_amount=mortgage,
        estimated_equity=None if avm_value is None else avm_value - (mortgage or 0),
    )


def _owners(owner: Mapping[str, Any]) -> tuple[OwnerName, ...]:
    names = []
    for slot in OWNER_SLOTS:
        entry = owner.get(slot)
        if not isinstance(entry, dict) or not entry:
            continue
        first, last = as_text(entry.get("firstnameandmi")), as_text(entry.get("lastname"))
        full = as_text(entry.get("fullname")) or " ".join(part for part in (first, last) if part)
        if full:
            names.append(OwnerName(first=first, last=last, full=full))
    return tuple(names)


def _absentee(owner: Mapping[str, Any], absentee_ind: Any) -> bool | None:
    status = as_text(owner.get("absenteeownerstatus")).upper()
    if status in ("A", "O"):
        return status == "A"
    text = as_text(absentee_ind).upper()
    if text.startswith("ABSENTEE"):
        return True
    return False if "OCCUPIED" in text else None


def _mortgage_amount(item: Mapping[str, Any]) -> int | None:
    mortgage = dig(item, "sale", "mortgage") or dig(item, "mortgage") or {}
    amounts = [as_int(dig(mortgage, lien, "amount")) for lien in CONCURRENT_LIENS]
    recorded = [amount for amount in amounts if amount]
    return sum(recorded) if recorded else None


def _fips(value: Any) -> str:
    text = as_text(value)
    # A number would have lost its leading zeros.
    return text.zfill(5) if text.isascii() and text.isdigit() else text


def _yes_no(value: Any) -> bool | None:
    return {"Y": True, "N": False}.get(as_text(value).upper())


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(as_text(value)[:10].replace("/", "-"))
    except ValueError:
        return None
