"""Wall time of the warehouse through the standard Dagster CLI, per run and per step.

    .venv/bin/python scripts/benchmark_pipeline.py [--scenarios week,day,year,million] [--repeats 3]
    .venv/bin/python scripts/benchmark_pipeline.py --scenarios month,ten-million --repeats 1
    .venv/bin/python scripts/benchmark_pipeline.py --against REV --scenarios week [--repeats 3]

Each scenario runs, once per repeat, in a fresh data directory and DAGSTER_HOME under a temp folder,
prepared as `make install` prepares a fresh clone (one `dbt parse` in that environment, not timed):
  week         the `make run` step: the whole graph for 2024-01-01...2024-01-07 at default scale;
  day          the week, then one more day (2024-01-08) in the same home (so it implies week);
  year         365 days (2024) in one run, then one more day (2025-01-01);
  million      one day (2024-03-15) at 1,000,000 transactions, with peak memory;
  month        30 days at 1,000,000 transactions a day in one run (2024-03-01...2024-03-30), with
               peak memory, check evaluations passed and failed, and the lake, raw and warehouse
               sizes on disk after it; then day 31 on top of those 30; then, in a fresh home,
               day 2 on top of day 1, and the ratio of day 31's wall time to day 2's;
  ten-million  one day (2024-03-15) at 10,000,000 transactions, with peak memory;
  small-month  30 days at default scale in one run (2024-03-01...2024-03-30), then day 31 on top.
The default is week,day,year,million; `--skip-year` and `--skip-million` remove those two.

Prints medians (and each run) as Markdown rows for docs/benchmarks.md: each run's wall time in
seconds, each step's duration (its STEP_SUCCESS event) and the time outside the steps (code load,
run start and end, event writes). Peak memory is the largest resident set of any one process of
the call (`dagster` and the dbt it waits for): each call runs under a small wrapper process whose
`getrusage(RUSAGE_CHILDREN).ru_maxrss` covers that call alone. Step durations and check
evaluations (ASSET_CHECK_EVALUATION events, passed or not) are read from the run's events in its
instance once the call has ended, not from the CLI's output, which can lose its last lines.

`--against REV` runs every chosen scenario of git revision REV too: REV is checked out into a
temporary worktree with its own `make install`, and each repeat runs REV's scenario, then this
checkout's, so both meet the same machine; a last row per figure gives this checkout's median
over REV's. On a shared machine whose speed drifts within the hour, only runs taken back to back
compare two revisions; a figure measured on another day does not.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# measure.py, run by the checkout's Python with the command in its arguments: runs the command and waits for it,
# then prints, as JSON, its wall time; the largest resident set (KiB on Linux) of it and of every
# descendant waited for (dbt is a child of `dagster`, which waits for it); and, from the instance,
# the run's step durations (Dagster's STEP_SUCCESS) and check evaluations. A wrapper per call,
# because this script's own RUSAGE_CHILDREN is the largest of all the children it has ever waited
# for and never goes down after a big run. The instance, not the CLI's output: the CLI mirrors the
# run's captured output through a tail process that can stop before the last lines (the last
# step's STEP_SUCCESS went missing so, on a loaded machine).
MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
returncode = subprocess.run(sys.argv[1:]).returncode
wall = time.perf_counter() - started
maxrss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if returncode:
    sys.exit(returncode)
import dagster as dg
with dg.DagsterInstance.get() as instance:
    run_id = instance.get_runs(limit=1)[0].run_id
    def events(event_type):
        return [r.event_log_entry.dagster_event for r in instance.get_records_for_run(run_id, of_type=event_type).records]
    steps = {e.step_key: e.event_specific_data.duration_ms / 1000 for e in events(dg.DagsterEventType.STEP_SUCCESS)}
    checks = [e.event_specific_data.passed for e in events(dg.DagsterEventType.ASSET_CHECK_EVALUATION)]
result = {"wall": wall, "maxrss_kib": maxrss_kib, "steps": steps, "passed": sum(checks), "failed": len(checks) - sum(checks)}
print("\\nMEASURED", json.dumps(result))
"""
MEASURED = re.compile(r"^MEASURED (.*)$", re.MULTILINE)

