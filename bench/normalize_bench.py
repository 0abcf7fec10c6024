"""How many addresses per second `normalize_address` + `address_key` handle, cold cache.

Run from the repo root: `.venv/bin/python bench/normalize_bench.py` (BENCH_ADDRESSES to change
the count). Builds a fixed, varied set of realistic street lines -- spelled-out and abbreviated
suffixes, directionals, unit designators, PO boxes, rural routes, oddities -- with about 20%
repeats, then times normalisation of all of them. It also checks that every line the fast
grammar handled gets the same answer from scourgify itself. Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leads.search import normalize  # noqa: E402

COUNT = int(os.environ.get("BENCH_ADDRESSES", "10000"))
TARGET_PER_S = 5_000

NAMES = " ".join(
    (
        "MAIN OAK MAPLE CEDAR PINE ELM WASHINGTON LINCOLN JEFFERSON MADISON WINONA LAKE HILL",
        "SUNSET RIVERSIDE HIGHLAND MEADOW CHERRY WALNUT SPRUCE WILLOW FRANKLIN JACKSON ADAMS",
        "COLFAX FEDERAL SHERIDAN WADSWORTH KIPLING ALAMEDA EVANS YALE HAMPDEN BELLEVIEW",
    )
).split()
SUFFIXES = (
    "ST",
    "STREET",
    "AVE",
    "AVENUE",
    "DR",
    "DRIVE",
    "CT",
    "COURT",
    "BLVD",
    "LN",
    "RD",
    "WAY",
)
DIRECTIONS = ("", "", "", "N", "S", "E", "W", "NORTH", "N.")
UNITS = ("", "", "", "", "APT 4", "#12", "UNIT 3B", "STE 200", "Apt. 7", "# 5", "BLDG 2 APT 3")
ODD = (
    "PO BOX {n}",
    "P.O. Box {n}",
    "RR 2 BOX {n}",
    "HC 1 Box {n}",
    "{n} {name} {suffix} BSMT",
    "{n}-{m} {name} {suffix}",
    "{n} 1/2 {name} {suffix}",
    "{n} COUNTY ROAD {m}",
    "{n} FIRST {suffix}",
    "{n} {name} {suffix} NW",
    "{n} {name} {suffix} {m}",
    "{n} E {name} {suffix} {m}B",
)


def street_lines(count: int) -> list[str]:
    rng = random.Random(20240601)
    lines: list[str] = []
    while len(lines) < count:
        if lines and rng.random() < 0.2:
            lines.append(rng.choice(lines))
            continue
        n, m, name, suffix = rng.randint(1, 19999), rng.randint(1, 99), *rng.sample(NAMES, 1), ""
        suffix = rng.choice(SUFFIXES)
        if rng.random() < 0.1:
            lines.append(rng.choice(ODD).format(n=n, m=m, name=name, suffix=suffix))
            continue
        line = " ".join(p for p in (str(n), rng.choice(DIRECTIONS), name.title(), suffix) if p)
        unit = rng.choice(UNITS)
        lines.append(f"{line} {unit}".strip() if rng.random() < 0.5 else f"{line}, {unit}")
    return lines


def clear_caches() -> None:
    for name in dir(normalize):
        cache_clear = getattr(getattr(normalize, name), "cache_clear", None)
        if cache_clear:
            cache_clear()


def fast_path_disagreements(lines: list[str]) -> tuple[int, int, list[str]]:
    fast_hits, wrong = 0, []
    for line in set(lines):
        street, _ = normalize._split_trailing_units(normalize._clean(line))
        street = normalize._numbered_street(street)
        fast = normalize._street_fast(street)
        if fast is None:
            continue
        fast_hits += 1
        slow = normalize._street_scourgify(street)
        if slow != (fast, ""):
            wrong.append(f"{street!r}: fast {fast!r}, scourgify {slow!r}")
    return fast_hits, len(set(lines)), wrong


def main() -> None:
    lines = street_lines(COUNT)
    clear_caches()
    started = time.perf_counter()
    for line in lines:
        normalize.address_key(normalize.normalize_address(line, city="Denver", zip_code="80212"))
    elapsed = time.perf_counter() - started
    rate = len(lines) / elapsed
    fallback = sum(not normalize.normalize_address(line, zip_code="80212").parsed for line in lines)
    fast_hits, distinct, wrong = fast_path_disagreements(lines)
    sample = sorted(set(lines))[:1000]
    started = time.perf_counter()
    for line in sample:
        normalize._street_scourgify(normalize._clean(line))
    scourgify_rate = len(sample) / (time.perf_counter() - started)
    print(f"{len(lines):,} addresses ({distinct:,} distinct) in {elapsed:.2f} s: {rate:,.0f}/s")
    print(f"target {TARGET_PER_S:,}/s: {'met' if rate >= TARGET_PER_S else 'MISSED'}")
    print(f"fast grammar handled {fast_hits:,} of {distinct:,} distinct street lines")
    print(f"scourgify alone, same kind of lines: {scourgify_rate:,.0f}/s")
    print(f"conservative fallback used for {fallback:,} of {len(lines):,}")
    print(f"fast grammar vs scourgify disagreements: {len(wrong)}")
    for line in wrong[:20]:
        print("  ", line)


if __name__ == "__main__":
    main()
