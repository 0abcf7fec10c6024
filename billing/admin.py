from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin

from billing.caps import CapInForce, cap_in_force
from billing.models import (
    DailyCap,
    LedgerEntry,
    Outcome,
    PriceOverride,
    SpendDay,
    UserDailyLimit,
    UserSpendDay,
)
from billing.money import MICROS_PER_CENT, format_dollars, format_exact_dollars
from billing.settlement import settle_row
from leadflow.forms import AsciiDecimalField
from leadflow.text import counted
from providers.registry import PROVIDERS


class CentsField(AsciiDecimalField):
    """Admins think in cents (fractions allowed); the database keeps micro-dollars."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=Decimal(0), decimal_places=4, max_digits=14, **kwargs)


def _cents_form(micros_field: str, label: str) -> type[forms.ModelForm]:
    class Form(forms.ModelForm):
        cents = CentsField(label=label, help_text="In cents; fractions allowed, e.g. 0.8.")

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if self.instance.pk:
                micros = getattr(self.instance, micros_field)
                self.fields["cents"].initial = Decimal(micros) / MICROS_PER_CENT

        def save(self, commit: bool = True):
            setattr(self.instance, micros_field, int(self.cleaned_data["cents"] * MICROS_PER_CENT))
            return super().save(commit)

    return Form


class DailyCapForm(_cents_form("cap_micros", "Daily cap (cents)")):  # type: ignore[misc]
    """Says, under the amount, the cap in force now: an override replaces it at once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        providers = [self.instance.provider] if self.instance.pk else list(PROVIDERS)
        in_force = "; ".join(_in_force_text(cap_in_force(p)) for p in providers)
        self.fields[
            "cents"
        ].help_text = f"In cents; fractions allowed, e.g. 0.8. In force now: {in_force}."


def _in_force_text(cap: CapInForce) -> str:
    return (
        f"{cap.label} {format_dollars(cap.cap_micros)} from {cap.source}, "
        f"{format_dollars(cap.spent_micros)} spent today"
    )


@admin.register(DailyCap)
class DailyCapAdmin(admin.ModelAdmin):
    """Overrides of the environment's caps; the list starts with every provider's cap in force."""

    form = DailyCapForm
    fields = ["provider", "cents"]
    list_display = ["provider", "cap", "updated_at"]
    change_list_template = "admin/billing/dailycap/change_list.html"

    @admin.display(description="cap")
    def cap(self, obj: DailyCap) -> str:
        return format_dollars(obj.cap_micros)

    def changelist_view(self, request, extra_context=None):
        caps = [cap_in_force(provider) for provider in PROVIDERS]
        return super().changelist_view(request, {**(extra_context or {}), "caps_in_force": caps})


@admin.register(PriceOverride)
class PriceOverrideAdmin(admin.ModelAdmin):
    form = _cents_form("price_micros", "Price per unit (cents)")
    fields = ["unit", "cents"]
    list_display = ["unit", "price", "updated_at"]

    @admin.display(description="price")
    def price(self, obj: PriceOverride) -> str:
        return format_dollars(obj.price_micros)


@admin.register(UserDailyLimit)
class UserDailyLimitAdmin(admin.ModelAdmin):
    """An agent's own daily limit per provider, on top of the team's cap."""

    form = _cents_form("limit_micros", "Daily limit (cents)")
    fields = ["user", "provider", "cents"]
    list_display = ["user", "provider", "limit", "updated_at"]
    list_filter = ["provider"]
    list_select_related = ["user"]

    @admin.display(description="limit")
    def limit(self, obj: UserDailyLimit) -> str:
        return format_dollars(obj.limit_micros)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SpendDay)
class SpendDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "provider", "settled", "reserved", "requests", "refusals"]
    list_filter = ["provider"]
    date_hierarchy = "day"

    @admin.display(description="settled")
    def settled(self, obj: SpendDay) -> str:
        return format_dollars(obj.settled_micros)

    @admin.display(description="reserved")
    def reserved(self, obj: SpendDay) -> str:
        return format_dollars(obj.reserved_micros)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "provider",
        "operation",
        "outcome",
        "http_status",
        "billable_units",
        "cost",
        "latency_ms",
        "attempts",
        "cached",
        "reused",
        "sandbox",
        "lead",
        "user",
    ]
    list_filter = ["provider", "outcome", "operation", "cached", "reused", "sandbox", "day"]
    list_select_related = ["lead", "user"]
    date_hierarchy = "created_at"
    actions = ["settle_as_not_billed", "settle_as_billed"]

    @admin.action(description="Settle unknown outcomes: the vendor did not bill them")
    def settle_as_not_billed(self, request, queryset) -> None:
        self._settle(request, queryset, billed=lambda row: 0)

    @admin.action(description="Settle unknown outcomes: the vendor billed them in full")
    def settle_as_billed(self, request, queryset) -> None:
        self._settle(request, queryset, billed=lambda row: row.cost_micros)

    def _settle(self, request, queryset, *, billed) -> None:
        rows = queryset.filter(outcome=Outcome.UNKNOWN, reconciled_at__isnull=True)
        settled = [settle_row(row, billed_micros=billed(row)) for row in rows]
        count = sum(1 for entry in settled if entry is not None)
        self.message_user(
            request, f"Settled {counted(count, 'unknown outcome')} with adjustment rows."
        )

    @admin.display(description="cost (exact)")
    def cost(self, obj: LedgerEntry) -> str:
        return format_exact_dollars(obj.cost_micros)


@admin.register(UserSpendDay)
class UserSpendDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "provider", "settled", "reserved", "requests", "refusals"]
    list_filter = ["provider"]
    list_select_related = ["user"]
    date_hierarchy = "day"

    @admin.display(description="settled")
    def settled(self, obj: UserSpendDay) -> str:
        return format_dollars(obj.settled_micros)

    @admin.display(description="reserved")
    def reserved(self, obj: UserSpendDay) -> str:
        return format_dollars(obj.reserved_micros)
