"""Reads of spend state reused by the status API, the dashboard and commands."""

from __future__ import annotations

from dataclasses import dataclass

from billing.caps import cap_micros, spend_day
from billing.models import SpendDay
from providers.modes import PROVIDERS


@dataclass(frozen=True)
class ProviderSpend:
    provider: str
    cap_micros: int
    settled_micros: int
    reserved_micros: int
    requests: int
    refusals: int

    @property
    def committed_micros(self) -> int:
        """Spent or held for calls in flight: what the guard compares with the cap."""
        return self.settled_micros + self.reserved_micros

    @property
    def remaining_micros(self) -> int:
        """Today's budget left: the one answer to "how much more may we spend today"."""
        return max(self.cap_micros - self.committed_micros, 0)

    def covers(self, amount_micros: int) -> bool:
        """Whether a reservation of this amount would be admitted now (the guard's test)."""
        return self.committed_micros + amount_micros <= self.cap_micros


def provider_spend_today(provider: str) -> ProviderSpend:
    row = SpendDay.objects.filter(provider=provider, day=spend_day()).first()
    return ProviderSpend(
        provider=provider,
        cap_micros=cap_micros(provider),
        settled_micros=row.settled_micros if row else 0,
        reserved_micros=row.reserved_micros if row else 0,
        requests=row.requests if row else 0,
        refusals=row.refusals if row else 0,
    )


def spend_today() -> dict[str, ProviderSpend]:
    return {provider: provider_spend_today(provider) for provider in PROVIDERS}
