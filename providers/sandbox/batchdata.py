"""An emulator of BatchData's v1 skip-trace API, mounted under the real client as a transport.

It speaks the wire format of /work/shared/contracts/batchdata.md: `POST .../property/skip-trace`
with a Bearer token, one `results.persons[]` entry per request item in request order, counts
under `results.meta.results`, and the `{"status": {...}}` envelope on errors.

Any token starting with "sandbox" is accepted (e.g. "sandbox-token"); anything else is a 401.
Answers are deterministic per property address, so a demo traces the same owner every time.
Faults queued with `providers.sandbox.faults` under "batch" are served first.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from providers.registry import BATCH
from providers.sandbox import faults, regions
from providers.sandbox.faults import Fault

PROVIDER = BATCH
TOKEN_PREFIX = "sandbox"
MAX_ITEMS = 100
SYNC_PATH = "/property/skip-trace"
ASYNC_PATH = "/property/skip-trace/async"

ERROR_SHARE = 0.02
NO_MATCH_SHARE = 0.25
LITIGATOR_SHARE = 0.05
DECEASED_SHARE = 0.03
DNC_SHARE = 0.15
FLAGS_MISSING_SHARE = 0.10  # phones sent without dnc/tcpa keys: status unknown

FIRST_NAMES = (
    "james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david",
    "elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas",
    "karen", "carlos", "maria", "daniel", "nancy", "anthony", "lisa", "kevin", "sandra",
    "jose", "ashley", "wei", "mei", "andre", "keisha", "ahmed", "fatima", "raj", "priya",
)  # fmt: skip
LAST_NAMES = (
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis",
    "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson",
    "thomas", "taylor", "moore", "jackson", "martin", "lee", "perez", "thompson", "white",
    "harris", "clark", "lewis", "robinson", "walker", "nguyen", "kim", "patel", "chen",
    "okafor", "oconnor", "kowalski",
)  # fmt: skip
MOBILE_CARRIERS = (
    "Cellco Partnership dba Verizon Wireless", "T-Mobile USA, Inc.", "AT&T Mobility LLC",
    "Sprint Spectrum L.P.", "United States Cellular Corp.", "Cricket Wireless LLC",
)  # fmt: skip
LANDLINE_CARRIERS = (
    "Verizon New York Inc.", "AT&T Southwest", "CenturyLink Communications LLC",
    "Frontier Communications of America", "Windstream Communications LLC",
    "Comcast Phone LLC", "Charter Fiberlink LLC", "Cox Communications Inc.",
    "Cablevision Lightpath",
)  # fmt: skip
VOIP_CARRIERS = ("Bandwidth.com CLEC LLC", "Onvoy LLC", "Level 3 Communications LLC")
STREET_NAMES = ("Oak", "Maple", "Cedar", "Park", "Washington", "Lake", "Hill", "Sunset", "Elm")
STREET_SUFFIXES = ("St", "Ave", "Dr", "Ln", "Rd", "Ct", "Blvd", "Way")
# Real places an absentee owner might live, for mailing addresses we have to make up.
MAILING_PLACES = (
    ("Mineola", "NY", "11501"), ("Scottsdale", "AZ", "85251"), ("Naples", "FL", "34102"),
    ("Plano", "TX", "75024"), ("Irvine", "CA", "92618"), ("Bellevue", "WA", "98004"),
    ("Alpharetta", "GA", "30009"), ("Naperville", "IL", "60540"), ("Cary", "NC", "27511"),
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # reserved: never deliverable
ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class BatchDataSandboxAdapter(BaseAdapter):
    """A `requests` transport answering like api.batchdata.com/api/v1."""

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__()
        self.sleep = sleep

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        faults.note_request(PROVIDER)
        fault = faults.take(PROVIDER)
        if fault is not None and fault.kind != "latency":
            return self._fault(request, fault)
        with faults.answering(PROVIDER):
            if delay := faults.answer_delay_s(PROVIDER, fault):
                self.sleep(delay)
        return self._answer(request)

    def close(self) -> None:
        pass

    def _fault(self, request: requests.PreparedRequest, fault: Fault) -> requests.Response:
        if fault.kind == "timeout":
            raise requests.ReadTimeout("sandbox: read timed out", request=request)
        if fault.kind == "connect_error":
            raise requests.ConnectionError("sandbox: connection refused", request=request)
        if fault.kind == "malformed":
            return _response(request, 200, "<html><body>502 Bad Gateway</body></html>")
        if fault.kind == "401":
            return _error(request, 401, "Invalid token.")
        if fault.kind == "429":
            retry_after = fault.option("retry_after")
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return _error(request, 429, "Too many requests. Please slow down.", headers)
        if fault.kind in ("500", "502", "503", "504"):
            return _error(request, int(fault.kind), "The service is temporarily unavailable.")
        raise ValueError(f"unknown BatchData sandbox fault {fault.kind!r}")

    def _answer(self, request: requests.PreparedRequest) -> requests.Response:
        path = (request.path_url or "").split("?")[0].rstrip("/")
        is_async = path.endswith(ASYNC_PATH)
        if request.method != "POST" or not (is_async or path.endswith(SYNC_PATH)):
            return _error(request, 404, "Not found.")
        if not _token_accepted(request.headers.get("Authorization", "")):
            return _error(request, 401, "Invalid token.")
        body = _json_body(request.body)
        problem = _body_problem(body, is_async)
        if problem:
            return _error(request, 400, problem)
        if is_async:
            payload = {"status": _status(200), "requestId": _ulid(_digest(request.body))}
            return _response(request, 200, json.dumps(payload))
        return _response(request, 200, json.dumps(skip_trace_payload(body)))


def skip_trace_payload(body: Mapping[str, Any]) -> dict[str, Any]:
    """The v1 answer to a valid request body."""
    include_tcpa = bool((body.get("options") or {}).get("includeTCPABlacklistedPhones"))
    persons = [person_for(item, include_tcpa=include_tcpa) for item in body["requests"]]
    metas = [p["meta"] for p in persons]
    counts = {
        "requestCount": len(persons),
        "matchCount": sum(m["matched"] for m in metas),
        "noMatchCount": sum(not m["matched"] and not m["error"] for m in metas),
        "errorCount": sum(m["error"] for m in metas),
    }
    meta = {"apiVersion": "2.10.2", "results": counts, "requestId": _ulid(_digest(body))}
    return {"status": _status(200), "results": {"persons": persons, "meta": meta}}


def person_for(item: Mapping[str, Any], *, include_tcpa: bool) -> dict[str, Any]:
    """One `persons[]` entry, the same for the same address every time."""
    rng = random.Random(_digest(_address_key(item)))
    roll = rng.random()
    if roll < ERROR_SHARE + NO_MATCH_SHARE:
        # Unmatched items echo the address asked and little else.
        echo = dict(item.get("propertyAddress") or {})
        return {"propertyAddress": echo, "meta": {"matched": False, "error": roll < ERROR_SHARE}}
    return _matched_person(item, _property_address(item, rng), rng, include_tcpa)


def _matched_person(
    item: Mapping[str, Any], address: dict[str, Any], rng: random.Random, include_tcpa: bool
) -> dict[str, Any]:
    name = _owner_name(item, rng)
    litigator = rng.random() < LITIGATOR_SHARE
    deceased = rng.random() < DECEASED_SHARE
    absentee = rng.random() < 0.3
    phones = _phones(rng, regions.area_codes_for_zip(address.get("zip", "")), litigator)
    return {
        "_id": "".join(rng.choice(ID_ALPHABET) for _ in range(13)),
        "name": name,
        "propertyAddress": address,
        "mailingAddress": _mailing_address(item, address, rng, absentee),
        "phoneNumbers": phones if include_tcpa or not litigator else [],
        "emails": _emails(name, rng),
        "litigator": litigator,
        # The official mock sends these objects empty; sometimes do the same.
        "dnc": {} if rng.random() < 0.1 and not litigator else {"tcpa": litigator},
        "death": {} if rng.random() < 0.1 else {"deceased": deceased},
        "bankruptcy": {},
        "involuntaryLien": [],
        "property": _property_facts(rng, absentee),
        "meta": {"matched": True, "error": False},
    }


def _owner_name(item: Mapping[str, Any], rng: random.Random) -> dict[str, str]:
    generated = {"first": rng.choice(FIRST_NAMES), "last": rng.choice(LAST_NAMES)}
    asked = item.get("name") or {}
    given = {k: str(asked[k]).strip().lower() for k in ("first", "last") if asked.get(k)}
    return given or generated


def _phones(rng: random.Random, area_codes: list[str], litigator: bool) -> list[dict[str, Any]]:
    phones = [_phone(rng, rng.choice(area_codes), litigator) for _ in range(rng.randint(1, 5))]
    order = {"Mobile": 0, "Land Line": 1, "Voip": 2}
    return sorted(phones, key=lambda p: (order[p["type"]], -p["score"]))


def _phone(rng: random.Random, area_code: str, litigator: bool) -> dict[str, Any]:
    kind = rng.choices(("Mobile", "Land Line", "Voip"), weights=(60, 35, 5))[0]
    carriers = {"Mobile": MOBILE_CARRIERS, "Land Line": LANDLINE_CARRIERS}
    reachable = rng.random() < 0.85
    phone: dict[str, Any] = {
        "number": area_code + _exchange(rng) + f"{rng.randrange(10_000):04d}",
        "carrier": rng.choice(carriers.get(kind, VOIP_CARRIERS)),
        "type": kind,
        "tested": reachable and rng.random() < 0.8,
        "reachable": reachable,
        "score": rng.randint(55, 100) if reachable else rng.randint(10, 60),
    }
    if litigator or rng.random() >= FLAGS_MISSING_SHARE:
        phone["dnc"] = rng.random() < DNC_SHARE
        phone["tcpa"] = litigator
    return phone


def _exchange(rng: random.Random) -> str:
    """A central-office code in use: 2-9 first, never N11, never the 555 directory code."""
    while True:
        code = f"{rng.randint(2, 9)}{rng.randrange(100):02d}"
        if code[1:] != "11" and code != "555":
            return code


def _emails(name: Mapping[str, str], rng: random.Random) -> list[dict[str, Any]]:
    first = re.sub(r"[^a-z]", "", name.get("first", "")) or "owner"
    last = re.sub(r"[^a-z]", "", name.get("last", "")) or "home"
    local_parts = [f"{first}.{last}", f"{first[0]}{last}{rng.randint(1, 99)}", f"{last}.{first}"]
    count = rng.choices((0, 1, 2, 3), weights=(25, 40, 25, 10))[0]
    return [
        {"email": f"{local}@{rng.choice(EMAIL_DOMAINS)}", "tested": rng.random() < 0.6}
        for local in local_parts[:count]
    ]


def _property_address(item: Mapping[str, Any], rng: random.Random) -> dict[str, Any]:
    asked = item.get("propertyAddress") or {}
    street = str(asked.get("street") or "").strip()
    zip5 = str(asked.get("zip") or "").strip()[:5]
    place = regions.place_for_zip(zip5)
    address = {
        "houseNumber": street.split(" ")[0] if street[:1].isdigit() else "",
        "street": street,
        "city": asked.get("city") or (place.city if place else ""),
        "county": place.county if place else str(item.get("county") or ""),
        "state": asked.get("state") or (place.state if place else str(item.get("state") or "")),
        "zip": zip5,
        "zipPlus4": f"{rng.randrange(10_000):04d}",
    }
    address["hash"] = hashlib.md5(_address_key(item).encode(), usedforsecurity=False).hexdigest()
    return address


def _mailing_address(
    item: Mapping[str, Any], address: Mapping[str, Any], rng: random.Random, absentee: bool
) -> dict[str, Any]:
    asked = item.get("mailingAddress") or {}
    if all(asked.get(k) for k in ("street", "city", "state", "zip")):
        return {k: asked[k] for k in ("street", "city", "state", "zip")}
    if not absentee:
        return {k: address[k] for k in ("street", "city", "state", "zip")}
    city, state, zip5 = rng.choice(MAILING_PLACES)
    street = f"{rng.randint(10, 9999)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_SUFFIXES)}"
    return {"street": street, "city": city, "state": state, "zip": zip5}


def _property_facts(rng: random.Random, absentee: bool) -> dict[str, Any]:
    value = rng.randrange(120_000, 900_000, 1_000)
    equity_percent = round(rng.uniform(-5, 100), 1)
    return {
        "equity": int(value * equity_percent / 100),
        "equityPercent": equity_percent,
        "absenteeOwner": absentee,
        "vacant": rng.random() < 0.05,
    }


# -- request checks ------------------------------------------------------------------------


def _token_accepted(authorization: str) -> bool:
    scheme, _, token = authorization.partition(" ")
    return scheme == "Bearer" and token.strip().startswith(TOKEN_PREFIX)


def _json_body(raw: bytes | str | None) -> Any:
    try:
        return json.loads(raw or b"")
    except ValueError:
        return None


def _body_problem(body: Any, is_async: bool) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        return "The request body must be a JSON object with a 'requests' array."
    items = body["requests"]
    if not 1 <= len(items) <= MAX_ITEMS:
        return f"'requests' must contain between 1 and {MAX_ITEMS} items."
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not _has_accepted_address(item):
            return f"requests[{index}]: a property address or an APN is required."
    if is_async and not (body.get("options") or {}).get("webhookUrl"):
        return "options.webhookUrl is required for asynchronous requests."
    return None


def _has_accepted_address(item: Mapping[str, Any]) -> bool:
    address = item.get("propertyAddress")
    address = address if isinstance(address, dict) else {}

    def has(source: Mapping[str, Any], *keys: str) -> bool:
        return all(str(source.get(k) or "").strip() for k in keys)

    return (
        has(address, "street", "zip")
        or has(address, "street", "city", "state")
        or has(item, "apn", "county", "state")
        or has(item, "apn", "countyFipsCode")
    )


def _address_key(item: Mapping[str, Any]) -> str:
    """What makes two requests the same property: normalised street + ZIP (or APN)."""
    address = item.get("propertyAddress") or {}
    street = _normalise(address.get("street"))
    if street:
        where = str(address.get("zip") or "").strip()[:5] or _normalise(
            f"{address.get('city')} {address.get('state')}"
        )
        return f"{street}|{where}"
    county = item.get("countyFipsCode") or f"{item.get('county')} {item.get('state')}"
    return f"APN|{_normalise(item.get('apn'))}|{_normalise(county)}"


def _normalise(value: Any) -> str:
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", str(value or "").upper()).split())


# -- wire helpers --------------------------------------------------------------------------


def _digest(value: Any) -> int:
    raw = value if isinstance(value, bytes) else json.dumps(value, sort_keys=True).encode()
    return int.from_bytes(hashlib.sha256(raw).digest()[:8], "big")


def _ulid(seed: int) -> str:
    rng = random.Random(seed)
    return "01" + "".join(rng.choice(ULID_ALPHABET) for _ in range(24))


def _status(code: int, message: str | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"code": code, "text": HTTPStatus(code).phrase}
    if message is not None:
        status["message"] = message
    return status


def _error(
    request: requests.PreparedRequest,
    code: int,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> requests.Response:
    return _response(request, code, json.dumps({"status": _status(code, message)}), headers)


def _response(
    request: requests.PreparedRequest,
    code: int,
    text: str,
    headers: Mapping[str, str] | None = None,
) -> requests.Response:
    response = requests.Response()
    response.status_code = code
    response.reason = HTTPStatus(code).phrase
    response._content = text.encode()
    response.encoding = "utf-8"
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json", **(headers or {})})
    response.url = request.url or ""
    response.request = request
    return response
