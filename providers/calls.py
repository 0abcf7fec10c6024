"""What one logical provider request did, in our terms, whichever vendor and library.

`Attempts` counts a request's attempts as the retry policy (`providers.http.RetryPolicy`)
makes them, including those that timed out after the request was sent, and builds the
`CallInfo` that becomes the request's ledger row. A failure is a `ProviderError` carrying
that `CallInfo`, so billing can tell a refusal (free) from an unknown outcome (charged at
the most until reconciled).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from providers.redaction import redact_text

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
    tried again later. `message` is the vendor's own text where it gave one. `call` says
    what the request did, for its ledger row: billing charges the maximum when
    `outcome_unknown` (sent, and perhaps billed, but never answered).
    """

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        permanent: bool,
        call: CallInfo,
        status: int | None = None,
        code: str | int | None = None,
    ) -> None:
        message = redact_text(message)  # a vendor that echoes the request must not leak a key
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
        return self.call.outcome == OUTCOME_UNKNOWN


class ProviderAuthError(ProviderError):
    """The vendor rejected our credentials (or their permissions)."""

    def __init__(self, provider: str, message: str, **kwargs: Any) -> None:
        kwargs["permanent"] = True
        super().__init__(provider, message, **kwargs)


class TransportFailure(Exception):
    """An attempt that got no answer. `sent` when the request had gone out, so the vendor
    may have processed (and billed) it: such an attempt is retried only if idempotent."""

    def __init__(self, error: Exception, *, sent: bool, kind: str) -> None:
        super().__init__(f"{kind} ({type(error).__name__})")
        self.error = error
        self.sent = sent
        self.kind = kind  # "read timeout", "connection error", ...


@dataclass
class Attempts:
    """The attempts of one logical request, counted as they happen, for its `CallInfo`."""

    provider: str
    operation: str
    sandbox: bool = False
    count: int = 0
    timed_out_after_send: int = 0
    last_status: int | None = None
    started: float = field(default_factory=time.monotonic)

    def call(self, outcome: str) -> CallInfo:
        return CallInfo(
            provider=self.provider,
            operation=self.operation,
            http_status=self.last_status,
            latency_ms=int((time.monotonic() - self.started) * 1000),
            attempts=self.count,
            sandbox=self.sandbox,
            timed_out_attempts=self.timed_out_after_send,
            outcome=outcome,
        )

    def transport_error(self, failure: TransportFailure) -> ProviderError:
        """The error for a request whose last attempt got no answer."""
        # An earlier attempt that timed out after sending leaves the outcome unknown too.
        unknown = failure.sent or self.timed_out_after_send > 0
        kind = "timed out after the request was sent" if failure.sent else "could not connect"
        return ProviderError(
            self.provider,
            f"{kind} ({type(failure.error).__name__})",
            permanent=False,
            call=self.call(OUTCOME_UNKNOWN if unknown else OUTCOME_ERROR),
        )


# The attempts a vendor SDK's request counts into: our transport sits under the SDK and
# cannot be handed them as an argument.
_counting: ContextVar[Attempts | None] = ContextVar("provider_attempts", default=None)


@contextmanager
def counting(attempts: Attempts) -> Iterator[Attempts]:
    """Within the block, `counted_attempts()` is `attempts`."""
    token = _counting.set(attempts)
    try:
        yield attempts
    finally:
        _counting.reset(token)


def counted_attempts(provider: str, operation: str) -> Attempts:
    return _counting.get() or Attempts(provider, operation)  # a throwaway outside `counting`
