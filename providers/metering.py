"""How a provider client lets its caller meter each request without knowing about money.

Clients never touch the ORM or decide policy. A caller that must account for spend passes a
`Meter`: before every outbound request the client opens `meter.request(...)` with the most
that request could bill (in the vendor's units), and tells the ticket what was actually
billed once the answer is in. The billing app implements `Meter` with the spend guard
(reserve → call → settle); `NO_METER` is for callers that do not account (tests, tools).

If the block raises, the ticket has not been told: the meter decides from the exception
(a `ProviderError` carries the call's `CallInfo`) whether to release or charge the maximum.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from providers.http import CallInfo

# Usage is counted in the vendor's billing units, as `providers.registry` lists them, e.g.
# {"records": 100, "calls": 1} for ATTOM or {"matches": 73} for BatchData.
Usage = Mapping[str, int]


class MeterTicket(Protocol):
    def billed(self, *, usage: Usage, call: CallInfo) -> None: ...


class Meter(Protocol):
    def request(
        self, *, provider: str, operation: str, max_usage: Usage
    ) -> AbstractContextManager[MeterTicket]: ...


class _NullTicket:
    def billed(self, *, usage: Usage, call: CallInfo) -> None:
        self.usage = usage
        self.call = call


class _NullMeter:
    @contextmanager
    def request(self, *, provider: str, operation: str, max_usage: Usage) -> Iterator[_NullTicket]:
        yield _NullTicket()


NO_METER: Meter = _NullMeter()
