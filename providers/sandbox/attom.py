"""The ATTOM sandbox: a `requests` transport adapter that answers like ATTOM's gateway.

Mounted under the real client (`HttpSeam(sandbox_adapter=AttomSandboxAdapter())`), so the
same client code runs here and live. It speaks the wire contract in
/work/shared/contracts/attom.md: paths, the `apikey` header, case-insensitive parameters,
ATTOM's status codes and envelopes (SuccessWithoutResult is an HTTP 400), and its key casing.
Data comes from `attom_data`: deterministic per query, realistic per ZIP.

Keys: any `apikey` that starts with "sandbox" is accepted (the client sends "sandbox-key"
in sandbox mode); anything else, or no key, gets ATTOM's 401. So a test can send a wrong key.

Faults queued with `faults.queue("attom", kind)` are served before the normal answer:
"429" (option retry_after), "500", "503", "timeout", "connect_error", "malformed", "latency"
(option seconds), "401".
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import time
from collections import defaultdict
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from providers.registry import ATTOM
from providers.sandbox import faults
from providers.sandbox.attom_data import (
    SandboxProperty,
    geo_id,
    geo_ids,
    place_key,
    places,
    population,
)

SANDBOX_KEY_PREFIX = "sandbox"
AVM_DETAIL_PATH = "/propertyapi/v1.0.0/attomavm/detail"
DETAIL_OWNER_PATH = "/propertyapi/v1.0.0/property/detailowner"
LOCATION_LOOKUP_PATH = "/v4/location/lookup"
RESULT_CEILING = 10_000
MAX_PAGESIZE = 100
MAX_RADIUS_MILES = 20.0
SPREAD_MILES = 3.0  # generated properties lie within about two miles of their ZIP's centre
MAX_GEO_IDS = 3
# ATTOM documents codes 15-32 for min > max; which range gets which code is our guess.
RANGE_FILTERS = (
    # (min parameter, max parameter, SandboxProperty attribute, code, label)
    ("minbeds", "maxbeds", "beds", 15, "Beds"),
    ("minbathstotal", "maxbathstotal", "baths", 16, "BathsTotal"),
    ("minuniversalsize", "maxuniversalsize", "size_sqft", 17, "UniversalSize"),
    ("minyearbuilt", "maxyearbuilt", "year_built", 18, "YearBuilt"),
    ("minavmvalue", "maxavmvalue", "avm_value", 19, "AVMValue"),
)
GEO_KINDS = {"CI": "City", "CO": "County", "ZI": "ZIP Code"}

Params = dict[str, str]
Found = list[tuple[SandboxProperty, float | None]]  # a property and its distance in miles
Answer = tuple[int, dict[str, Any]]


class _Refusal(Exception):
    """A request ATTOM answers with HTTP 400 and an error code."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


class AttomSandboxAdapter(BaseAdapter):
    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        faults.note_request(ATTOM)
        fault = faults.take(ATTOM)
        if fault is not None and fault.kind != "latency":
            return _fault_response(request, fault)
        if delay := faults.answer_delay_s(ATTOM, fault):
            time.sleep(delay)
        if not str(request.headers.get("apikey", "")).startswith(SANDBOX_KEY_PREFIX):
            return _response(request, 401, _envelope(401, "Unauthorized"))
        status, body = _answer(request.url or "")
        return _response(request, status, body)

    def close(self) -> None:
        pass


def _answer(url: str) -> Answer:
    parts = urlsplit(url)
    params = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    routes: dict[str, Callable[[Params], Answer]] = {
        AVM_DETAIL_PATH: functools.partial(_search, with_values=True),
        DETAIL_OWNER_PATH: functools.partial(_search, with_values=False),
        LOCATION_LOOKUP_PATH: _lookup,
    }
    route = routes.get(parts.path.rstrip("/").lower())
    if route is None:
        return 404, _envelope(404, "Not Found")
    try:
        return route(params)
    except _Refusal as refusal:
        return 400, _envelope(refusal.code, refusal.msg)


# -- property search ------------------------------------------------------------------------


