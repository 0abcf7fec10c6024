"""An emulator of Twilio Lookup v2, plugged into the official SDK as its `HttpClient`.

It answers `GET https://lookups.twilio.com/v2/PhoneNumbers/{number}` in the v2 wire format.
HTTP Basic auth: a username starting with "SK" (API key) or "AC" (Account SID) and any
non-empty password. Validity comes from `phonenumbers`; line types and carriers are
deterministic per number (mostly mobile and landline, some VoIP). Canadian numbers answer
with package error 60601, as for an account not authorised for Canada. Faults queued under
"twilio" in `providers.sandbox.faults` are served first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import phonenumbers
import requests
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult
from twilio.http import HttpClient
from twilio.http.response import Response

from providers.registry import TWILIO
from providers.sandbox import faults
from providers.sandbox.faults import Fault

PROVIDER = TWILIO
BASE_URL = "https://lookups.twilio.com/v2/PhoneNumbers/"
PATH = re.compile(r"^/v2/PhoneNumbers/([^/]+)$")
HEADERS = {"Content-Type": "application/json"}
PACKAGES = (
    "caller_name", "sim_swap", "call_forwarding", "line_status", "line_type_intelligence",
    "identity_match", "reassigned_number", "sms_pumping_risk", "phone_number_quality_score",
    "pre_fill",
)  # fmt: skip

# (type, weight, carriers as (name, mobile country code, mobile network code))
LINE_TYPES: tuple[tuple[str, int, tuple[tuple[str, str | None, str | None], ...]], ...] = (
    ("mobile", 68, (
        ("Verizon Wireless", "311", "480"), ("T-Mobile USA, Inc.", "310", "260"),
        ("AT&T Wireless", "310", "410"), ("U.S. Cellular", "311", "580"),
    )),
    ("landline", 22, (
        ("Verizon New York Inc.", None, None), ("AT&T Southwest", None, None),
        ("CenturyLink Communications", None, None), ("Frontier Communications", None, None),
    )),
    ("nonFixedVoip", 7, (
        ("Google (Grand Central) BWI - Bandwidth.com - SVR", None, None),
        ("Bandwidth.com - SVR", None, None), ("Onvoy Spectrum, LLC", None, None),
    )),
    ("fixedVoip", 3, (("Comcast IP Phone, LLC", None, None), ("Vonage America, LLC", None, None))),
)  # fmt: skip
SPECIAL_TYPES = {
    PhoneNumberType.TOLL_FREE: "tollFree",
    PhoneNumberType.PREMIUM_RATE: "premium",
    PhoneNumberType.SHARED_COST: "sharedCost",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.VOICEMAIL: "voicemail",
}
PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "INVALID_COUNTRY_CODE",
    NumberParseException.TOO_SHORT_AFTER_IDD: "TOO_SHORT",
    NumberParseException.TOO_SHORT_NSN: "TOO_SHORT",
    NumberParseException.TOO_LONG: "TOO_LONG",
}
POSSIBILITY_ERRORS = {
    ValidationResult.INVALID_COUNTRY_CODE: "INVALID_COUNTRY_CODE",
    ValidationResult.TOO_SHORT: "TOO_SHORT",
    ValidationResult.TOO_LONG: "TOO_LONG",
    ValidationResult.INVALID_LENGTH: "INVALID_LENGTH",
}
ERRORS = {
    401: (20003, "Authenticate"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "An internal server error has occurred"),
    503: (20503, "Service Unavailable"),
}


class TwilioSandboxHttpClient(HttpClient):
    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(logging.getLogger("leadflow.providers.sandbox"), False)
        self.sleep = sleep

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        faults.note_request(PROVIDER)
        fault = faults.take(PROVIDER)
        if fault is not None and fault.kind != "latency":
            return _fault(fault)
        with faults.answering(PROVIDER):
            if delay := faults.answer_delay_s(PROVIDER, fault):
                self.sleep(delay)
        if not _auth_accepted(auth):
            return _error(401)
        match = PATH.match(urlsplit(uri).path)
        if method.upper() != "GET" or match is None:
            return _error(404)
        fields = str((params or {}).get("Fields") or "").split(",")
        return _json(200, lookup_payload(unquote(match.group(1)), fields=fields))


def lookup_payload(raw_number: str, *, fields: list[str]) -> dict[str, Any]:
    """The v2 body for one number: validity always, line type intelligence when asked."""
    number, errors = _parse(raw_number)
    valid = number is not None and not errors
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else ""
    payload: dict[str, Any] = {
        "calling_country_code": str(number.country_code) if number else None,
        "country_code": phonenumbers.region_code_for_number(number) if number else None,
        "phone_number": e164 if valid else raw_number,
        "national_format": _national(number) if valid and number else None,
        "valid": valid,
        "validation_errors": errors,
    }
    payload.update(dict.fromkeys(PACKAGES))
    if valid and number and "line_type_intelligence" in fields:
        payload["line_type_intelligence"] = _line_type_intelligence(number, e164)
    payload["url"] = BASE_URL + payload["phone_number"]
    return payload


def _parse(raw_number: str) -> tuple[phonenumbers.PhoneNumber | None, list[str]]:
    try:
        number = phonenumbers.parse(raw_number, None)
    except NumberParseException as exc:
        return None, [PARSE_ERRORS.get(exc.error_type, "NOT_A_NUMBER")]
    possibility = phonenumbers.is_possible_number_with_reason(number)
    if possibility in POSSIBILITY_ERRORS:
        return number, [POSSIBILITY_ERRORS[possibility]]
    if not phonenumbers.is_valid_number(number):
        return number, ["INVALID_BUT_POSSIBLE"]
    return number, []


def _national(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _line_type_intelligence(number: phonenumbers.PhoneNumber, e164: str) -> dict[str, Any]:
    if phonenumbers.region_code_for_number(number) == "CA":
        return _intelligence(None, (None, None, None), error_code=60601)
    special = SPECIAL_TYPES.get(phonenumbers.number_type(number))
    if special is not None:
        return _intelligence(special, (None, None, None))
    rng = random.Random(hashlib.sha256(e164.encode()).digest())
    kind, _, carriers = rng.choices(LINE_TYPES, weights=[t[1] for t in LINE_TYPES])[0]
    return _intelligence(kind, rng.choice(carriers))


def _intelligence(
    kind: str | None,
    carrier: tuple[str | None, str | None, str | None],
    *,
    error_code: int | None = None,
) -> dict[str, Any]:
    name, country_code, network_code = carrier
    return {
        "type": kind,
        "carrier_name": name,
        "mobile_country_code": country_code,
        "mobile_network_code": network_code,
        "error_code": error_code,
    }


def _auth_accepted(auth: tuple[str, str] | None) -> bool:
    if not auth or len(auth) != 2:
        return False
    username, password = auth
    return bool(password) and str(username or "").startswith(("SK", "AC"))


def _fault(fault: Fault) -> Response:
    if fault.kind == "timeout":
        raise requests.ReadTimeout("sandbox: read timed out")
    if fault.kind == "connect_error":
        raise requests.ConnectionError("sandbox: connection refused")
    if fault.kind == "malformed":
        return Response(200, "<html><body>Bad Gateway</body></html>", {"Content-Type": "text/html"})
    if fault.kind in ("401", "429", "500", "503"):
        return _error(int(fault.kind))
    raise ValueError(f"unknown Twilio sandbox fault {fault.kind!r}")


def _error(status: int) -> Response:
    code, message = ERRORS[status]
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return _json(
        status, {"code": code, "message": message, "more_info": more_info, "status": status}
    )


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(status, json.dumps(payload), dict(HEADERS))
