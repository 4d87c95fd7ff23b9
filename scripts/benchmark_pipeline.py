"""Wall time of the warehouse through the standard Dagster CLI, per run and per step.

    .venv/bin/python scripts/benchmark_pipeline.py [--repeats 3] [--skip-year] [--skip-million]
    .venv/bin/python scripts/benchmark_pipeline.py --against REV [--repeats 3]

Each repeat runs in a fresh data directory and DAGSTER_HOME under a temp folder, prepared as
`make install` prepares a fresh clone (one `dbt parse` in that environment, not timed), then:
  1. the `make run` step: the whole graph for 2024-01-01...2024-01-07 at default scale,
     then one more day (2024-01-08);
  2. 365 days (2024) in one run, then one more day (2025-01-01);
  3. one day at 1,000,000 transactions, with the peak memory of the run's process.
Prints medians (and each run) in seconds as Markdown rows for docs/benchmarks.md, with each
step's duration (Dagster's STEP_SUCCESS) and the time outside the steps (code load, run start
and end, event writes).

`--against REV` compares this checkout's 7-day run with git revision REV's instead: REV is checked
out into a temporary worktree with its own `make install`, and the two run alternately, so both
meet the same machine. On a shared machine whose speed drifts within the hour, only runs taken
back to back compare two revisions; a figure measured on another day does not.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Dagster prints a step's duration as "850ms", "43.99s" or, from a minute on, "2m56s" / "1h2m3s".
STEP_FINISHED = re.compile(r'STEP_SUCCESS - Finished execution of step "(\w+)" in ((?:[\d.]+(?:ms|h|m|s))+)\.')
DURATION_PART = re.compile(r"([\d.]+)(ms|h|m|s)")
UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(text: str) -> float:
    return sum(float(number) * UNITS[unit] for number, unit in DURATION_PART.findall(text))


@dataclass
class Timing:
    wall: float
    steps: dict[str, float] = field(default_factory=dict)
    peak_rss_gib: float = 0.0

    @property
    def outside_steps(self) -> float:
        return self.wall - sum(self.steps.values())


@dataclass(frozen=True)
class Checkout:
    """A working tree of the project with its own virtualenv (`make install`)."""

    root: Path

    @property
    def bin(self) -> Path:
        return self.root / ".venv" / "bin"


HERE = Checkout(ROOT)


class Home:
    """A fresh data directory and DAGSTER_HOME, with dbt parsed there as `make install` would."""

    def __init__(self, transactions: int | None, checkout: Checkout = HERE) -> None:
        self.checkout = checkout
        self.root = Path(tempfile.mkdtemp(prefix="banking_dw_bench_"))
        self.env = {
            **os.environ,
            "BANKING_DW_DATA_DIR": str(self.root / "data"),
            "DAGSTER_HOME": str(self.root / "dagster"),
            "PATH": f"{checkout.bin}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        if transactions:
            self.env["BANKING_DW_TRANSACTIONS_PER_DAY"] = str(transactions)
        (self.root / "dagster").mkdir(parents=True)
        shutil.copy(checkout.root / "deploy" / "dagster.yaml", self.root / "dagster" / "dagster.yaml")
        subprocess.run(
            [str(checkout.bin / "dbt"), "parse", "--quiet", "--profiles-dir", "."],
            cwd=checkout.root / "dbt_project",
            env=self.env,
            check=True,
        )

    def materialize(self, first: str, last: str) -> Timing:
        command = [
            str(self.checkout.bin / "dagster"),
            "asset",
            "materialize",
            "-m",
            "banking_dw.definitions",
            "--select",
            "*",
            "--partition-range",
            f"{first}...{last}",
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        completed = run_or_exit(command, self.checkout.root, self.env)
        wall = time.perf_counter() - started
        output = completed.stdout + completed.stderr
        steps = {step: duration_seconds(duration) for step, duration in STEP_FINISHED.findall(output)}
        # ru_maxrss of children is the largest so far; it is this run's when it grew (KiB on Linux).
        peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 2**20
        return Timing(wall, steps, peak)

    def __enter__(self) -> Home:
        return self

    def __exit__(self, *exc_info: object) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def run_or_exit(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run `command`, capturing its output; exit with its end when it fails."""
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    return completed