def _search(params: Params, *, with_values: bool) -> Answer:
    if "unitnumber" in params:
        raise _Refusal(-5, "Invalid Parameter")
    page, pagesize = _paging(params)
    keep = _filters(params)
    found = [(prop, miles) for prop, miles in _geography(params) if keep(prop)]
    total = min(len(found), RESULT_CEILING)
    start = (page - 1) * pagesize
    window = found[start : min(start + pagesize, total)]
    transaction = _transaction_id(params)
    if not window:
        return 400, _envelope(400, "SuccessWithoutResult", total, page, pagesize, transaction)
    body: dict[str, Any] = _envelope(0, "SuccessWithResult", total, page, pagesize, transaction)
    if with_values:
        body["echoed_fields"] = {k: v for k, v in params.items() if k not in ("page", "pagesize")}
    body["property"] = [_shape(prop, miles, with_values) for prop, miles in window]
    return 200, body


def _paging(params: Params) -> tuple[int, int]:
    page = _int_param(params, "page", default=1)
    pagesize = _int_param(params, "pagesize", default=10)
    if page is None or pagesize is None or page < 1 or not 1 <= pagesize <= MAX_PAGESIZE:
        raise _Refusal(-5, "Invalid Parameter")
    return page, pagesize


def _shape(prop: SandboxProperty, miles: float | None, with_values: bool) -> dict[str, Any]:
    item = prop.item
    if not with_values:
        item = {k: v for k, v in item.items() if k not in ("avm", "sale", "assessment")}
    if miles is not None:
        item = {**item, "location": {**item["location"], "distance": round(miles, 2)}}
    return item


def _geography(params: Params) -> Found:
    named = [name for name in ("postalcode", "geoidv4", "geoid") if params.get(name)]
    point = "latitude" in params or "longitude" in params
    if "geoidv4" in named and "geoid" in named:
        raise _Refusal(-4, "Invalid Parameter Combination")
    if len(named) + point > 1:
        raise _Refusal(-4, "Invalid Parameter Combination")
    if point:
        return _near(params)
    if not named:
        raise _Refusal(-6, "Missing Parameter")
    if named[0] == "postalcode":
        return [(prop, None) for prop in population(params["postalcode"].strip()[:5])]
    if named[0] == "geoidv4":
        return _in_geographies(params["geoidv4"])
    raise _Refusal(-5, "Invalid Parameter")  # the legacy geoid: not emulated


def _near(params: Params) -> Found:
    if not all(params.get(name) for name in ("latitude", "longitude", "radius")):
        raise _Refusal(-6, "Missing Parameter")
    try:
        lat, lon, radius = (float(params[n]) for n in ("latitude", "longitude", "radius"))
    except ValueError:
        raise _Refusal(-5, "Invalid Parameter") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < radius <= MAX_RADIUS_MILES):
        raise _Refusal(-5, "Invalid Parameter")
    found: Found = []
    for zip5 in _zips_near(lat, lon, radius + SPREAD_MILES):
        for prop in population(zip5):
            miles = _miles(lat, lon, prop.latitude, prop.longitude)
            if miles <= radius:
                found.append((prop, miles))
    found.sort(key=lambda pair: pair[1] or 0.0)  # ATTOM's default for a radius: nearest first
    return found


def _zips_near(lat: float, lon: float, miles: float) -> list[str]:
    lat_span = miles / 69.0
    return [
        home.zip5
        for home in places().values()
        if abs(home.lat - lat) <= lat_span and _miles(lat, lon, home.lat, home.lon) <= miles
    ]


def _miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 3958.8 * 2 * math.asin(math.sqrt(a))


def _in_geographies(value: str) -> Found:
    ids = [part.strip().lower() for part in value.split("|") if part.strip()]
    if len(ids) > MAX_GEO_IDS:
        raise _Refusal(38, "Too Many geoIdV4")
    if not all(len(i) == 32 and all(c in "0123456789abcdef" for c in i) for i in ids):
        raise _Refusal(-5, "Invalid Parameter")
    zips = sorted({zip5 for i in ids for zip5 in _geo_index().get(i, ())})
    return [(prop, None) for zip5 in zips for prop in population(zip5)]


# -- filters --------------------------------------------------------------------------------


def _filters(params: Params) -> Callable[[SandboxProperty], bool]:
    tests: list[Callable[[SandboxProperty], bool]] = []
    absentee = params.get("absenteeowner", "").strip().lower()
    if absentee:
        if absentee not in ("absentee", "occupied"):
            raise _Refusal(-5, "Invalid Parameter")
        wanted = absentee == "absentee"
        tests.append(lambda prop: prop.absentee == wanted)
    if params.get("propertytype"):
        kinds = {kind.strip().upper() for kind in params["propertytype"].split("|")}
        tests.append(lambda prop: prop.proptype in kinds)
    for low_name, high_name, attribute, code, label in RANGE_FILTERS:
        tests.extend(_range_tests(params, low_name, high_name, attribute, code, label))
    return lambda prop: all(test(prop) for test in tests)


