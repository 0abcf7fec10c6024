"""Faults that tests (and operators rehearsing failure) can queue for a sandbox provider.

Every sandbox consults `take(provider)` before answering a request: a queued fault is
served instead of the normal answer, once per queued count. The queue is process-wide and
thread-safe, so a fault queued by a test reaches a client the code under test built itself.

Each sandbox also calls `note_request(provider)` for every request it receives, so a test
can assert how many requests reached the vendor (`request_count`), e.g. none at all when a
cap refused the call. A sandbox answering inside `answering(provider)` also tells how many
requests it was answering at once at most (`most_in_flight`), and how many of its requests
arrived while another vendor's were out (`started_while`).

Kinds: "429" (with optional retry_after seconds), "500", "503", "timeout" (the request
was sent, no answer: a read timeout), "connect_error" (nothing was sent), "malformed"
(HTTP 200 with a body that is not JSON), "latency" (sleep `seconds`, then answer normally),
"401", and vendor-specific ones a sandbox documents (e.g. "refusal" for OpenAI).

A fault *rate* (`inject_rate`) serves a random fault of the given kinds to that share of a
provider's requests once its queue is empty: the fault benchmark's 10 % and 30 % runs. It is
seeded, so a run repeats.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fault:
    kind: str
    options: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


_lock = threading.Lock()
_queues: dict[str, deque[Fault]] = defaultdict(deque)
_seen: dict[str, int] = defaultdict(int)
_in_flight: dict[str, int] = defaultdict(int)
_most_in_flight: dict[str, int] = defaultdict(int)
_started_while: dict[tuple[str, str], int] = defaultdict(int)

RATE_KINDS = ("429", "500", "503", "timeout", "connect_error", "malformed")


@dataclass
class _Rate:
    share: float
    kinds: tuple[str, ...]
    rng: random.Random
    served: int = 0


_rates: dict[str, _Rate] = {}


def inject_rate(
    provider: str, share: float, *, kinds: tuple[str, ...] = RATE_KINDS, seed: int = 0
) -> None:
    """Serve a random fault of `kinds` to `share` (0 to 1) of the provider's requests."""
    if not 0 <= share <= 1 or not kinds:
        raise ValueError("share must be between 0 and 1, with at least one kind")
    with _lock:
        _rates[provider] = _Rate(share, tuple(kinds), random.Random(f"{provider}:{seed}"))


def served_by_rate(provider: str) -> int:
    with _lock:
        rate = _rates.get(provider)
        return rate.served if rate else 0


def queue(provider: str, kind: str, *, count: int = 1, **options: Any) -> None:
    with _lock:
        for _ in range(count):
            _queues[provider].append(Fault(kind, options))


def take(provider: str) -> Fault | None:
    with _lock:
        if _queues[provider]:
            return _queues[provider].popleft()
        rate = _rates.get(provider)
        if rate is not None and rate.rng.random() < rate.share:
            rate.served += 1
            return Fault(rate.rng.choice(rate.kinds), {"retry_after": 0})
    return None


def pending(provider: str) -> int:
    with _lock:
        return len(_queues[provider])


def note_request(provider: str) -> None:
    with _lock:
        _seen[provider] += 1


def request_count(provider: str) -> int:
    with _lock:
        return _seen[provider]


@contextmanager
def answering(provider: str) -> Iterator[None]:
    with _lock:
        for other, count in _in_flight.items():
            if count and other != provider:
                _started_while[provider, other] += 1
        _in_flight[provider] += 1
        _most_in_flight[provider] = max(_most_in_flight[provider], _in_flight[provider])
    try:
        yield
    finally:
        with _lock:
            _in_flight[provider] -= 1


def most_in_flight(provider: str) -> int:
    with _lock:
        return _most_in_flight[provider]


def started_while(provider: str, other: str) -> int:
    with _lock:
        return _started_while[provider, other]


def clear() -> None:
    with _lock:
        _queues.clear()
        _seen.clear()
        _most_in_flight.clear()
        _started_while.clear()
        _rates.clear()


def answer_delay_s(provider: str, fault: Fault | None) -> float:
    """How long to wait before a normal answer: a queued "latency" fault's seconds, else the
    vendor's configured latency (SANDBOX_LATENCY_MS, off unless set)."""
    if fault is not None and fault.kind == "latency":
        return float(fault.option("seconds", 1.0))
    from django.conf import settings

    return getattr(settings, "SANDBOX_LATENCY_MS", {}).get(provider, 0) / 1000
