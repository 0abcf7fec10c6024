"""BatchData skip trace (v1): who owns a property, and how to reach them.

Wire contract: /work/shared/contracts/batchdata.md. The client builds the request, sends it
through the HTTP seam, and maps the answer into typed records. It bills nothing: the caller
charges `match_count` × the price per match.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings

from providers.http import (
    OUTCOME_ERROR,
    OUTCOME_UNKNOWN,
    CallInfo,
    HttpResult,
    HttpSeam,
    ProviderAuthError,
    ProviderError,
    RetryPolicy,
)
from providers.modes import SANDBOX, require_on
from providers.registry import BATCH
from providers.wire import as_bool, as_int, as_list, as_text, dig, lower_keys

logger = logging.getLogger("leadflow.providers")

PROVIDER = BATCH
OPERATION = "skip_trace"
MAX_ITEMS = 100
SANDBOX_TOKEN = "sandbox-token"
RETRY = RetryPolicy(max_retries=2, backoff_base_s=0.5, jitter=True)

US_REGIONS = {"US", "PR", "VI", "GU", "AS", "MP"}  # the territories dial as +1 US numbers
# A ten-digit North American number as lists and vendors write it ("(602) 555-0101",
# "602.555.0101", "+1 602 555 0101"): its digits are what `phonenumbers.parse` would read,
# without its general parser (most of an import's time per phone).
_PLAIN_NANP = re.compile(
    r"(?:\+?1[ .-]?)?(?:\(([2-9]\d\d)\) ?|([2-9]\d\d)[ .-]?)(\d{3})[ .-]?(\d{4})"
)
LINE_TYPES = {"mobile": "mobile", "cell": "mobile", "wireless": "mobile", "landline": "landline"}


@dataclass(frozen=True)
class SkipTraceRequest:
    request_id: str
    street: str
    city: str
    state: str
    zip: str
    first_name: str | None = None
    last_name: str | None = None
    mailing_street: str | None = None
    mailing_city: str | None = None
    mailing_state: str | None = None
    mailing_zip: str | None = None


@dataclass(frozen=True)
class TracedPhone:
    number: str  # E.164
    line_type: str  # "mobile" | "landline" | "voip" | "unknown"
    carrier: str | None
    score: int | None  # 0–100: confidence the number reaches the owner
    reachable: bool | None
    tested: bool | None
    # None means the vendor did not say: unknown, never "safe".
    dnc: bool | None
    tcpa: bool | None


@dataclass(frozen=True)
class TracedEmail:
    email: str
    tested: bool | None


@dataclass(frozen=True)
class SkipTraceMatch:
    request_id: str
    matched: bool
    error: bool
    first_name: str | None = None
    last_name: str | None = None
    phones: tuple[TracedPhone, ...] = ()
    emails: tuple[TracedEmail, ...] = ()
    litigator: bool | None = None  # known TCPA plaintiff: never contact
    deceased: bool | None = None
    mailing_street: str | None = None
    mailing_city: str | None = None
    mailing_state: str | None = None
    mailing_zip: str | None = None
    invalid_phone_count: int = 0  # numbers skipped: not a valid US number


@dataclass(frozen=True)
class SkipTraceBatch:
    matches: list[SkipTraceMatch]  # same length and order as the request
    request_count: int
    match_count: int  # what BatchData bills
    no_match_count: int
    error_count: int
    call: CallInfo


class BatchDataClient:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        sandbox: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        adapter = None
        if sandbox:
            from providers.sandbox.batchdata import BatchDataSandboxAdapter

            adapter = BatchDataSandboxAdapter()
        self.seam = HttpSeam(
            PROVIDER,
            base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            connect_timeout_s=5,
            read_timeout_s=30,
            retry=RETRY,
            sandbox_adapter=adapter,
            sleep=sleep,
        )

    @classmethod
    def from_settings(cls) -> BatchDataClient:
        """Raises `ProviderOff` when BatchData is off."""
        if require_on(PROVIDER) == SANDBOX:
            # Never hand a real key to the emulator; it only accepts "sandbox…" tokens.
            key = settings.BATCHDATA_API_KEY
            token = key if key.startswith("sandbox") else SANDBOX_TOKEN
            return cls(api_key=token, base_url=settings.BATCHDATA_BASE_URL, sandbox=True)
        return cls(api_key=settings.BATCHDATA_API_KEY, base_url=settings.BATCHDATA_BASE_URL)

    def skip_trace(self, requests: Sequence[SkipTraceRequest]) -> SkipTraceBatch:
        if not 1 <= len(requests) <= MAX_ITEMS:
            raise ValueError(f"skip trace takes 1 to {MAX_ITEMS} requests, got {len(requests)}")
        body = {
            "requests": [request_item(r) for r in requests],
            "options": {"includeTCPABlacklistedPhones": False},
        }
        # Not idempotent: a POST that timed out may have been processed and billed.
        result = self.seam.request(
            "POST", "/property/skip-trace", operation=OPERATION, json_body=body, idempotent=False
        )
        if not result.ok:
            raise _http_error(result)
        return _batch(result, requests)


def request_item(request: SkipTraceRequest) -> dict[str, Any]:
    address = {
        "street": request.street,
        "city": request.city,
        "state": request.state,
        "zip": request.zip,
    }
    item: dict[str, Any] = {
        "requestId": request.request_id,
        "propertyAddress": {k: v for k, v in address.items() if v},
    }
    name = {"first": request.first_name, "last": request.last_name}
    if any(name.values()):
        item["name"] = {k: v for k, v in name.items() if v}
    mailing = {
        "street": request.mailing_street,
        "city": request.mailing_city,
        "state": request.mailing_state,
        "zip": request.mailing_zip,
    }
    if all(mailing.values()):
        item["mailingAddress"] = mailing
    return item


# -- errors --------------------------------------------------------------------------------


def _http_error(result: HttpResult) -> ProviderError:
    status = result.status
    message = _vendor_message(result)
    call = result.call.with_outcome(OUTCOME_ERROR)
    if status in (401, 403):
        return ProviderAuthError(PROVIDER, message, status=status, call=call)
    permanent = 400 <= status < 500 and status != 429
    return ProviderError(PROVIDER, message, permanent=permanent, status=status, call=call)


def _vendor_message(result: HttpResult) -> str:
    status = result.payload.get("status") if isinstance(result.payload, dict) else None
    if isinstance(status, dict):
        message = status.get("message") or status.get("text")
        if message:
            return str(message)
    return f"HTTP {result.status}"


def _malformed(result: HttpResult, message: str) -> ProviderError:
    # A 200 we cannot read may still have been processed and billed.
    call = result.call.with_outcome(OUTCOME_UNKNOWN)
    return ProviderError(PROVIDER, message, permanent=False, status=result.status, call=call)


# -- the answer ----------------------------------------------------------------------------
# Keys are compared lower-case (`lower_keys` + `dig`), so a casing change upstream is harmless.


def _batch(result: HttpResult, requests: Sequence[SkipTraceRequest]) -> SkipTraceBatch:
    results = dig(lower_keys(result.payload), "results")
    persons = dig(results, "persons")
    if not isinstance(persons, list):
        raise _malformed(result, "malformed response")
    if len(persons) != len(requests):
        raise _malformed(result, "response does not match request")
    # v1 may not echo requestId per person: correlate by position.
    matches = [
        _match(request.request_id, person if isinstance(person, dict) else {})
        for request, person in zip(requests, persons, strict=True)
    ]
    counts = dig(results, "meta", "results", default={})

    def count(key: str, fallback: int) -> int:
        value = as_int(dig(counts, key))
        return fallback if value is None else value

    return SkipTraceBatch(
        matches=matches,
        request_count=count("requestCount", len(matches)),
        match_count=count("matchCount", sum(m.matched for m in matches)),
        no_match_count=count("noMatchCount", sum(not m.matched and not m.error for m in matches)),
        error_count=count("errorCount", sum(m.error for m in matches)),
        call=result.call,
    )


def _match(request_id: str, person: Mapping[str, Any]) -> SkipTraceMatch:
    phones = [_phone(p) for p in as_list(dig(person, "phoneNumbers")) if isinstance(p, dict)]
    valid_phones = tuple(p for p in phones if p is not None)
    skipped = len(phones) - len(valid_phones)
    if skipped:
        logger.warning(
            "batchdata: skipped %d invalid phone number%s", skipped, "" if skipped == 1 else "s"
        )
    return SkipTraceMatch(
        request_id=request_id,
        matched=_matched(person),
        error=as_bool(dig(person, "meta", "error")) is True,
        first_name=as_text(dig(person, "name", "first")) or None,
        last_name=as_text(dig(person, "name", "last")) or None,
        phones=valid_phones,
        emails=tuple(e for e in map(_email, as_list(dig(person, "emails"))) if e is not None),
        litigator=_litigator(person),
        deceased=as_bool(dig(person, "death", "deceased")),
        mailing_street=as_text(dig(person, "mailingAddress", "street")) or None,
        mailing_city=as_text(dig(person, "mailingAddress", "city")) or None,
        mailing_state=as_text(dig(person, "mailingAddress", "state")) or None,
        mailing_zip=as_text(dig(person, "mailingAddress", "zip")) or None,
        invalid_phone_count=len(phones) - len(valid_phones),
    )


def _matched(person: Mapping[str, Any]) -> bool:
    matched = as_bool(dig(person, "meta", "matched"))
    if matched is not None:
        return matched
    return bool(dig(person, "name") or dig(person, "phoneNumbers") or dig(person, "emails"))


def _litigator(person: Mapping[str, Any]) -> bool | None:
    flags = (as_bool(dig(person, "litigator")), as_bool(dig(person, "dnc", "tcpa")))
    if True in flags:
        return True
    return False if False in flags else None


def _phone(raw: Mapping[str, Any]) -> TracedPhone | None:
    number = e164(dig(raw, "number"))
    if number is None:
        return None
    return TracedPhone(
        number=number,
        line_type=line_type(dig(raw, "type")),
        carrier=as_text(dig(raw, "carrier")) or None,
        score=as_int(dig(raw, "score")),
        reachable=as_bool(dig(raw, "reachable")),
        tested=as_bool(dig(raw, "tested")),
        dnc=as_bool(dig(raw, "dnc")),
        tcpa=as_bool(dig(raw, "tcpa")),
    )


def _email(raw: Any) -> TracedEmail | None:
    address = as_text(raw if isinstance(raw, str) else dig(raw, "email"))
    if not address:
        return None
    return TracedEmail(email=address, tested=as_bool(dig(raw, "tested")))


def e164(raw: Any) -> str | None:
    """A vendor's phone number in E.164, or None unless it is a valid US number."""
    text = as_text(raw)
    if plain := _PLAIN_NANP.fullmatch(text):
        digits = "".join(part for part in plain.groups() if part)
        number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
    else:
        try:
            number = phonenumbers.parse(text, "US")
        except phonenumbers.NumberParseException:
            return None
    # is_valid_number, with the region it looks up checked first (the costly part, once).
    # The US comes first of +1's regions and claims a number by its type alone, so a number
    # valid in the US is the US's without asking the others.
    if phonenumbers.is_valid_number_for_region(number, "US"):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    region = phonenumbers.region_code_for_number(number)
    if region not in US_REGIONS or not phonenumbers.is_valid_number_for_region(number, region):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def line_type(raw: Any) -> str:
    """BatchData's "Mobile" / "Land Line" / "Voip" as mobile / landline / voip / unknown."""
    key = "".join(ch for ch in str(raw or "").lower() if ch.isalpha())
    if "voip" in key:
        return "voip"
    return LINE_TYPES.get(key, "unknown")
