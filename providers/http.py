"""The one HTTP seam every `requests`-based provider client goes through.

It owns timeouts, retries with backoff, `Retry-After`, per-attempt logging with secrets
redacted, and the translation of transport failures into `ProviderError`. Vendor-specific
meaning of a status code (ATTOM's "SuccessWithoutResult" is an HTTP 400, say) stays in the
client: the seam hands back the final response, whatever its status.

A sandbox plugs in underneath as a `requests` transport adapter mounted on the session, so
the same client code runs against the emulator and the real vendor.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import BaseAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

logger = logging.getLogger("leadflow.providers")

SECRET_PARAM_NAMES = {"apikey", "api_key", "key", "token", "access_token", "secret", "password"}

# What became of one logical provider request.
OUTCOME_SUCCESS = "success"  # the vendor answered and we got what we asked for
OUTCOME_EMPTY = "empty"  # the vendor answered: nothing found (not billed)
OUTCOME_ERROR = "error"  # the vendor refused or failed (billed only if it says so)
OUTCOME_UNKNOWN = "unknown"  # sent, but no answer: may have been billed
OUTCOMES = (OUTCOME_SUCCESS, OUTCOME_EMPTY, OUTCOME_ERROR, OUTCOME_UNKNOWN)


@dataclass(frozen=True)
class CallInfo:
    """What the ledger needs to know about one logical request (all its attempts)."""

    provider: str
    operation: str
    http_status: int | None = None
    latency_ms: int = 0
    attempts: int = 0
    sandbox: bool = False
    # An attempt that timed out after the request was sent may have been billed even if
    # a retry then succeeded; billing counts such a request at its maximum.
    timed_out_attempts: int = 0
    outcome: str = OUTCOME_SUCCESS

    def with_outcome(self, outcome: str) -> CallInfo:
        return replace(self, outcome=outcome)


class ProviderError(Exception):
    """A vendor call that failed, in our terms.

    `permanent` errors (bad key, bad parameters) must not be retried; the others may be
    tried again later. `message` is the vendor's own text where it gave one.
    """

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        permanent: bool,
        status: int | None = None,
        code: str | int | None = None,
        call: CallInfo | None = None,
    ) -> None:
        message = redact_text(message)
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message
        self.permanent = permanent
        self.status = status
        self.code = code
        self.call = call

    @property
    def retryable(self) -> bool:
        return not self.permanent

    @property
    def outcome_unknown(self) -> bool:
        return self.call is not None and self.call.outcome == OUTCOME_UNKNOWN


class ProviderAuthError(ProviderError):
    """The vendor rejected our credentials (or their permissions)."""

    def __init__(self, provider: str, message: str, **kwargs: Any) -> None:
        kwargs["permanent"] = True
        super().__init__(provider, message, **kwargs)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff_base_s: float = 0.25
    jitter: bool = False
    max_retry_after_s: float = 30.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})


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


class _RetryableStatus(Exception):
    def __init__(self, response: requests.Response, retry_after: float | None) -> None:
        self.response = response
        self.retry_after = retry_after


class _RetryableTransport(Exception):
    def __init__(self, error: requests.RequestException, sent: bool) -> None:
        self.error = error
        self.sent = sent


@dataclass
class _Attempts:
    operation: str
    count: int = 0
    timed_out_after_send: int = 0
    last_status: int | None = None
    started: float = field(default_factory=time.monotonic)


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


SECRET_SETTINGS = (
    "ATTOM_API_KEY", "BATCHDATA_API_KEY", "TWILIO_API_KEY", "TWILIO_API_SECRET", "OPENAI_API_KEY",
)  # fmt: skip
_SECRET_IN_TEXT = re.compile(
    r"(?i)\b(api[_-]?key|apikey|access[_-]?token|token|secret|password|authorization|key)"
    r"(\s*[=:]\s*|\"\s*:\s*\")(bearer\s+|basic\s+)?[^\s\"',;&}]+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
_KEY_SHAPES = re.compile(r"\b(sk-[A-Za-z0-9_-]{8,}|SK[0-9a-fA-F]{32}|lf_[A-Za-z0-9_-]{16,})")


def redact_text(text: str) -> str:
    """Vendor text with every credential taken out: the configured keys wherever they appear,
    `key=…`/`"token": "…"` pairs, bearer and basic credentials, and key-shaped words. Vendor
    error text is redacted here, at the boundary, before it is stored or shown (a vendor that
    echoes the request must not put our keys into the ledger or a page)."""
    from django.conf import settings  # the seam runs inside Django; read the keys lazily

    for name in SECRET_SETTINGS:
        secret = str(getattr(settings, name, "") or "")
        if len(secret) >= 6:
            text = text.replace(secret, "***")
    text = _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} ***", text)
    return _KEY_SHAPES.sub("***", text)


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
        retry_transport: bool | None = None,
    ) -> HttpResult:
        """Send one logical request, retrying per policy; return the final response.

        `idempotent` requests (GETs) are retried after read timeouts; others never are,
        since a timed-out POST may already have been processed and billed.
        `retry_transport` overrides whether connection errors are retried (default: yes,
        since a refused connection means nothing was sent).
        """
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        state = _Attempts(operation=operation)

        def attempt() -> requests.Response:
            return self._attempt(method, url, params, json_body, state, idempotent)

        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type((_RetryableStatus, _RetryableTransport)),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            response = retrying(attempt)
        except _RetryableStatus as exc:
            response = exc.response
        except _RetryableTransport as exc:
            raise self._transport_error(exc, state, operation) from exc.error
        return self._result(response, state, operation)

    # -- internals -----------------------------------------------------------------------

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        state: _Attempts,
        idempotent: bool,
    ) -> requests.Response:
        state.count += 1
        began = time.monotonic()
        try:
            response = self.session.request(
                method, url, params=params, json=json_body, timeout=self.timeout
            )
        except requests.ConnectTimeout as exc:
            self._log(method, url, params, None, began, state, error="connect timeout")
            raise _RetryableTransport(exc, sent=False) from exc
        except requests.ReadTimeout as exc:
            state.timed_out_after_send += 1
            self._log(method, url, params, None, began, state, error="read timeout")
            if idempotent:
                raise _RetryableTransport(exc, sent=True) from exc
            raise self._transport_error(
                _RetryableTransport(exc, sent=True), state, state.operation
            ) from exc
        except requests.ConnectionError as exc:
            self._log(method, url, params, None, began, state, error="connection error")
            raise _RetryableTransport(exc, sent=False) from exc
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            # The request went out and the answer broke off: as unknown as a read timeout.
            state.timed_out_after_send += 1
            self._log(method, url, params, None, began, state, error="broken response")
            if idempotent:
                raise _RetryableTransport(exc, sent=True) from exc
            raise self._transport_error(
                _RetryableTransport(exc, sent=True), state, state.operation
            ) from exc
        state.last_status = response.status_code
        self._log(method, url, params, response.status_code, began, state)
        if response.status_code in self.retry.retry_statuses:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.retry.max_retry_after_s:
                return response  # too long to wait: hand it back, the client says retry later
            raise _RetryableStatus(response, retry_after)
        return response

    def _wait(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _RetryableStatus) and exc.retry_after is not None:
            return exc.retry_after
        delay = self.retry.backoff_base_s * (2 ** (retry_state.attempt_number - 1))
        if self.retry.jitter:
            delay = random.uniform(delay / 2, delay)
        return delay

    def _call_info(self, state: _Attempts, operation: str, outcome: str) -> CallInfo:
        return CallInfo(
            provider=self.provider,
            operation=operation,
            http_status=state.last_status,
            latency_ms=int((time.monotonic() - state.started) * 1000),
            attempts=state.count,
            sandbox=self.sandbox,
            timed_out_attempts=state.timed_out_after_send,
            outcome=outcome,
        )

    def _result(self, response: requests.Response, state: _Attempts, operation: str) -> HttpResult:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        outcome = OUTCOME_SUCCESS if response.ok else OUTCOME_ERROR
        return HttpResult(
            status=response.status_code,
            payload=payload,
            text=response.text[:2000],
            headers=response.headers,
            call=self._call_info(state, operation, outcome),
        )

    def _transport_error(
        self, exc: _RetryableTransport, state: _Attempts, operation: str
    ) -> ProviderError:
        # An earlier attempt that timed out after sending leaves the outcome unknown too.
        sent = exc.sent or state.timed_out_after_send > 0
        outcome = OUTCOME_UNKNOWN if sent else OUTCOME_ERROR
        kind = "timed out after the request was sent" if exc.sent else "could not connect"
        return ProviderError(
            self.provider,
            f"{kind} ({type(exc.error).__name__})",
            permanent=False,
            call=self._call_info(state, operation, outcome),
        )

    def _log(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        status: int | None,
        began: float,
        state: _Attempts,
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
            state.count,
            f" error={error}" if error else "",
        )


def _origin(url: str) -> str:
    match = re.match(r"^(https?://[^/]+)", url)
    return (match.group(1) if match else url) + "/"


def lower_keys(value: Any) -> Any:
    """A JSON value with every object key lower-cased, for case-insensitive parsing."""
    if isinstance(value, dict):
        return {str(k).lower(): lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [lower_keys(v) for v in value]
    return value


def dig(value: Any, *path: str, default: Any = None) -> Any:
    """Follow `path` through nested dicts (keys compared lower-case)."""
    for key in path:
        if not isinstance(value, dict):
            return default
        value = value.get(key.lower())
        if value is None:
            return default
    return value


def first_present(values: Iterable[Any]) -> Any:
    return next((v for v in values if v not in (None, "")), None)
