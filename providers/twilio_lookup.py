"""Twilio Lookup v2 line type intelligence: is this number a mobile, a landline or a VoIP line?

Wire contract: /work/shared/contracts/twilio-openai-compliance.md. We go through the official
SDK with our own HTTP client, because its default one has no timeout and retries nothing but
refused connections: `RetryingHttpClient` runs each request under the shared retry policy
and counts its attempts. The sandbox is another `twilio.http.HttpClient` plugged in under it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from providers.http import (
    OUTCOME_EMPTY,
    OUTCOME_ERROR,
    OUTCOME_SUCCESS,
    OUTCOME_UNKNOWN,
    Attempts,
    CallInfo,
    ProviderAuthError,
    ProviderError,
    RetryPolicy,
    TransportFailure,
    counted_attempts,
    counting,
    requests_failure,
)
from providers.modes import SANDBOX, require_on
from providers.registry import TWILIO
from providers.wire import as_int, as_text

logger = logging.getLogger("leadflow.providers")

PROVIDER = TWILIO
OPERATION = "line_type_lookup"
FIELDS = "line_type_intelligence"
# Each lookup is billed: one that timed out after sending is not sent again.
RETRY = RetryPolicy(max_retries=2, backoff_base_s=0.5, jitter=True)
IDEMPOTENT = False
SANDBOX_ACCOUNT_SID = "AC" + "0" * 32
SANDBOX_API_KEY = "SK" + "0" * 32
SANDBOX_API_SECRET = "sandbox-secret"

type TwilioError = TwilioRestException | TwilioServiceException


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
        self.timeout = (connect_timeout_s, read_timeout_s)


class RetryingHttpClient(HttpClient):
    """Sends each SDK request through `inner` under the shared retry policy, counting the
    attempts into the lookup's `Attempts`. The SDK only ever sees the final response."""

    def __init__(
        self, inner: HttpClient, *, retry: RetryPolicy, sleep: Callable[[float], None]
    ) -> None:
        super().__init__(logger, False)
        self.inner = inner
        self.retry = retry
        self.sleep = sleep

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        def send() -> Response:
            try:
                return self.inner.request(
                    method, url, params, data, headers, auth, timeout, allow_redirects
                )
            except requests.RequestException as exc:
                failure = requests_failure(exc)
                if failure is None:
                    raise
                raise failure from exc

        attempts = counted_attempts(PROVIDER, OPERATION)
        return self.retry.run(send, attempts=attempts, idempotent=IDEMPOTENT, sleep=self.sleep)


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
        wire: HttpClient
        if sandbox:
            from providers.sandbox.twilio import TwilioSandboxHttpClient

            wire = TwilioSandboxHttpClient()
        else:
            wire = TimeoutHttpClient()
        self.sandbox = sandbox
        self.wire = wire
        http_client = RetryingHttpClient(wire, retry=RETRY, sleep=sleep)
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
        attempts = Attempts(PROVIDER, OPERATION, sandbox=self.sandbox)
        try:
            with counting(attempts):
                phone = self.client.lookups.v2.phone_numbers(number_e164)
                instance = phone.fetch(fields=FIELDS)
        except (TwilioRestException, TwilioServiceException) as exc:
            if exc.status == 404:
                return _not_found(number_e164, exc, attempts.call(OUTCOME_EMPTY))
            raise _rest_error(exc, attempts.call(OUTCOME_ERROR)) from exc
        except TransportFailure as failure:
            raise attempts.transport_error(failure) from failure.error
        except ValueError as exc:  # a 200 whose body is not JSON; it may have been billed
            call = attempts.call(OUTCOME_UNKNOWN)
            raise ProviderError(PROVIDER, "malformed response", permanent=False, call=call) from exc
        return _result(number_e164, instance, attempts)


def _result(number_e164: str, instance: Any, attempts: Attempts) -> LineTypeResult:
    intelligence = instance.line_type_intelligence
    billed = isinstance(intelligence, dict)
    intelligence = intelligence if billed else {}
    return LineTypeResult(
        number=instance.phone_number or number_e164,
        valid=instance.valid is True,
        validation_errors=tuple(str(e) for e in instance.validation_errors or ()),
        line_type=as_text(intelligence.get("type")) or None,
        carrier=as_text(intelligence.get("carrier_name")) or None,
        error_code=as_int(intelligence.get("error_code")),
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
        error_code=as_int(exc.code),
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