def _range_tests(
    params: Params, low_name: str, high_name: str, attribute: str, code: int, label: str
) -> list[Callable[[SandboxProperty], bool]]:
    low, high = _number_param(params, low_name), _number_param(params, high_name)
    if low is not None and high is not None and low > high:
        raise _Refusal(code, f"Invalid {label} Range")
    tests: list[Callable[[SandboxProperty], bool]] = []
    if low is not None:
        tests.append(lambda prop: getattr(prop, attribute) >= low)
    if high is not None:
        tests.append(lambda prop: getattr(prop, attribute) <= high)
    return tests


def _int_param(params: Params, name: str, *, default: int) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    return int(raw) if raw.isdigit() else None


def _number_param(params: Params, name: str) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise _Refusal(-5, "Invalid Parameter") from None


# -- location lookup (v4) -------------------------------------------------------------------


@functools.cache
def _geo_index() -> dict[str, tuple[str, ...]]:
    """geoIdV4 → its ZIPs; built from zipcodes, so a search needs no prior lookup."""
    zips: dict[str, list[str]] = defaultdict(list)
    for home in places().values():
        for key in geo_ids(home).values():
            zips[key].append(home.zip5)
    return {key: tuple(found) for key, found in zips.items()}


def _lookup(params: Params) -> Answer:
    name = params.get("name", "").strip()
    kind = params.get("geographytypeabbreviation", "").strip().upper()
    if not name or not kind:
        return 400, _v4_envelope(-6, "Missing Parameter", [])
    key = geo_id(kind, place_key(kind, name))
    zips = _geo_index().get(key)
    if kind not in GEO_KINDS or not zips:
        return 200, _v4_envelope(1, "SuccessWithoutResult", [])
    home = places()[zips[0]]
    names = {"CI": f"{home.city}, {home.state}", "CO": f"{home.county}, {home.state}"}
    geography = {
        "geoIdV4": key,
        "geographyName": names.get(kind, home.zip5),
        "geographyTypeAbbreviation": kind,
        "geographyTypeName": GEO_KINDS[kind],
    }
    return 200, _v4_envelope(0, "Success", [geography])


def _v4_envelope(code: int, msg: str, geographies: list[dict[str, str]]) -> dict[str, Any]:
    status = {"version": "v4", "code": code, "msg": msg, "total": len(geographies)}
    return {"status": {**status, "page": 1, "pageSize": 10}, "geographies": geographies}


# -- the wire -------------------------------------------------------------------------------


def _envelope(
    code: int, msg: str, total: int = 0, page: int = 0, pagesize: int = 0, transaction: str = ""
) -> dict[str, Any]:
    status: dict[str, Any] = {"version": "1.0.0", "code": code, "msg": msg, "total": total}
    status.update(page=page, pagesize=pagesize)
    if transaction:
        status["transactionID"] = transaction
    return {"status": status}


def _transaction_id(params: Params) -> str:
    return hashlib.md5(json.dumps(sorted(params.items())).encode()).hexdigest()


def _fault_response(request: requests.PreparedRequest, fault: faults.Fault) -> requests.Response:
    if fault.kind == "timeout":
        raise requests.ReadTimeout("sandbox: read timed out", request=request)
    if fault.kind == "connect_error":
        raise requests.ConnectionError("sandbox: connection refused", request=request)
    if fault.kind == "malformed":
        return _response(request, 200, b'{"status": {"version": "1.0.0", "code": 0, "msg": "Su')
    if fault.kind == "401":
        return _response(request, 401, _envelope(401, "Unauthorized"))
    if fault.kind in ("429", "500", "503"):
        status = int(fault.kind)
        retry_after = fault.option("retry_after")
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        body = _envelope(status, HTTPStatus(status).phrase)
        return _response(request, status, body, headers)
    raise ValueError(f"the ATTOM sandbox has no fault {fault.kind!r}")


def _response(
    request: requests.PreparedRequest,
    status: int,
    body: dict[str, Any] | bytes,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = requests.Response()
    response.status_code = status
    response.reason = HTTPStatus(status).phrase
    response.headers = CaseInsensitiveDict(
        {"Content-Type": "application/json;charset=UTF-8", **(headers or {})}
    )
    response._content = content
    response.encoding = "utf-8"
    response.url = request.url or ""
    response.request = request
    return response
