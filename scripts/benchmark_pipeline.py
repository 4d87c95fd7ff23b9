"""Wall time of the warehouse through the standard Dagster CLI, per run and per layer (step).

    .venv/bin/python scripts/benchmark_pipeline.py [--repeats 3] [--skip-million] [--skip-history]

Measures, each in a fresh data directory and DAGSTER_HOME under a temp folder:
  1. the `make run` step: the whole graph for 2024-01-01...2024-01-07 at default scale;
  2. one day at 1,000,000 transactions end to end;
  3. how one more day's cost grows with history: day 2 after day 1, versus day 60 after 59 days.
Prints medians (and each run) in seconds, as Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).parent / "dagster"
STEP_FINISHED = re.compile(r'STEP_SUCCESS - Finished execution of step "(\w+)" in ([\d.]+)(ms|s|m)\.')
UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0}


@dataclass
class Timing:
    wall: float
    steps: dict[str, float] = field(default_factory=dict)


def materialize(home: Path, selection: str, first: str, last: str, transactions: int | None) -> Timing:
    env = {**os.environ, "BANKING_DW_DATA_DIR": str(home / "data"), "DAGSTER_HOME": str(home / "dagster")}
    if transactions:
        env["BANKING_DW_TRANSACTIONS_PER_DAY"] = str(transactions)
    (home / "dagster").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster" / "dagster.yaml")
    command = [str(DAGSTER), "asset", "materialize", "-m", "banking_dw.definitions",
               "--select", selection, "--partition-range", f"{first}...{last}"]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    steps = {m[0]: float(m[1]) * UNITS[m[2]] for m in STEP_FINISHED.findall(completed.stdout + completed.stderr)}
    return Timing(wall, steps)


def fresh_home() -> Path:
    return Path(tempfile.mkdtemp(prefix="banking_dw_bench_"))


def report(label: str, timings: list[Timing]) -> None:
    walls = [t.wall for t in timings]
    print(f"| {label} | {statistics.median(walls):.1f} | {', '.join(f'{w:.1f}' for w in walls)} |")
    for step in timings[0].steps:
        values = [t.steps.get(step, float("nan")) for t in timings]
        print(f"| &nbsp;&nbsp;step `{step}` | {statistics.median(values):.1f} | {', '.join(f'{v:.1f}' for v in values)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--skip-history", action="store_true")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores; repeats: {args.repeats}\n")
    print("| measurement | median s | runs s |\n|---|---|---|")
    homes: list[Path] = []
    try:
        timings = []
        for _ in range(args.repeats):
            homes.append(fresh_home())
            timings.append(materialize(homes[-1], "*", "2024-01-01", "2024-01-07", None))
        report("`make run` step: 7 days, whole graph, default scale", timings)

        if not args.skip_million:
            timings = []
            for _ in range(args.repeats):
                homes.append(fresh_home())
                timings.append(materialize(homes[-1], "*", "2024-03-15", "2024-03-15", 1_000_000))
            report("1 day at 1,000,000 transactions, whole graph", timings)

        if not args.skip_history:
            start = date(2024, 1, 1)
            for history_days in (1, 59):
                timings = []
                for _ in range(args.repeats):
                    homes.append(fresh_home())
                    last_loaded = start + timedelta(days=history_days - 1)
                    materialize(homes[-1], "*", start.isoformat(), last_loaded.isoformat(), None)
                    next_day = (last_loaded + timedelta(days=1)).isoformat()
                    timings.append(materialize(homes[-1], "*", next_day, next_day, None))
                report(f"one more day (day {history_days + 1}) after {history_days} day(s) of history", timings)
    finally:
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
