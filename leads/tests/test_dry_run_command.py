"""`manage.py dry_run`: a search and a few traces under a temporary cap, then the report."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.models import DailyCap, LedgerEntry
from providers.sandbox import faults

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True


def dry_run(**options) -> str:
    out = StringIO()
    call_command("dry_run", stdout=out, **{"zip": "85034", "traces": 3, **options})
    return out.getvalue()


def calls(output: str, provider: str, operation: str) -> list[str]:
    return re.findall(rf"^  {provider}\s+{operation}\s.*$", output, flags=re.MULTILINE)


def test_it_searches_traces_and_reports_every_call(settings):
    output = dry_run(cap_cents="1000")

    assert "Modes: attom=sandbox, batch=sandbox, twilio=sandbox" in output
    assert "Search ZIP 85034: 10 of" in output and "(attom-sandbox), cost $1.00." in output
    assert len(re.findall(r"^Trace lead \d+: ", output, flags=re.MULTILINE)) == 3
    assert len(calls(output, "attom", "property_search")) == 1
    assert "units 10" in calls(output, "attom", "property_search")[0]
    assert len(calls(output, "batch", "skip_trace")) == 3
    assert all(line.endswith("(sandbox)") for line in calls(output, "batch", "skip_trace"))

    total = re.search(r"^Total: \$([\d.]+) over (\d+) ledger rows?\.$", output, re.MULTILINE)
    assert total, output
    rows = LedgerEntry.objects.all()
    assert int(total.group(2)) == rows.count()
    assert float(total.group(1)) == pytest.approx(sum(r.cost_micros for r in rows) / 1_000_000)
    assert "The ledger reconciles: every counter equals its rows." in output


def test_it_removes_the_caps_it_added(settings):
    dry_run(cap_cents="1000")
    assert not DailyCap.objects.exists()


def test_it_restores_the_caps_an_admin_had_set(settings):
    DailyCap.objects.create(provider="attom", cap_micros=12_340_000)
    DailyCap.objects.create(provider="openai", cap_micros=1_000_000)

    dry_run(cap_cents="1000")

    caps = dict(DailyCap.objects.values_list("provider", "cap_micros"))
    assert caps == {"attom": 12_340_000, "openai": 1_000_000}


def test_it_holds_each_provider_to_the_temporary_cap(settings):
    # 50 cents cannot pay for the search's 10 records at 10 cents: it is refused whole.
    output = dry_run(cap_cents="50")

    assert "Search stopped: daily cap for attom reached" in output
    assert "Calls made:" in output
    assert "Trace lead" not in output
    assert calls(output, "batch", "skip_trace") == []
    assert "Total: $0.00" in output
    assert "The ledger reconciles" in output
    assert not DailyCap.objects.exists()


def test_it_reports_a_search_the_provider_failed_and_still_restores_the_caps(settings):
    DailyCap.objects.create(provider="batch", cap_micros=3_000_000)
    faults.queue("attom", "401")

    output = dry_run(cap_cents="1000")

    assert "Search stopped:" in output
    assert "The ledger reconciles" in output
    assert dict(DailyCap.objects.values_list("provider", "cap_micros")) == {"batch": 3_000_000}


@pytest.mark.parametrize("cap", ["0", "abc", "-5"])
def test_it_refuses_a_cap_that_is_not_a_positive_amount(settings, cap):
    with pytest.raises(CommandError, match="--cap-cents"):
        dry_run(cap_cents=cap)
    assert not LedgerEntry.objects.exists()


def test_it_refuses_an_invalid_zip(settings):
    with pytest.raises(CommandError, match="ZIP"):
        dry_run(zip="8503", cap_cents="1000")


def test_it_refuses_to_run_with_attom_off(settings):
    settings.SANDBOX_PROVIDERS, settings.ATTOM_API_KEY = False, ""
    with pytest.raises(CommandError, match="ATTOM is off"):
        dry_run(cap_cents="1000")