def median_row(label: str, values: list[float], unit: str = "") -> str:
    shown = ", ".join(f"{v:.1f}" for v in values)
    return f"| {label} | {statistics.median(values):.1f}{unit} | {shown} |"


def report(label: str, timings: list[Timing], memory: bool = False) -> None:
    print(median_row(label, [t.wall for t in timings]))
    for step in timings[0].steps:
        print(median_row(f"&nbsp;&nbsp;`{step}`", [t.steps.get(step, float("nan")) for t in timings]))
    print(median_row("&nbsp;&nbsp;outside the steps", [t.outside_steps for t in timings]))
    if memory:
        print(median_row("&nbsp;&nbsp;peak memory of the largest process, GiB", [t.peak_rss_gib for t in timings]))


def repeat(times: int, scenario: Callable[[], tuple[Timing, ...]]) -> list[tuple[Timing, ...]]:
    return [scenario() for _ in range(times)]


def window_then_day(first: str, last: str, next_day: str, transactions: int | None = None) -> tuple[Timing, Timing]:
    with Home(transactions) as home:
        return home.materialize(first, last), home.materialize(next_day, next_day)


def week(checkout: Checkout) -> Timing:
    with Home(None, checkout) as home:
        return home.materialize("2024-01-01", "2024-01-07")


@contextmanager
def revision_checkout(revision: str) -> Iterator[Checkout]:
    """`revision` in a temporary git worktree, installed as a fresh clone is; removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="banking_dw_against_")) / "checkout"
    # The other checkout's own data and Dagster home (its Makefile's defaults), not this shell's.
    env = {k: v for k, v in os.environ.items() if k not in ("BANKING_DW_DATA_DIR", "DAGSTER_HOME")}
    run_or_exit(["git", "worktree", "add", "--detach", str(root), revision], ROOT, env)
    try:
        run_or_exit(["make", "install"], root, env)
        yield Checkout(root)
    finally:
        run_or_exit(["git", "worktree", "remove", "--force", str(root)], ROOT, env)
        shutil.rmtree(root.parent, ignore_errors=True)


def compare_weeks(revision: str, repeats: int) -> None:
    """The 7-day run of `revision` and of this checkout, alternately, `repeats` times each."""
    with revision_checkout(revision) as other:
        pairs = [(week(other), week(HERE)) for _ in range(repeats)]
    for label, timings in ((f"`{revision}`", [p[0] for p in pairs]), ("this checkout", [p[1] for p in pairs])):
        report(f"7 days, whole graph, default scale: {label}", timings)


def one_day(day: str, transactions: int) -> tuple[Timing]:
    with Home(transactions) as home:
        return (home.materialize(day, day),)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-year", action="store_true")
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--year-repeats", type=int, help="repeats of the 365-day run (default: --repeats)")
    parser.add_argument("--against", metavar="REV", help="compare the 7-day run with git revision REV's, alternately")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores; repeats: {args.repeats}\n")
    print("| measurement | median s | runs s |\n|---|---|---|")
    if args.against:
        compare_weeks(args.against, args.repeats)
        return
    weeks = repeat(args.repeats, lambda: window_then_day("2024-01-01", "2024-01-07", "2024-01-08"))
    report("7 days, whole graph, default scale (the `make run` step)", [w[0] for w in weeks])
    report("one more day: 2024-01-08 after 7 days", [w[1] for w in weeks])
    if not args.skip_year:
        year = repeat(
            args.year_repeats or args.repeats, lambda: window_then_day("2024-01-01", "2024-12-31", "2025-01-01")
        )
        report("365 days in one run, whole graph, default scale", [y[0] for y in year])
        report("one more day: 2025-01-01 after 365 days", [y[1] for y in year])
    if not args.skip_million:
        million = repeat(args.repeats, lambda: one_day("2024-03-15", 1_000_000))
        report("one day at 1,000,000 transactions, whole graph", [m[0] for m in million], memory=True)


if __name__ == "__main__":
    main()
