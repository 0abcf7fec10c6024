from __future__ import annotations

import pytest

from leads.models import Temperature
from leads.scoring.temperature import TEMPERATURE_BANDS, score_range, temperature_for


@pytest.mark.parametrize(
    ("score", "temperature"),
    [
        (0, Temperature.DEAD),
        (39, Temperature.DEAD),
        (40, Temperature.WARM),
        (64, Temperature.WARM),
        (65, Temperature.HOT),
        (84, Temperature.HOT),
        (85, Temperature.ON_FIRE),
        (100, Temperature.ON_FIRE),
    ],
)
def test_it_puts_each_band_boundary_in_its_band(score, temperature):
    assert temperature_for(score) == temperature


@pytest.mark.parametrize("score", [-1, 101, None, 50.5, True, False, "50"])
def test_it_rejects_what_is_not_a_score(score):
    with pytest.raises(ValueError):
        temperature_for(score)


def test_it_covers_0_to_100_without_gaps_or_overlaps():
    covered = [s for band in TEMPERATURE_BANDS for s in range(band.low, band.high + 1)]
    assert covered == list(range(101))


def test_it_orders_the_bands_coldest_first_with_their_labels():
    assert [(b.temperature, b.label) for b in TEMPERATURE_BANDS] == [
        ("DEAD", "Dead"),
        ("WARM", "Warm"),
        ("HOT", "Hot"),
        ("ON_FIRE", "On fire"),
    ]


def test_it_gives_the_score_range_of_a_temperature():
    assert score_range(Temperature.DEAD) == (0, 39)
    assert score_range("WARM") == (40, 64)
    assert score_range(Temperature.HOT) == (65, 84)
    assert score_range(Temperature.ON_FIRE) == (85, 100)


def test_it_rejects_an_unknown_temperature():
    with pytest.raises(ValueError):
        score_range("LUKEWARM")
