"""The spend chart: stacked bars of spend per provider per day, as SVG geometry for the template."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from billing.money import format_dollars
from providers.registry import PROVIDER_LABELS, PROVIDERS

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
                label=f"{day['date']:%b} {day['date'].day}: {PROVIDER_LABELS[provider]} "
                f"{format_dollars(micros)}",
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
