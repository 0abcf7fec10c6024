"""Run every benchmark in bench/ in turn: `make bench`, or `.venv/bin/python bench/run_all.py`.

Each `*_bench.py` runs in its own process with this interpreter, from the repo root, its
output shown as it comes; each writes its figures to bench/results/. A failing benchmark
does not stop the others; the exit status says whether any failed. At the end, every
benchmark's summary lines (`bench <name>: ...`) are printed again, together. The HTTP load
benchmark is apart: `make bench-load` (bench/http_load.py).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    scripts = sorted((ROOT / "bench").glob("*_bench.py"))
    failed: list[str] = []
    summary: list[str] = []
    for script in scripts:
        name = script.relative_to(ROOT)
        print(f"=== {name}", flush=True)
        started = time.perf_counter()
        returncode = _run(script, summary)
        elapsed = time.perf_counter() - started
        if returncode:
            failed.append(str(name))
            print(f"=== {name} FAILED (exit {returncode}) after {elapsed:.0f} s\n")
        else:
            print(f"=== {name} done in {elapsed:.0f} s\n", flush=True)
    print("=== summary", *summary, sep="\n")
    print(f"{len(scripts) - len(failed)} of {len(scripts)} benchmarks ran", end="")
    print(f"; failed: {', '.join(failed)}" if failed else ".")
    return 1 if failed else 0


def _run(script: Path, summary: list[str]) -> int:
    """Run one benchmark, its output shown as it comes; keep its summary lines."""
    with subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if line.startswith("bench "):
                summary.append(line.rstrip("\n"))
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
