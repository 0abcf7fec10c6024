"""The one place that knows the temperature bands a 0–100 lead score falls into."""

from __future__ import annotations

from dataclasses import dataclass

from leads.models import Temperature


@dataclass(frozen=True)
class TemperatureBand:
    temperature: str  # a leads.models.Temperature value
    label: str
    low: int  # inclusive
    high: int  # inclusive

    def contains(self, score: int) -> bool:
        return self.low <= score <= self.high


# Coldest first, covering 0..100 without gaps or overlaps.
TEMPERATURE_BANDS: tuple[TemperatureBand, ...] = (
    TemperatureBand(Temperature.DEAD, Temperature.DEAD.label, 0, 39),
    TemperatureBand(Temperature.WARM, Temperature.WARM.label, 40, 64),
    TemperatureBand(Temperature.HOT, Temperature.HOT.label, 65, 84),
    TemperatureBand(Temperature.ON_FIRE, Temperature.ON_FIRE.label, 85, 100),
)


def temperature_for(score: int) -> str:
    """The temperature of a score; a score outside 0..100 (or not an int) is a bug."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"a score must be an int, not {score!r}")
    for band in TEMPERATURE_BANDS:
        if band.contains(score):
            return band.temperature
    raise ValueError(f"a score must lie in 0..100, not {score}")


def score_range(temperature: str) -> tuple[int, int]:
    """The inclusive score range of a temperature, e.g. for `ai_score__range=`."""
    for band in TEMPERATURE_BANDS:
        if band.temperature == temperature:
            return band.low, band.high
    raise ValueError(f"unknown temperature {temperature!r}")