PEAK_MEMORY = "peak memory of the largest process, GiB"
CHECKS_PASSED = "check evaluations passed"
CHECKS_FAILED = "check evaluations failed"
DAY_31_OVER_DAY_2 = "wall time over day 2's on top of day 1"
DECIMALS = {CHECKS_PASSED: 0, CHECKS_FAILED: 0, DAY_31_OVER_DAY_2: 2}


def decimals(name: str) -> int:
    """Decimals of a figure's row: GiB and ratios two, counts none, seconds one."""
    return DECIMALS.get(name, 2 if name.endswith("GiB") else 1)


@dataclass
class Timing:
    wall: float
    steps: dict[str, float] = field(default_factory=dict)
    # Other measurements of the run, by name: reported in this order after the steps.
    figures: dict[str, float] = field(default_factory=dict)

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

    def __init__(self, checkout: Checkout, transactions: int | None = None, data: Path | None = None) -> None:
        """`data`: a data directory a run left, kept as it is (not removed with the home)."""
        self.checkout = checkout
        self.root = Path(tempfile.mkdtemp(prefix="banking_dw_bench_"))
        self.data = data or self.root / "data"
        self.env = {
            **os.environ,
            "BANKING_DW_DATA_DIR": str(self.data),
            "DAGSTER_HOME": str(self.root / "dagster"),
            "PATH": f"{checkout.bin}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        if transactions:
            self.env["BANKING_DW_TRANSACTIONS_PER_DAY"] = str(transactions)
        try:
            (self.root / "measure.py").write_text(MEASURE)
            (self.root / "dagster").mkdir(parents=True)
            shutil.copy(checkout.root / "deploy" / "dagster.yaml", self.root / "dagster" / "dagster.yaml")
            dbt_parse = [str(checkout.bin / "dbt"), "parse", "--quiet", "--profiles-dir", "."]
            run_or_exit(dbt_parse, checkout.root / "dbt_project", self.env)
        except BaseException:  # run_or_exit's exit included: no temp folder left behind
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def materialize(
        self, first: str, last: str | None = None, *, memory: bool = False, checks: bool = False, select: str = "*"
    ) -> Timing:
        """`select` (the whole graph by default) for first...last (one day without `last`); `memory`
        and `checks` add those figures."""
        command = [str(self.checkout.bin / "dagster"), "asset", "materialize", "-m", "banking_dw.definitions"]
        command += ["--select", select, "--partition-range", f"{first}...{last or first}"]
        completed = run_or_exit(
            [str(self.checkout.bin / "python"), str(self.root / "measure.py"), *command], self.checkout.root, self.env
        )
        measured = json.loads(MEASURED.findall(completed.stdout)[-1])
        timing = Timing(measured["wall"], measured["steps"])
        if memory:
            timing.figures[PEAK_MEMORY] = measured["maxrss_kib"] / 2**20
        if checks:
            timing.figures[CHECKS_PASSED] = measured["passed"]
            timing.figures[CHECKS_FAILED] = measured["failed"]
        return timing

    def sizes(self) -> dict[str, float]:
        """GiB on disk (the files' allocated blocks) of the lake, the raw files and the warehouse."""
        parts = {
            "`lake` folder on disk, GiB": [self.data / "lake"],
            "`raw` folder on disk, GiB": [self.data / "raw"],
            "`warehouse.duckdb*` on disk, GiB": list(self.data.glob("warehouse.duckdb*")),
        }
        return {name: sum(disk_bytes(path) for path in paths) / 2**30 for name, paths in parts.items()}

    def __enter__(self) -> Home:
        return self

    def __exit__(self, *exc_info: object) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def disk_bytes(path: Path) -> int:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_blocks * 512 for p in files)


