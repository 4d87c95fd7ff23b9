"""The dbt command line and environment the dbt asset runs with, as small pure functions.

The window reaches dbt through environment variables that the models read only at execution
time (macros/window.sql), never through `--vars`: dbt re-parses the whole project whenever its
vars change, so a new window per run would cost a full parse per run.
"""

from __future__ import annotations

from banking_dw.partitions import DayWindow

# DuckDB (the local target) builds a chunk of at least this many landed rows one model at a time.
# Models built at once share the warehouse's one memory limit, so at this volume each spills more
# to disk than it would alone: a 10M-transaction day (about 20M landed rows) took 104-105 s by hand
# with one thread against 106-127 s with the profile's four, and 180 s of CPU against 190-227 s
# (docs/benchmarks.md). Below it, dbt's own Python per model is most of a build, which four threads
# overlap.
ONE_MODEL_AT_A_TIME_ROWS = 10_000_000
LOCAL_TARGET = "local"

WINDOW_START_ENV = "BANKING_DW_MIN_DATE"
WINDOW_END_ENV = "BANKING_DW_MAX_DATE"
TARGET_ENV = "BANKING_DW_TARGET"


def build_args(threads: int | None = None) -> list[str]:
    """`dbt build`: models, then their data tests, in dependency order; `threads` models at once
    (`build_threads`), or as many as the profile says.

    - dbt's unit tests check the models' logic on fixed inputs, not the day's data: they run in
      `make test` (tests/test_dbt_project.py), not in every production build.
    - The target comes from `target_environment`, not `--target`: dbt's parse state includes the
      command line's target, and `make install`'s `dbt parse` has none, so a `--target` here would
      make the first run parse in full.
    - No dbt log file: dbt formats every event of every node for the file, debug ones included,
      before the file's level drops them, which costs seconds a build (docs/benchmarks.md). Each
      node's result, warnings and errors reach Dagster's run log through dbt's JSON output anyway.
    - No JSON artifacts: dbt writes its 2 MB manifest twice (before the first node and after the
      last), the graph and run_results.json, which nothing here reads, and each write waits for
      every node or holds them all back: 0.4 s a build at 1M (docs/benchmarks.md). Each node's
      compiled SQL is still written, and a failed build's folder keeps it.
    """
    return ["build", "--exclude-resource-type", "unit_test", "--log-level-file", "none", "--no-write-json"] + (
        [] if threads is None else ["--threads", str(threads)]
    )


def build_threads(target: str, landed_rows: int) -> int | None:
    """How many models a chunk of `landed_rows` builds at once: one on DuckDB at volume
    (ONE_MODEL_AT_A_TIME_ROWS), otherwise the profile's number (None). dbt's parse state does not
    include it, so either reuses `make install`'s parse."""
    return 1 if target == LOCAL_TARGET and landed_rows >= ONE_MODEL_AT_A_TIME_ROWS else None


def target_environment(target: str) -> dict[str, str]:
    """The target dbt builds on: profiles.yml names its outputs after the targets (`local`, `aws`)."""
    return {TARGET_ENV: target}


def window_environment(window: DayWindow) -> dict[str, str]:
    """The half-open window [min_date, max_date) as the environment the dbt models read."""
    return {WINDOW_START_ENV: window.start.isoformat(), WINDOW_END_ENV: window.end.isoformat()}
