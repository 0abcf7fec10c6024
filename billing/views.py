"""The spend dashboard: today against the caps, the period's figures, and the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from billing import analytics
from billing.models import PROVIDER_CHOICES, Outcome
from billing.money import format_dollars
from providers.modes import PROVIDERS

LEDGER_PAGE_SIZE = 50
PERIOD_CHOICES = (7, 30, 90, 365)


class PeriodForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=analytics.MAX_DAYS, required=False)

    def days_or_default(self) -> int:
        if self.is_valid() and self.cleaned_data["days"]:
            return self.cleaned_data["days"]
        return analytics.DEFAULT_DAYS


class LedgerFilterForm(forms.Form):
    provider = forms.ChoiceField(choices=[("", "Any"), *PROVIDER_CHOICES], required=False)
    operation = forms.ChoiceField(
        choices=[
            ("", "Any"),
            *((p, [(op, op) for op in ops]) for p, ops in analytics.OPERATIONS.items()),
        ],
        required=False,
    )
    outcome = forms.ChoiceField(choices=[("", "Any"), *Outcome.choices], required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(min_value=1, required=False)

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid one is dropped (and reported by the form)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in analytics.LEDGER_FILTERS}

    def page_number(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("page") or 1


@login_required
@require_GET
@vary_on_headers("HX-Request")
def spend_dashboard(request: HttpRequest) -> HttpResponse:
    period_form, filter_form = PeriodForm(request.GET), LedgerFilterForm(request.GET)
    days = period_form.days_or_default()
    context: dict[str, Any] = {
        "days": days,
        "period_form": period_form,
        "filter_form": filter_form,
        "ledger": analytics.ledger_page(
            filter_form.filters(), filter_form.page_number(), LEDGER_PAGE_SIZE
        ),
    }
    status = 200 if period_form.is_valid() and filter_form.is_valid() else 400
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "billing/spend.html#ledger", context, status=status)
    context.update(_dashboard_context(analytics.dashboard(days)))
    return render(request, "billing/spend.html", context, status=status)


def _dashboard_context(figures: analytics.Dashboard) -> dict[str, Any]:
    return {
        "figures": figures,
        "rates": _rates(figures),
        "chart": spend_chart(figures.daily_spend),
        "chart_series": PROVIDERS,
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
            "provider": provider,
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


# --- The chart: stacked bars of spend per provider per day, drawn as SVG -------------------

CHART_WIDTH, CHART_HEIGHT = 720, 260
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 72, 8, 10, 28
PLOT_WIDTH = CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT
PLOT_HEIGHT = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
GRID_LINES = 4
MAX_X_LABELS = 8


@dataclass(frozen=True)
class ChartBar:
    provider: str
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class ChartLabel:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class SpendChart:
    bars: list[ChartBar]
    y_labels: list[ChartLabel]
    x_labels: list[ChartLabel]
    total_micros: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    plot_left: int = PLOT_LEFT
    plot_right: int = CHART_WIDTH - PLOT_RIGHT
    plot_bottom: int = PLOT_TOP + PLOT_HEIGHT
    center_x: float = PLOT_LEFT + PLOT_WIDTH / 2
    center_y: float = PLOT_TOP + PLOT_HEIGHT / 2


def spend_chart(daily: list[dict[str, Any]]) -> SpendChart:
    totals = [sum(day[p] for p in PROVIDERS) for day in daily]
    top = _nice_ceiling(max(totals, default=0))
    band = PLOT_WIDTH / max(len(daily), 1)
    bars = [bar for i, day in enumerate(daily) for bar in _day_bars(day, i * band, band, top)]
    return SpendChart(
        bars=bars,
        y_labels=_y_labels(top),
        x_labels=_x_labels([day["date"] for day in daily], band),
        total_micros=sum(totals),
    )


def _day_bars(day: dict[str, Any], offset: float, band: float, top: int) -> list[ChartBar]:
    bars, stacked = [], 0
    for provider in PROVIDERS:
        micros = day[provider]
        if not micros:
            continue
        y_top = PLOT_TOP + PLOT_HEIGHT * (1 - (stacked + micros) / top)
        y_bottom = PLOT_TOP + PLOT_HEIGHT * (1 - stacked / top)
        bars.append(
            ChartBar(
                provider=provider,
                x=round(PLOT_LEFT + offset + band * 0.15, 2),
                y=round(y_top, 2),
                width=round(band * 0.7, 2),
                height=round(max(y_bottom - y_top, 0.5), 2),  # a sliver stays visible
                label=f"{day['date']:%b} {day['date'].day}: {provider} {format_dollars(micros)}",
            )
        )
        stacked += micros
    return bars


def _nice_ceiling(micros: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ micro-dollars at or above the amount (at least 1 cent)."""
    magnitude = 10_000
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= micros:
                return step * magnitude
        magnitude *= 10


def _y_labels(top: int) -> list[ChartLabel]:
    return [
        ChartLabel(
            x=PLOT_LEFT - 6,
            y=round(PLOT_TOP + PLOT_HEIGHT * (1 - step / GRID_LINES), 2),
            text=format_dollars(top * step // GRID_LINES),
        )
        for step in range(GRID_LINES + 1)
    ]


def _x_labels(dates: list[dt.date], band: float) -> list[ChartLabel]:
    every = -(-len(dates) // MAX_X_LABELS)  # ceiling division
    return [
        ChartLabel(
            x=round(PLOT_LEFT + (i + 0.5) * band, 2),
            y=CHART_HEIGHT - 8,
            text=f"{day:%b} {day.day}",
        )
        for i, day in enumerate(dates)
        if (len(dates) - 1 - i) % every == 0  # always label today, the last day
    ]
