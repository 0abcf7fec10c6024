"""What a trace says it costs: before, the most every provider can charge; after, the ledger."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.urls import reverse

from billing.models import LedgerEntry
from billing.money import format_dollars, plain_dollars
from leads.models import Lead, Phone
from leads.scoring.services import ai_score_max_micros
from leads.skiptrace.bulk import bulk_preview
from leads.skiptrace.costs import trace_max_cost
from leads.skiptrace.line_types import MAX_LOOKUPS_PER_LEAD
from leads.skiptrace.services import lead_skip_trace
from leads.skiptrace.tests.test_skiptrace import LOOKUP_PRICE, PRICE, sandbox_lead
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True  # BatchData, Twilio and OpenAI all on
    settings.TASKS = IMMEDIATE


def rescore_most(count: int) -> int:
    return ai_score_max_micros(count=count)


def test_it_prices_a_trace_with_every_provider_it_sets_off():
    cost = trace_max_cost(3)

    assert cost.match_micros == 3 * PRICE
    assert cost.lookups == 3 * MAX_LOOKUPS_PER_LEAD
    assert cost.lookups_micros == 3 * MAX_LOOKUPS_PER_LEAD * LOOKUP_PRICE
    assert cost.rescore_micros == rescore_most(3) > 0
    assert cost.total_micros == cost.match_micros + cost.lookups_micros + cost.rescore_micros
    assert cost.total_micros > 3 * PRICE  # never the match alone


def test_it_leaves_out_providers_that_are_off(settings):
    settings.SANDBOX_PROVIDERS = False
    settings.BATCHDATA_API_KEY = "live-test-token"
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_API_KEY = settings.TWILIO_API_SECRET = ""
    settings.OPENAI_API_KEY = ""

    cost = trace_max_cost(2)

    assert (cost.lookups, cost.lookups_micros, cost.rescore_micros) == (0, 0, 0)
    assert cost.total_micros == 2 * PRICE


def test_it_bounds_a_bulk_preview_by_every_provider():
    leads = [make_lead().pk for _ in range(4)]

    preview = bulk_preview(leads)

    assert preview.max_cost_micros == trace_max_cost(4).total_micros
    assert preview.max_cost_micros == (
        4 * PRICE + 4 * MAX_LOOKUPS_PER_LEAD * LOOKUP_PRICE + rescore_most(4)
    )


def test_it_shows_the_most_a_trace_can_cost_in_the_modal(agent_client):
    lead = make_lead()

    html = agent_client.get(reverse("skiptrace-modal", args=[lead.pk])).content.decode()

    most = trace_max_cost(1)
    assert "At most <strong>" in html
    assert f"up to {MAX_LOOKUPS_PER_LEAD} line-type checks at $0.0080 per lookup" in html
    assert "an AI rescore" in html
    cents = -(-most.total_micros // 10_000)
    assert f"${cents // 100}.{cents % 100:02d}" in html  # rounded up, never below the most


def test_it_checks_at_most_the_lookups_the_price_allows_for(settings):
    lead = sandbox_lead(phones=1)
    lead_skip_trace(lead=lead)
    extra = [
        Phone(lead=lead, number=f"+1602555{n:04d}", source="batchdata", rank=10 + n)
        for n in range(MAX_LOOKUPS_PER_LEAD + 3)
    ]
    Phone.objects.bulk_create(extra)

    from leads.skiptrace.line_types import check_line_types

    check_line_types([lead])

    assert lead.phones.filter(line_type_checked_at__isnull=False).count() == MAX_LOOKUPS_PER_LEAD


def test_it_counts_line_types_and_the_rescore_in_the_leads_trace_cost(
    django_capture_on_commit_callbacks,
):
    lead = sandbox_lead(phones=2)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = lead_skip_trace(lead=lead)

    lead = Lead.objects.get(pk=lead.pk)
    rows = LedgerEntry.objects.filter(lead=lead).exclude(outcome="reused")
    by_provider = dict(
        rows.values_list("provider")
        .annotate(total=Sum("cost_micros"))
        .values_list("provider", "total")
    )
    assert by_provider["batch"] == PRICE
    assert by_provider["twilio"] == lead.phones.count() * LOOKUP_PRICE
    assert lead.ai_cost_micros > 0  # the rescore the trace asked for
    assert lead.skip_trace_cost_micros == (
        by_provider["batch"] + by_provider["twilio"] + lead.ai_cost_micros
    )
    assert outcome.cost_micros == PRICE
    assert lead.skip_trace_cost_micros <= trace_max_cost(1).total_micros


def test_it_shows_the_trace_cost_the_ledger_charged_on_the_lead_page(
    agent_client, django_capture_on_commit_callbacks
):
    lead = sandbox_lead(phones=1)
    with django_capture_on_commit_callbacks(execute=True):
        lead_skip_trace(lead=lead)
    lead.refresh_from_db()
    assert lead.skip_trace_cost_micros > PRICE  # the match and what it set off

    page = agent_client.get(reverse("lead-detail", args=[lead.pk])).content.decode()

    assert f"total trace cost {format_dollars(lead.skip_trace_cost_micros)}" in page


def test_it_counts_a_search_scores_cost_apart_from_any_trace(django_capture_on_commit_callbacks):
    lead = make_lead()
    from leads.scoring.services import enqueue_ai_scoring

    with django_capture_on_commit_callbacks(execute=True):
        enqueue_ai_scoring([lead.pk])

    lead.refresh_from_db()
    assert lead.ai_cost_micros > 0
    assert lead.skip_trace_cost_micros == 0  # a score no trace asked for is not a trace cost


def test_it_exports_the_trace_cost_the_ledger_charged(
    agent_client, django_capture_on_commit_callbacks
):
    from leads.export.tests.test_export import only_row

    lead = sandbox_lead(phones=2)
    with django_capture_on_commit_callbacks(execute=True):
        lead_skip_trace(lead=lead)
    paid = LedgerEntry.objects.filter(lead=lead, provider__in=["batch", "twilio"])
    charged = paid.aggregate(total=Sum("cost_micros"))["total"]
    lead.refresh_from_db()

    row = only_row(agent_client.get("/leads/export.csv"))

    assert row["skip_trace_cost"] == plain_dollars(lead.skip_trace_cost_micros)
    # the match and its line-type checks, as the ledger has them, and the rescore's share
    assert lead.skip_trace_cost_micros == charged + lead.ai_cost_micros