def run_or_exit(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run `command`, capturing its output; exit with its end when it fails."""
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    return completed


# Scenarios: each a function of a checkout, returning its runs' timings by report label.

WEEK = "7 days, whole graph, default scale (the `make run` step)"


def week(checkout: Checkout) -> dict[str, Timing]:
    with Home(checkout) as home:
        return {WEEK: home.materialize("2024-01-01", "2024-01-07")}


def week_and_day(checkout: Checkout) -> dict[str, Timing]:
    with Home(checkout) as home:
        return {
            WEEK: home.materialize("2024-01-01", "2024-01-07"),
            "one more day: 2024-01-08 after 7 days": home.materialize("2024-01-08"),
        }


def year(checkout: Checkout) -> dict[str, Timing]:
    with Home(checkout) as home:
        return {
            "365 days in one run, whole graph, default scale": home.materialize("2024-01-01", "2024-12-31"),
            "one more day: 2025-01-01 after 365 days": home.materialize("2025-01-01"),
        }


def one_day_at(transactions: int) -> Callable[[Checkout], dict[str, Timing]]:
    def scenario(checkout: Checkout) -> dict[str, Timing]:
        with Home(checkout, transactions) as home:
            timing = home.materialize("2024-03-15", memory=True)
        return {f"one day (2024-03-15) at {transactions:,} transactions, whole graph": timing}

    return scenario


def month(checkout: Checkout) -> dict[str, Timing]:
    with Home(checkout, 1_000_000) as home:
        thirty = home.materialize("2024-03-01", "2024-03-30", memory=True, checks=True)
        thirty.figures.update(home.sizes())
        day_31 = home.materialize("2024-03-31")
    with Home(checkout, 1_000_000) as home:
        home.materialize("2024-03-01")
        day_2 = home.materialize("2024-03-02")
    day_31.figures[DAY_31_OVER_DAY_2] = day_31.wall / day_2.wall
    return {
        "30 days at 1,000,000 transactions a day in one run (2024-03-01...2024-03-30), whole graph": thirty,
        "day 31 (2024-03-31) on top of the 30": day_31,
        "day 2 (2024-03-02) on top of day 1, in a fresh home": day_2,
    }


def small_month(checkout: Checkout) -> dict[str, Timing]:
    with Home(checkout) as home:
        return {
            "30 days at default scale in one run (2024-03-01...2024-03-30), whole graph": home.materialize(
                "2024-03-01", "2024-03-30"
            ),
            "day 31 (2024-03-31) on top of the 30, default scale": home.materialize("2024-03-31"),
        }


SCENARIOS: dict[str, Callable[[Checkout], dict[str, Timing]]] = {
    "week": week,
    "day": week_and_day,
    "year": year,
    "million": one_day_at(1_000_000),
    "month": month,
    "ten-million": one_day_at(10_000_000),
    "small-month": small_month,
}


def scenario_names(text: str) -> list[str]:
    names = {name.strip() for name in text.split(",") if name.strip()}
    if unknown := names - SCENARIOS.keys():
        raise argparse.ArgumentTypeError(
            f"unknown scenario(s) {', '.join(sorted(unknown))}; use {', '.join(SCENARIOS)}"
        )
    return [name for name in SCENARIOS if name in names]


def row(label: str, values: list[float], places: int = 1) -> str:
    shown = ", ".join(f"{v:.{places}f}" for v in values)
    return f"| {label} | {statistics.median(values):.{places}f} | {shown} |"


def report(label: str, timings: list[Timing]) -> None:
    print(row(label, [t.wall for t in timings]))
    for step in timings[0].steps:
        print(row(f"&nbsp;&nbsp;`{step}`", [t.steps.get(step, float("nan")) for t in timings]))
    print(row("&nbsp;&nbsp;outside the steps", [t.outside_steps for t in timings]))
    for name in timings[0].figures:
        print(row(f"&nbsp;&nbsp;{name}", [t.figures[name] for t in timings], decimals(name)))


def headline(timings: list[Timing]) -> dict[str, float]:
    """The medians a comparison compares: the wall time, s, and every figure."""
    values = {"wall time, s": [t.wall for t in timings]}
    values |= {name: [t.figures[name] for t in timings] for name in timings[0].figures}
    return {name: statistics.median(runs) for name, runs in values.items()}


def report_ratios(revision: str, label: str, theirs: list[Timing], ours: list[Timing]) -> None:
    """A row per headline figure: this checkout's median over `revision`'s, then the two medians."""
    before, after = headline(theirs), headline(ours)
    for name in (name for name in after if name in before):
        ratio = f"{after[name] / before[name]:.2f}" if before[name] else "n/a"
        places = decimals(name)
        print(
            f"| this / {revision}, {label}: {name} | {ratio} | {after[name]:.{places}f} / {before[name]:.{places}f} |"
        )


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


def short_hash(revision: str) -> str:
    return run_or_exit(["git", "rev-parse", "--short", f"{revision}^{{commit}}"], ROOT, dict(os.environ)).stdout.strip()


def run(name: str, repeats: int, sides: dict[str, Checkout]) -> None:
    """Scenario `name`, `repeats` times on every side in turn (REV's first); prints each side's rows.

    `sides` names each checkout as its rows say it: {"": HERE} alone, or {"`REV`": REV's, "this
    checkout": HERE} to compare, with a row per headline figure for the ratio of the two.
    """
    runs = [{side: SCENARIOS[name](checkout) for side, checkout in sides.items()} for _ in range(repeats)]
    for label in runs[0][list(sides)[-1]]:
        by_side = {side: [timings[side][label] for timings in runs] for side in sides}
        for side, timings in by_side.items():
            report(f"{label}: {side}" if side else label, timings)
        if len(sides) == 2:
            (revision, theirs), (_, ours) = by_side.items()
            report_ratios(revision, label, theirs, ours)
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--scenarios",
        type=scenario_names,
        default=["week", "day", "year", "million"],
        help=f"comma-separated, of {', '.join(SCENARIOS)} (default: week,day,year,million)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--year-repeats", type=int, help="repeats of the 365-day run (default: --repeats)")
    parser.add_argument("--skip-year", action="store_true", help="leave out the year scenario")
    parser.add_argument("--skip-million", action="store_true", help="leave out the million scenario")
    parser.add_argument("--against", metavar="REV", help="run the same scenarios of git revision REV, alternately")
    args = parser.parse_args()
    skipped = {"week"} if "day" in args.scenarios else set()  # the day scenario runs the week first
    skipped |= {"year"} if args.skip_year else set()
    skipped |= {"million"} if args.skip_million else set()
    names = [name for name in args.scenarios if name not in skipped]
    repeats = {name: args.repeats for name in names} | {"year": args.year_repeats or args.repeats}

    dirty = run_or_exit(["git", "status", "--porcelain"], ROOT, dict(os.environ)).stdout
    header = f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; this checkout: {short_hash('HEAD')}"
    header += " with uncommitted changes" if dirty else ""
    header += f"; against `{args.against}`: {short_hash(args.against)}" if args.against else ""
    print(f"{header}\nmachine: {os.cpu_count()} cores; scenarios: {', '.join(names)}; repeats: {args.repeats}\n")
    print("| measurement | median (s unless named) | runs |\n|---|---|---|")
    sys.stdout.flush()
    with revision_checkout(args.against) if args.against else nullcontext() as other:
        sides = {f"`{args.against}`": other, "this checkout": HERE} if other else {"": HERE}
        for name in names:
            run(name, repeats[name], sides)


if __name__ == "__main__":
    main()
