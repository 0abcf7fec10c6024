"""The one summary line every benchmark ends with, and the machine load it ran under.

`bench <name>: <value> <unit>; baseline <value> <unit>; ratio <r>; target <t>: met|missed`
— one line per figure, so `make bench` can be read at a glance. Benchmarks import this as
`from figures import ...` (a script's own folder is on its import path).
"""

from __future__ import annotations

import os
import time


def summary_line(
    name: str,
    *,
    value: float,
    unit: str,
    baseline: float,
    baseline_unit: str | None = None,
    target: str,
    met: bool,
) -> str:
    ratio = value / baseline if baseline else float("inf")
    return (
        f"bench {name}: {_number(value)} {unit}; baseline {_number(baseline)} "
        f"{baseline_unit or unit}; ratio {ratio:.2f}; target {target}: "
        f"{'met' if met else 'missed'}"
    )


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return (
        f"machine: {os.cpu_count()} CPU(s), load average {one:.1f} (1 min), {five:.1f} (5 min); "
        f"speed: {machine_speed_ms():.0f} ms for a fixed Python loop"
    )


def machine_speed_ms() -> float:
    """How long this machine takes, now, for the same pure-Python work (best of three, one
    core): figures of two runs compare only when their speeds do. Machines of the same kind
    have been seen to differ by 2x from one day to the next."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for n in range(1_000_000):
            total += n % 7
        best = min(best, time.perf_counter() - started)
    return best * 1000


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"
