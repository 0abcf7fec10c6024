"""Spend control: caps, prices, per-day counters and the ledger of provider calls.

All money is integer micro-dollars (1 cent = 10,000 micros) so sub-cent prices such as a
$0.008 lookup and per-token AI costs never round away. Never floats.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from providers.registry import PRICED_UNITS, PROVIDER_LABELS

PROVIDER_CHOICES = list(PROVIDER_LABELS.items())


class DailyCap(models.Model):
    """An admin's override of a provider's daily cap (the env value is the default)."""

    provider = models.CharField(max_length=10, choices=PROVIDER_CHOICES, unique=True)
    cap_micros = models.BigIntegerField(help_text="Micro-dollars per day (1 cent = 10,000).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Rows are overrides: a provider without one has the environment's cap, in force all
        # the same (the admin's list shows every provider's cap above the overrides).
        verbose_name = "daily cap override"
        constraints = [models.CheckConstraint(condition=Q(cap_micros__gte=0), name="cap_gte_0")]

    def __str__(self) -> str:
        return f"{self.provider} daily cap"


class PriceOverride(models.Model):
    """An admin's override of a unit price (the env value is the default)."""

    UNITS = [(key, unit.label) for key, unit in PRICED_UNITS.items()]
    unit = models.CharField(max_length=30, choices=UNITS, unique=True)
    price_micros = models.BigIntegerField(help_text="Micro-dollars per unit (1 cent = 10,000).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(price_micros__gte=0), name="price_gte_0")]

    def __str__(self) -> str:
        return self.get_unit_display()


class SpendDay(models.Model):
    """One provider's spend on one calendar day (in TIME_ZONE).

    Invariant, enforced by a conditional UPDATE: settled + reserved <= the cap in force
    when each reservation was made. `settled_micros` always equals the sum of the day's
    ledger rows; `reconcile_spend` proves it.
    """

    provider = models.CharField(max_length=10, choices=PROVIDER_CHOICES)
    day = models.DateField()
    settled_micros = models.BigIntegerField(default=0)
    reserved_micros = models.BigIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    refusals = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "day"], name="spendday_unique"),
            models.CheckConstraint(condition=Q(reserved_micros__gte=0), name="reserved_gte_0"),
            models.CheckConstraint(condition=Q(settled_micros__gte=0), name="settled_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.day}"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    EMPTY = "empty", "Nothing found"
    ERROR = "error", "Error"
    UNKNOWN = "unknown", "Unknown (charged at maximum)"
    CACHED = "cached", "Answered from cache"
    REUSED = "reused", "Reused a stored result"
    REFUSED = "refused", "Refused by the daily cap"
    # Settles an unknown outcome from the vendor's own figures: the difference between what
    # was charged (the maximum) and what the vendor billed, usually negative (money back).
    ADJUSTED = "adjusted", "Adjustment (settles an unknown outcome)"


class LedgerEntry(models.Model):
    """One outbound provider request — or one answered from the cache or by reuse instead."""

    provider = models.CharField(max_length=10, choices=PROVIDER_CHOICES)
    operation = models.CharField(max_length=40)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    billable_units = models.PositiveIntegerField(default=0)
    cost_micros = models.BigIntegerField(default=0)  # micro-dollars charged to the day
    reserved_micros = models.BigIntegerField(default=0)  # what was held before the call
    latency_ms = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    cached = models.BooleanField(default=False)
    reused = models.BooleanField(default=False)
    sandbox = models.BooleanField(default=False)
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    day = models.DateField(db_index=True)  # the spend day the cost counts toward
    detail = models.CharField(max_length=300, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)  # an unknown outcome, settled
    adjusts = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="adjustments"
    )  # the unknown-outcome row an adjustment settles
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["provider", "day"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_micros__gte=0) | Q(outcome="adjusted"), name="cost_gte_0"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.operation} {self.outcome}"


class UserDailyLimit(models.Model):
    """An admin's daily limit for one agent on one paid provider, on top of the team's cap."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_limits"
    )
    provider = models.CharField(max_length=10, choices=PROVIDER_CHOICES)
    limit_micros = models.BigIntegerField(help_text="Micro-dollars per day (1 cent = 10,000).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "agent daily limit"
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="user_limit_unique"),
            models.CheckConstraint(condition=Q(limit_micros__gte=0), name="user_limit_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.provider} daily limit"


class UserSpendDay(models.Model):
    """One agent's spend with one provider on one day: the per-agent twin of `SpendDay`.

    Kept for every metered call made for a user (limited or not), so a limit set mid-day
    counts what was already spent. Invariant, by a conditional UPDATE in the transaction that
    reserves on the team's counter: settled + reserved <= the agent's limit.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=10, choices=PROVIDER_CHOICES)
    day = models.DateField()
    settled_micros = models.BigIntegerField(default=0)
    reserved_micros = models.BigIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    refusals = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "provider", "day"], name="userspendday_unique"),
            models.CheckConstraint(condition=Q(reserved_micros__gte=0), name="user_reserved_gte_0"),
            models.CheckConstraint(condition=Q(settled_micros__gte=0), name="user_settled_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.provider} {self.day}"
