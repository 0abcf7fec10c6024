"""The one table of the vendors LeadFlow pays for; every provider list is derived from it.

Like healthchecks' TRANSPORTS: to add a vendor, add a row here and a client module. The
table is pure data and imports nothing from Django, so `leadflow/settings.py` builds its
cap and price settings from it too.
"""

from __future__ import annotations

from dataclasses import dataclass

# The keys stored in the ledger, the caps and the counters: never change one.
ATTOM = "attom"
BATCH = "batch"
TWILIO = "twilio"
OPENAI = "openai"


@dataclass(frozen=True)
class BillingUnit:
    """One unit a vendor bills in, as `Usage` counts it ({"records": 100, "calls": 1})."""

    name: str
    per: str  # how an admin reads its price: "per property returned"
    # The setting with the default price in micro-dollars (the environment gives it in cents,
    # under the same name ending in _CENTS); None for tokens, priced per model instead.
    price_setting: str | None = None
    default_price_cents: str = "0"


@dataclass(frozen=True)
class PricedUnit:
    """A unit with a price of its own, as billing and the settings need it."""

    key: str  # "attom.records": what PriceOverride stores
    label: str  # "ATTOM, per property returned"
    setting: str  # "ATTOM_PRICE_PER_RECORD_MICROS"
    default_cents: str

    @property
    def env(self) -> str:
        """The environment variable, in cents, that sets `setting` (in micro-dollars)."""
        return self.setting.removesuffix("_MICROS") + "_CENTS"


@dataclass(frozen=True)
class Vendor:
    key: str
    label: str  # as agents know it
    feature: str  # what agents miss when it is off: the vendor, or what it does for them
    credential_settings: tuple[str, ...]  # all of them must be set for live mode
    units: tuple[BillingUnit, ...]
    operations: tuple[str, ...]  # the `operation` of its ledger rows
    default_cap_cents: str  # DAILY_CAP_<KEY>_CENTS when the environment does not say
    model_price_setting: str | None = None  # per-model token prices, instead of unit prices

    @property
    def cap_env(self) -> str:
        return f"DAILY_CAP_{self.key.upper()}_CENTS"

    @property
    def price_settings(self) -> tuple[str, ...]:
        unit_prices = tuple(unit.price_setting for unit in self.units if unit.price_setting)
        return unit_prices + ((self.model_price_setting,) if self.model_price_setting else ())

    @property
    def off_reason(self) -> str:
        """What to set to turn the vendor on, e.g. "Skip tracing is off: set … or …"."""
        names = self.credential_settings
        keys = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
        return f"{self.feature} is off: set {keys} or turn on the sandbox (SANDBOX_PROVIDERS)."


VENDORS: dict[str, Vendor] = {
    vendor.key: vendor
    for vendor in (
        Vendor(
            key=ATTOM,
            label="ATTOM",
            feature="ATTOM",
            credential_settings=("ATTOM_API_KEY",),
            units=(
                BillingUnit(
                    "records", "per property returned", "ATTOM_PRICE_PER_RECORD_MICROS", "10"
                ),
                BillingUnit("calls", "per call", "ATTOM_PRICE_PER_CALL_MICROS", "0"),
            ),
            operations=("property_search", "location_lookup"),
            default_cap_cents="1500",
        ),
        Vendor(
            key=BATCH,
            label="BatchData",
            feature="Skip tracing",
            credential_settings=("BATCHDATA_API_KEY",),
            units=(
                BillingUnit(
                    "matches", "per matched property", "BATCHDATA_PRICE_PER_MATCH_MICROS", "7"
                ),
            ),
            operations=("skip_trace",),
            default_cap_cents="2000",
        ),
        Vendor(
            key=TWILIO,
            label="Twilio Lookup",
            feature="Line-type checking",
            credential_settings=("TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET"),
            units=(
                BillingUnit("lookups", "per line-type lookup", "TWILIO_LOOKUP_PRICE_MICROS", "0.8"),
            ),
            operations=("line_type_lookup",),
            default_cap_cents="500",
        ),
        Vendor(
            key=OPENAI,
            label="OpenAI",
            feature="OpenAI",
            credential_settings=("OPENAI_API_KEY",),
            units=(
                BillingUnit("input_tokens", "per input token"),
                BillingUnit("cached_tokens", "per cached input token"),
                BillingUnit("output_tokens", "per output token"),
            ),
            operations=("lead_score",),
            default_cap_cents="500",
            model_price_setting="OPENAI_PRICES",
        ),
    )
}

PROVIDERS: tuple[str, ...] = tuple(VENDORS)  # in the order pages list them
PROVIDER_LABELS: dict[str, str] = {key: vendor.label for key, vendor in VENDORS.items()}
# "attom.records" and the like, in table order.
PRICED_UNITS: dict[str, PricedUnit] = {
    f"{vendor.key}.{unit.name}": PricedUnit(
        key=f"{vendor.key}.{unit.name}",
        label=f"{vendor.label}, {unit.per}",
        setting=unit.price_setting,
        default_cents=unit.default_price_cents,
    )
    for vendor in VENDORS.values()
    for unit in vendor.units
    if unit.price_setting is not None
}


def vendor_of(provider: str) -> Vendor:
    try:
        return VENDORS[provider]
    except KeyError:
        raise ValueError(f"unknown provider {provider!r}") from None


class ProviderOff(Exception):
    """A client was asked for while its vendor is off (no credentials, sandbox off).

    `reason` says what to set, in words an operator can act on.
    """

    def __init__(self, provider: str, reason: str | None = None) -> None:
        self.provider = provider
        self.reason = reason or vendor_of(provider).off_reason
        super().__init__(self.reason)
