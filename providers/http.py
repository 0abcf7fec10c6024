"""The one HTTP seam every provider client goes through.

`RetryPolicy.run` is the one retry mechanism of all four vendors: backoff, `Retry-After`,
which failures are retried, and the count of attempts (`Attempts`, which becomes the
ledger's `CallInfo`), including attempts that timed out after the request was sent. The
`requests`-based clients (ATTOM, BatchData) go through `HttpSeam`, which adds timeouts,
per-attempt logging with secrets redacted, and the translation of transport failures into
`ProviderError`; the SDK-based ones (Twilio, OpenAI) run the policy in the transport they
plug in under the SDK. Vendor-specific meaning of a status code (ATTOM's
"SuccessWithoutResult" is an HTTP 400, say) stays in the client: the policy hands back the
final response, whatever its status. The vocabulary of a call (outcomes, `CallInfo`,
`Attempts`, `ProviderError`) lives in `providers.calls` and is importable from here.

A sandbox plugs in underneath as a `requests` transport adapter mounted on the session, so
the same client code runs against the emulator and the real vendor.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, cast

import requests
from requests.adapters import BaseAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_any
from tenacity.stop import stop_base

from providers.calls import (
    OUTCOME_EMPTY,
    OUTCOME_ERROR,
    OUTCOME_SUCCESS,
    OUTCOME_UNKNOWN,
    OUTCOMES,
    Attempts,
    CallInfo,
    ProviderAuthError,
    ProviderError,
    TransportFailure,
    counted_attempts,
    counting,
)
from providers.redaction import redact_text as redact_text  # the seam's redaction

__all__ = [
    "OUTCOMES", "OUTCOME_EMPTY", "OUTCOME_ERROR", "OUTCOME_SUCCESS", "OUTCOME_UNKNOWN",
    "Attempts", "CallInfo", "HttpResult", "HttpSeam", "ProviderAuthError", "ProviderError",
    "RetryPolicy", "TransportFailure", "counted_attempts", "counting", "parse_retry_after",
    "redact", "requests_failure", "retry_after_s",
]  # fmt: skip

logger = logging.getLogger("leadflow.providers")

SECRET_PARAM_NAMES = {"apikey", "api_key", "key", "token", "access_token", "secret", "password"}


class _Answer(Protocol):
    """A response of any HTTP library we use: requests, httpx2 or Twilio's."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Any: ...


class _RetryableStatus(Exception):
    def __init__(self, response: _Answer, retry_after: float | None) -> None:
        self.response = response
        self.retry_after = retry_after


class _OutOfTime(stop_base):
    """Stop when the next attempt would start past the request's time budget. Waits count
    whether they were slept or (in tests) only recorded."""

    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s

    def __call__(self, retry_state: RetryCallState) -> bool:
        spent = max(retry_state.seconds_since_start or 0.0, retry_state.idle_for)
        return spent + retry_state.upcoming_sleep > self.budget_s


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a request again, and how long to wait: the one policy of every vendor."""

    max_retries: int = 3
    backoff_base_s: float = 0.25
    jitter: bool = False
    max_retry_after_s: float = 30.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    # All attempts of one request, and the waits between them, fit in half the web server's
    # request timeout (WEB_TIMEOUT_SECONDS, 30 s): a retry that would end later is not made and
    # the last answer comes back, so a page never dies mid-call under gunicorn's timeout.
    max_total_s: float = 15.0

    def run[R: _Answer](
        self,
        send: Callable[[], R],
        *,
        attempts: Attempts,
        idempotent: bool,
        sleep: Callable[[float], None] = time.sleep,
    ) -> R:
        """Call `send` (one attempt) until an answer not worth retrying, or out of attempts.

        Returns the final response, whatever its status: a retryable status on the last
        attempt, or one whose Retry-After is longer than we wait, comes back as it is.
        `send` raises `TransportFailure` for no answer; the last one propagates. A request
        that was sent and not answered is tried again only if `idempotent`.
        """

        def worth_retrying(exc: BaseException) -> bool:
            if isinstance(exc, TransportFailure):
                return idempotent or not exc.sent
            return isinstance(exc, _RetryableStatus)

        retrying = Retrying(
            stop=stop_any(stop_after_attempt(self.max_retries + 1), _OutOfTime(self.max_total_s)),
            wait=self._wait,
            retry=retry_if_exception(worth_retrying),
            before_sleep=_discard_response,
            sleep=sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, send, attempts)
        except _RetryableStatus as exc:
            return cast(R, exc.response)  # what `send` returned

    def _attempt[R: _Answer](self, send: Callable[[], R], attempts: Attempts) -> R:
        attempts.count += 1
        try:
            response = send()
        except TransportFailure as failure:
            if failure.sent:
                attempts.timed_out_after_send += 1
            raise
        attempts.last_status = response.status_code
        if response.status_code in self.retry_statuses:
            retry_after = retry_after_s(response.headers)
            if retry_after is not None and retry_after > self.max_retry_after_s:
                return response  # too long to wait: hand it back, the client says retry later
            raise _RetryableStatus(response, retry_after)
        return response

    def _wait(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _RetryableStatus) and exc.retry_after is not None:
            return exc.retry_after
        delay = self.backoff_base_s * (2 ** (retry_state.attempt_number - 1))
        if self.jitter:
            delay = random.uniform(delay / 2, delay)
        return delay


def _discard_response(retry_state: RetryCallState) -> None:
    """A response we retry past gives its connection back at once."""
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    close = getattr(exc.response, "close", None) if isinstance(exc, _RetryableStatus) else None
    if callable(close):
        close()


def retry_after_s(headers: Any) -> float | None:
    """The wait a response asks for: OpenAI's retry-after-ms, else the standard Retry-After."""
    milliseconds = _header(headers, "retry-after-ms")
    if milliseconds is not None:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    return parse_retry_after(_header(headers, "retry-after"))


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)  # case-insensitive in requests and httpx2; not in a plain dict
    if value is None:
        value = next((v for k, v in headers.items() if str(k).lower() == name), None)
    return None if value is None else str(value)


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def redact(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: ("***" if k.lower() in SECRET_PARAM_NAMES else v) for k, v in (params or {}).items()}


