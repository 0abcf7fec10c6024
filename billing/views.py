"""The spend dashboard: today against the caps, the period's figures, and the ledger."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from billing import analytics, team_analytics
from billing.chart import spend_chart
from billing.forms import LedgerFilterForm, PeriodForm
from providers.registry import PROVIDER_LABELS, PROVIDERS

LEDGER_PAGE_SIZE = 50
PERIOD_CHOICES = (7, 30, 90, 365)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails  # set by django-htmx's middleware


@login_required
@require_GET
@vary_on_headers("HX-Request")
def spend_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    period_form, filter_form = PeriodForm(request.GET), LedgerFilterForm(request.GET)
    days = period_form.days_or_default()
    context: dict[str, Any] = {
        "days": days,
        "period_form": period_form,
        "filter_form": filter_form,
        "ledger": analytics.ledger_page(
            filter_form.filters(),
            filter_form.page_number(),
            LEDGER_PAGE_SIZE,
            show=filter_form.rows_shown(),
        ),
        "labels": PROVIDER_LABELS,
    }
    status = 200 if period_form.is_valid() and filter_form.is_valid() else 400
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "billing/spend.html#ledger", context, status=status)
    context.update(_dashboard_context(analytics.dashboard(days)))
    calls = team_analytics.call_figures(days)
    context.update(
        agent_spend=team_analytics.spend_by_agent_today(),
        calls=calls,
        right_party_rate=_percent(calls.right_party_rate),
    )
    return render(request, "billing/spend.html", context, status=status)


def _dashboard_context(figures: analytics.Dashboard) -> dict[str, Any]:
    return {
        "figures": figures,
        "rates": _rates(figures),
        "chart": spend_chart(figures.daily_spend),
        "chart_series": PROVIDERS,
        "chart_labels": [(p, PROVIDER_LABELS[p]) for p in PROVIDERS],
        "day_rows": _day_rows(figures),
        "health": _health(figures),
        "period_choices": PERIOD_CHOICES,
        "targets": {
            "cost_per_contactable": analytics.TARGET_COST_PER_CONTACTABLE_MICROS,
            "contactable_per_day": analytics.TARGET_CONTACTABLE_PER_DAY,
            "valid_phone_share": _percent(analytics.TARGET_VALID_PHONE_SHARE),
        },
    }


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def _rates(figures: analytics.Dashboard) -> dict[str, str]:
    return {
        "cache_hit": _percent(figures.cache_hit_rate),
        "success": _percent(figures.outbound.success_rate),
        "skip_trace_hit": _percent(figures.skip_trace_hit_rate),
        "valid_phone": _percent(figures.valid_phone_share),
    }


def _health(figures: analytics.Dashboard) -> list[dict[str, Any]]:
    return [
        {
            "provider": PROVIDER_LABELS[provider],
            "requests": stats.requests,
            "success_rate": _percent(stats.success_rate),
            "average_latency_ms": stats.average_latency_ms,
        }
        for provider, stats in figures.outbound_by_provider.items()
    ]


def _day_rows(figures: analytics.Dashboard) -> list[dict[str, Any]]:
    """The chart's figures as table rows, with the day's new contactable leads."""
    return [
        {
            "date": spend["date"],
            "spend": [spend[p] for p in PROVIDERS],
            "total": sum(spend[p] for p in PROVIDERS),
            "contactable": contactable["count"],
        }
        for spend, contactable in zip(
            figures.daily_spend, figures.new_contactable_per_day, strict=True
        )
    ]
