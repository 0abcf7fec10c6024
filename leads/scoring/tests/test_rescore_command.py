from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.models import LedgerEntry
from leads.models import Lead
from leads.scoring.rules import BASE_POINTS
from leads.scoring.services import ai_rescore_estimate
from providers.sandbox import faults

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _openai_sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "openai": 500_000}


def make_lead(n: int, **fields) -> Lead:
    defaults = {
        "street": f"{n} ELM ST", "normalized_address": f"{n} ELM ST||85034", "state": "AZ",
        "zip_code": "85034", "absentee": True,
    }  # fmt: skip
    return Lead.objects.create(**{**defaults, **fields})


def rescore(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rescore_leads", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_rescores_with_the_rules_by_default():
    leads = [make_lead(1), make_lead(2)]

    out, err = rescore()

    assert "2 leads to rescore with the rules" in out
    assert "Rescored 2 leads: 0 by AI, 2 by rules" in out
    assert "[" in err and "2/2" in err
    for lead in leads:
        lead.refresh_from_db()
        assert (lead.ai_score, lead.scored_by, lead.temperature_tag) == (
            BASE_POINTS + 20,
            "rules",
            "WARM",
        )
    assert faults.request_count("openai") == 0


def test_it_rescores_with_openai_after_printing_the_estimate():
    make_lead(1)

    out, _ = rescore("--ai")

    assert "1 lead to rescore with gpt-4o-mini: at most $" in out
    assert "today's OpenAI budget left $0.50" in out
    assert "Rescored 1 lead: 1 by AI, 0 by rules (0 AI fallbacks)" in out
    assert Lead.objects.get().scored_by == "gpt-4o-mini"
    assert LedgerEntry.objects.filter(provider="openai").count() == 1


def test_it_changes_nothing_on_a_dry_run():
    make_lead(1)
    make_lead(2)

    out, _ = rescore("--ai", "--dry-run")

    estimate = ai_rescore_estimate(count=2)
    assert estimate > 0
    assert "2 leads to rescore with gpt-4o-mini" in out and "budget left $0.50" in out
    assert "Rescored" not in out
    assert not Lead.objects.filter(ai_score__isnull=False).exists()
    assert faults.request_count("openai") == 0 and not LedgerEntry.objects.exists()


def test_it_warns_when_the_cap_may_stop_it_early(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "openai": 1}
    make_lead(1)
    out, _ = rescore("--ai", "--dry-run")
    assert "The cap may stop AI scoring early" in out


def test_it_says_when_the_cap_stopped_ai_scoring(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "openai": 0}
    make_lead(1)
    out, _ = rescore("--ai")
    assert "0 by AI, 1 by rules (1 AI fallback)" in out
    assert "cap was reached" in out
    assert faults.request_count("openai") == 0


def test_it_filters_by_zip_ids_and_unscored():
    a, b = make_lead(1), make_lead(2, zip_code="85001")
    c = make_lead(3, ai_score=10, temperature_tag="DEAD", scored_by="rules")

    assert "1 lead " in rescore("--zip", "85001", "--dry-run")[0]
    assert "2 leads " in rescore("--ids", f"{a.pk},{c.pk}", "--dry-run")[0]
    assert "2 leads " in rescore("--unscored", "--dry-run")[0]
    rescore("--unscored")
    c.refresh_from_db()
    assert c.ai_score == 10 and Lead.objects.get(pk=b.pk).ai_score == BASE_POINTS + 20


def test_it_filters_by_temperature_and_stage():
    make_lead(1, ai_score=10, temperature_tag="DEAD")
    make_lead(2, ai_score=90, temperature_tag="ON_FIRE", stage="contacted")
    assert "1 lead " in rescore("--temperature", "DEAD", "--dry-run")[0]
    assert "1 lead " in rescore("--stage", "contacted", "--dry-run")[0]


def test_it_refuses_ai_when_openai_is_off(settings):
    settings.SANDBOX_PROVIDERS, settings.OPENAI_API_KEY = False, ""
    with pytest.raises(CommandError, match="OpenAI is off"):
        rescore("--ai")


def test_it_refuses_ai_and_rules_together():
    with pytest.raises(CommandError):
        rescore("--ai", "--rules")


def test_it_refuses_bad_ids():
    with pytest.raises(CommandError, match="--ids"):
        rescore("--ids", "1,x")