def requests_failure(exc: requests.RequestException) -> TransportFailure | None:
    """What a `requests` error says about the attempt; None for an error that is not a
    transport failure (a bad URL, say), which is a bug to surface, not to retry."""
    if isinstance(exc, requests.ConnectTimeout):
        return TransportFailure(exc, sent=False, kind="connect timeout")
    if isinstance(exc, requests.ReadTimeout):
        return TransportFailure(exc, sent=True, kind="read timeout")
    if isinstance(exc, requests.ConnectionError):
        return TransportFailure(exc, sent=False, kind="connection error")
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        # The request went out and the answer broke off: as unknown as a read timeout.
        return TransportFailure(exc, sent=True, kind="broken response")
    return None


@dataclass
class HttpResult:
    status: int
    payload: Any  # parsed JSON, or None when the body was not JSON
    text: str
    headers: Mapping[str, str]
    call: CallInfo

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class HttpSeam:
    """One provider's connection: base URL, auth headers, timeouts and retry policy."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        headers: Mapping[str, str],
        connect_timeout_s: float,
        read_timeout_s: float,
        retry: RetryPolicy,
        sandbox_adapter: BaseAdapter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout_s, read_timeout_s)
        self.retry = retry
        self.sandbox = sandbox_adapter is not None
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers.update(headers)
        if sandbox_adapter is not None:
            # Mount on the base URL's scheme+host so every path of the vendor lands there.
            self.session.mount(_origin(self.base_url), sandbox_adapter)

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        idempotent: bool,
    ) -> HttpResult:
        """Send one logical request, retrying per policy; return the final response.

        `idempotent` requests (GETs) are retried after read timeouts; others never are,
        since a timed-out POST may already have been processed and billed. Connection
        errors are always retried: nothing was sent.
        """
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        attempts = Attempts(self.provider, operation, sandbox=self.sandbox)

        def send() -> requests.Response:
            return self._send(method, url, params, json_body, attempts)

        try:
            response = self.retry.run(
                send, attempts=attempts, idempotent=idempotent, sleep=self.sleep
            )
        except TransportFailure as failure:
            raise attempts.transport_error(failure) from failure.error
        return _result(response, attempts)

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        attempts: Attempts,
    ) -> requests.Response:
        began = time.monotonic()
        try:
            response = self.session.request(
                method, url, params=params, json=json_body, timeout=self.timeout
            )
        except requests.RequestException as exc:
            failure = requests_failure(exc)
            if failure is None:
                raise
            self._log(method, url, params, None, began, attempts, error=failure.kind)
            raise failure from exc
        self._log(method, url, params, response.status_code, began, attempts)
        return response

    def _log(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        status: int | None,
        began: float,
        attempts: Attempts,
        *,
        error: str | None = None,
    ) -> None:
        logger.info(
            "provider=%s%s %s %s params=%s status=%s latency_ms=%d attempt=%d%s",
            self.provider,
            " (sandbox)" if self.sandbox else "",
            method,
            url.split("?")[0],
            redact(params),
            status,
            int((time.monotonic() - began) * 1000),
            attempts.count,
            f" error={error}" if error else "",
        )


def _result(response: requests.Response, attempts: Attempts) -> HttpResult:
    try:
        payload = response.json()
    except ValueError:
        payload = None
    return HttpResult(
        status=response.status_code,
        payload=payload,
        text=response.text[:2000],
        headers=response.headers,
        call=attempts.call(OUTCOME_SUCCESS if response.ok else OUTCOME_ERROR),
    )


def _origin(url: str) -> str:
    match = re.match(r"^(https?://[^/]+)", url)
    return (match.group(1) if match else url) + "/"
