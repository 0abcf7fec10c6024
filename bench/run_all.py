"""Run every benchmark in bench/ in turn: `make bench`, or `.venv/bin/python bench/run_all.py`.

Each `*_bench.py` runs in its own process with this interpreter, from the repo root, its
output shown as it comes; each writes its figures to bench/results/. A failing benchmark
does not stop the others; the exit status says whether any failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    scripts = sorted((ROOT / "bench").glob("*_bench.py"))
    failed = []
    for script in scripts:
        name = script.relative_to(ROOT)
        print(f"=== {name}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False)
        elapsed = time.perf_counter() - started
        if result.returncode:
            failed.append(str(name))
            print(f"=== {name} FAILED (exit {result.returncode}) after {elapsed:.0f} s\n")
        else:
            print(f"=== {name} done in {elapsed:.0f} s\n", flush=True)
    print(f"{len(scripts) - len(failed)} of {len(scripts)} benchmarks ran", end="")
    print(f"; failed: {', '.join(failed)}" if failed else ".")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
