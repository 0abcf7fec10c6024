"""Twilio Lookup v2 line type intelligence: is this number a mobile, a landline or a VoIP line?

Wire contract: /work/shared/contracts/twilio-openai-compliance.md. We go through the official
SDK with our own HTTP client, because its default one has no timeout and does not retry 429
or 5xx. The sandbox is another `twilio.http.HttpClient` plugged in the same way.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from providers.http import (
    OUTCOME_EMPTY,
    OUTCOME_ERROR,
    OUTCOME_SUCCESS,
    OUTCOME_UNKNOWN,
    CallInfo,
    ProviderAuthError,
    ProviderError,
    RetryPolicy,
)
from providers.modes import SANDBOX, require_on
from providers.registry import TWILIO

logger = logging.getLogger("leadflow.providers")

PROVIDER = TWILIO
OPERATION = "line_type_lookup"
FIELDS = "line_type_intelligence"
# A GET is safe to repeat, but the SDK retries nothing but refused connections.
RETRY = RetryPolicy(max_retries=2, backoff_base_s=0.5, jitter=True)
SANDBOX_ACCOUNT_SID = "AC" + "0" * 32
SANDBOX_API_KEY = "SK" + "0" * 32
SANDBOX_API_SECRET = "sandbox-secret"

TwilioError = TwilioRestException | TwilioServiceException


@dataclass(frozen=True)
class LineTypeResult:
    number: str  # E.164, as Twilio normalised it
    valid: bool
    validation_errors: tuple[str, ...]  # TOO_SHORT, TOO_LONG, INVALID_BUT_POSSIBLE, ...
    line_type: str | None  # mobile, landline, fixedVoip, nonFixedVoip, tollFree, ..., unknown
    carrier: str | None
    error_code: int | None  # a package-level failure inside a 200 (60601, 60607, 60610...)
    billed: bool  # a 200 that carried line_type_intelligence
    call: CallInfo


class TimeoutHttpClient(TwilioHttpClient):
    """Twilio's requests-based client with a timeout on every request (it has none by default)."""

    def __init__(self, *, connect_timeout_s: float = 5.0, read_timeout_s: float = 10.0) -> None:
        super().__init__()
        # Set after the base constructor, which only accepts a single number.
        self.timeout = (connect_timeout_s, read_timeout_s)  # type: ignore[assignment]


@dataclass
class _Attempts:
    sandbox: bool
    count: int = 0
    last_status: int | None = None
    timed_out_after_send: int = 0
    started: float = field(default_factory=time.monotonic)

    def call(self, outcome: str) -> CallInfo:
        return CallInfo(
            provider=PROVIDER,
            operation=OPERATION,
            http_status=self.last_status,
            latency_ms=int((time.monotonic() - self.started) * 1000),
            attempts=self.count,
            sandbox=self.sandbox,
            timed_out_attempts=self.timed_out_after_send,
            outcome=outcome,
        )


class TwilioLookupClient:
    def __init__(
        self,
        *,
        account_sid: str,
        api_key: str,
        api_secret: str,
        sandbox: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        http_client: HttpClient
        if sandbox:
            from providers.sandbox.twilio import TwilioSandboxHttpClient

            http_client = TwilioSandboxHttpClient()
        else:
            http_client = TimeoutHttpClient()
        self.sandbox = sandbox
        self.sleep = sleep
        self.client = Client(api_key, api_secret, account_sid, http_client=http_client)

    @classmethod
    def from_settings(cls) -> TwilioLookupClient:
        """Raises `ProviderOff` unless all three credentials are set (or the sandbox is on)."""
        if require_on(PROVIDER) == SANDBOX:
            return cls(
                account_sid=SANDBOX_ACCOUNT_SID,
                api_key=SANDBOX_API_KEY,
                api_secret=SANDBOX_API_SECRET,
                sandbox=True,
            )
        return cls(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            api_key=settings.TWILIO_API_KEY,
            api_secret=settings.TWILIO_API_SECRET,
        )

    def lookup(self, number_e164: str) -> LineTypeResult:
        attempts = _Attempts(sandbox=self.sandbox)
        try:
            instance = self._fetch(number_e164, attempts)
        except (TwilioRestException, TwilioServiceException) as exc:
            if exc.status == 404:
                return _not_found(number_e164, exc, attempts.call(OUTCOME_EMPTY))
            raise _rest_error(exc, attempts.call(OUTCOME_ERROR)) from exc
        except requests.ReadTimeout as exc:
            # Sent and unanswered: Twilio may have billed the lookup.
            message = "timed out after the request was sent"
            call = attempts.call(OUTCOME_UNKNOWN)
            raise ProviderError(PROVIDER, message, permanent=False, call=call) from exc
        except requests.RequestException as exc:
            message = f"could not connect ({type(exc).__name__})"
            call = attempts.call(OUTCOME_ERROR)
            raise ProviderError(PROVIDER, message, permanent=False, call=call) from exc
        except ValueError as exc:  # a 200 whose body is not JSON; it may have been billed
            call = attempts.call(OUTCOME_UNKNOWN)
            raise ProviderError(PROVIDER, "malformed response", permanent=False, call=call) from exc
        return _result(number_e164, instance, attempts)

    def _fetch(self, number_e164: str, attempts: _Attempts) -> Any:
        while True:
            attempts.count += 1
            try:
                instance = self.client.lookups.v2.phone_numbers(number_e164).fetch(fields=FIELDS)
            except (TwilioRestException, TwilioServiceException) as exc:
                attempts.last_status = exc.status
                if exc.status not in RETRY.retry_statuses or attempts.count > RETRY.max_retries:
                    raise
                self.sleep(_backoff(attempts.count))
                continue
            except requests.ReadTimeout:
                attempts.timed_out_after_send += 1
                raise
            attempts.last_status = 200
            return instance


def _backoff(attempt: int) -> float:
    delay = RETRY.backoff_base_s * 2 ** (attempt - 1)
    return random.uniform(delay / 2, delay) if RETRY.jitter else delay


def _result(number_e164: str, instance: Any, attempts: _Attempts) -> LineTypeResult:
    intelligence = instance.line_type_intelligence
    billed = isinstance(intelligence, dict)
    intelligence = intelligence if billed else {}
    return LineTypeResult(
        number=instance.phone_number or number_e164,
        valid=instance.valid is True,
        validation_errors=tuple(str(e) for e in instance.validation_errors or ()),
        line_type=intelligence.get("type"),
        carrier=intelligence.get("carrier_name"),
        error_code=_int(intelligence.get("error_code")),
        billed=billed,
        call=attempts.call(OUTCOME_SUCCESS if billed else OUTCOME_EMPTY),
    )


def _not_found(number_e164: str, exc: TwilioError, call: CallInfo) -> LineTypeResult:
    """Twilio knows no such number (20404): an answer, not a failure, and not billed."""
    return LineTypeResult(
        number=number_e164,
        valid=False,
        validation_errors=(),
        line_type=None,
        carrier=None,
        error_code=_int(exc.code),
        billed=False,
        call=call,
    )


def _rest_error(exc: TwilioError, call: CallInfo) -> ProviderError:
    message = _message(exc)
    if exc.status in (401, 403):
        return ProviderAuthError(PROVIDER, message, status=exc.status, code=exc.code, call=call)
    permanent = exc.status not in RETRY.retry_statuses
    return ProviderError(
        PROVIDER, message, permanent=permanent, status=exc.status, code=exc.code, call=call
    )


def _message(exc: TwilioError) -> str:
    if isinstance(exc, TwilioServiceException):
        return exc.detail or exc.title
    return exc.msg or f"HTTP {exc.status}"


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
