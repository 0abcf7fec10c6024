"""The provider registry: one table, and everything that lists providers agrees with it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from billing.models import PROVIDER_CHOICES, PriceOverride
from billing.pricing import DEFAULT_PRICE_SETTINGS, unit_price_micros
from providers import attom, batchdata, openai_scoring, twilio_lookup
from providers.modes import LIVE, OFF, provider_mode
from providers.registry import (
    ATTOM,
    BATCH,
    OPENAI,
    PRICED_UNITS,
    PROVIDER_LABELS,
    PROVIDERS,
    TWILIO,
    VENDORS,
    vendor_of,
)

TWILIO_CREDENTIALS = ("TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET")


def test_it_keeps_the_stored_provider_keys():
    # Ledger rows, caps and counters are stored under these: renaming one orphans them.
    assert PROVIDERS == (ATTOM, BATCH, TWILIO, OPENAI) == ("attom", "batch", "twilio", "openai")
    assert PROVIDER_LABELS == {
        "attom": "ATTOM", "batch": "BatchData", "twilio": "Twilio Lookup", "openai": "OpenAI",
    }  # fmt: skip


def test_it_names_the_billing_units_that_usage_counts_in():
    units = {key: tuple(unit.name for unit in vendor.units) for key, vendor in VENDORS.items()}
    assert units == {
        ATTOM: ("records", "calls"),
        BATCH: ("matches",),
        TWILIO: ("lookups",),
        OPENAI: ("input_tokens", "cached_tokens", "output_tokens"),
    }


def test_it_gives_every_provider_a_default_cap_setting(settings):
    assert set(settings.DAILY_CAP_MICROS) == set(PROVIDERS)
    assert VENDORS[BATCH].cap_env == "DAILY_CAP_BATCH_CENTS"
    assert settings.DAILY_CAP_MICROS[BATCH] == 20_000_000  # the default 2000 cents


def test_it_has_a_setting_for_every_price_it_lists(settings):
    for vendor in VENDORS.values():
        for name in vendor.price_settings:
            assert hasattr(settings, name), name
    assert settings.TWILIO_LOOKUP_PRICE_MICROS == 8_000  # TWILIO_LOOKUP_PRICE_CENTS=0.8
    assert PRICED_UNITS["twilio.lookups"].env == "TWILIO_LOOKUP_PRICE_CENTS"
    assert VENDORS[OPENAI].price_settings == ("OPENAI_PRICES",)


@pytest.mark.django_db
def test_billing_prices_exactly_the_priced_units():
    assert set(DEFAULT_PRICE_SETTINGS) == set(PRICED_UNITS) == {
        "attom.records", "attom.calls", "batch.matches", "twilio.lookups",
    }  # fmt: skip
    assert [key for key, _ in PriceOverride.UNITS] == list(PRICED_UNITS)
    assert dict(PriceOverride.UNITS)["batch.matches"] == "BatchData, per matched property"
    assert unit_price_micros("batch.matches") == 70_000


def test_admin_choices_read_the_registry():
    assert PROVIDER_CHOICES == [("attom", "ATTOM"), ("batch", "BatchData"),
                                ("twilio", "Twilio Lookup"), ("openai", "OpenAI")]  # fmt: skip


@pytest.mark.django_db
def test_the_migrations_match_the_choices():
    call_command("makemigrations", "billing", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize("missing", TWILIO_CREDENTIALS)
def test_twilio_is_live_only_with_all_three_credentials(settings, missing):
    settings.SANDBOX_PROVIDERS = False
    for name in TWILIO_CREDENTIALS:
        setattr(settings, name, "set")
    assert provider_mode(TWILIO) == LIVE
    setattr(settings, missing, "")
    assert provider_mode(TWILIO) == OFF


def test_it_says_what_to_set_when_a_provider_is_off():
    assert VENDORS[BATCH].off_reason == (
        "Skip tracing is off: set BATCHDATA_API_KEY or turn on the sandbox (SANDBOX_PROVIDERS)."
    )
    reason = VENDORS[TWILIO].off_reason
    assert "TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET" in reason


def test_it_refuses_an_unknown_provider(settings):
    settings.SANDBOX_PROVIDERS = False
    with pytest.raises(ValueError, match="unknown provider"):
        vendor_of("zillow")
    with pytest.raises(ValueError, match="unknown provider"):
        provider_mode("zillow")


def test_the_clients_name_their_provider_and_operations_as_the_registry_does():
    assert (attom.PROVIDER, batchdata.PROVIDER) == (ATTOM, BATCH)
    assert (twilio_lookup.PROVIDER, openai_scoring.PROVIDER) == (TWILIO, OPENAI)
    assert batchdata.OPERATION in VENDORS[BATCH].operations
    assert twilio_lookup.OPERATION in VENDORS[TWILIO].operations
    assert openai_scoring.OPERATION in VENDORS[OPENAI].operations
