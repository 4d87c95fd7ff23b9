"""A crashed CLI run heals: the next run of that day proceeds with no manual step and gives clean gold.

The run is killed with SIGKILL, as a crash or an OOM kill would end it: no cleanup code runs in the
dagster process, and a child it started (dbt) may outlive it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from banking_dw import settings

from .live_dagster import (
    CODE_LOCATION_MODULE,
    VENV_BIN,
    descendants,
    gold_digest,
    initialise_storage,
    log_tail,
    open_instance,
    start_process,
    stop_process,
    user_environment,
    write_instance_yaml,
)
from .support import share_masking_key

pytestmark = pytest.mark.slow

STEP_START_TIMEOUT_SECONDS = 300.0
# A healed rerun takes about as long as a clean one; one that waits on the crashed run never ends.
RERUN_TIMEOUT_SECONDS = 300.0


def materialize_command(first: str, last: str) -> list[str]:
    """What `make run` runs, for a window."""
    return [
        str(VENV_BIN / "dagster"),
        "asset",
        "materialize",
        "-m",
        CODE_LOCATION_MODULE,
        "--select",
        "*",
        "--partition-range",
        f"{first}...{last}",
    ]


def started_steps(instance: dg.DagsterInstance) -> list[str]:
    return [
        record.step_key or ""
        for run in instance.get_runs()
        for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START)
    ]


def wait_for_step(instance: dg.DagsterInstance, process: subprocess.Popen, step_part: str, log: Path) -> str:
    deadline = time.monotonic() + STEP_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        matching = [s for s in started_steps(instance) if step_part in s]
        if matching:
            return matching[0]
        assert process.poll() is None, f"run ended ({process.returncode}) before a {step_part} step:\n{log_tail(log)}"
        time.sleep(0.5)
    raise TimeoutError(f"no step containing {step_part!r} started; started: {started_steps(instance)}")


def let_the_step_get_going(pid: int, seconds: float = 3.0) -> None:
    """Kill while the step works: once it has a child (dbt), or after a short moment if it has none."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not descendants(pid):
        time.sleep(0.1)
    time.sleep(1.0)


def finished_steps(instance: dg.DagsterInstance) -> set[str]:
    ends = (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)
    return {
        record.step_key or ""
        for run in instance.get_runs()
        for event_type in ends
        for record in instance.all_logs(run.run_id, of_type=event_type)
    }


def kill_survivors(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def crash_site(tmp_path, built) -> Iterator[tuple[Path, Path, dict[str, str], set[int]]]:
    """(DAGSTER_HOME, data dir, env, pids to clean up) with the repository's instance settings, and
    `built`'s masking key beside the warehouse, so the gold a run builds here can equal `built`'s."""
    dagster_home, data_dir = tmp_path / "dagster_home", tmp_path / "data"
    share_masking_key(built[0], data_dir)
    write_instance_yaml(dagster_home)
    initialise_storage(dagster_home)
    leftovers: set[int] = set()
    yield dagster_home, data_dir, user_environment(dagster_home, data_dir), leftovers
    kill_survivors(leftovers)


# Killed during dbt, the step that leaves a child behind; a writer killed with no child (bronze)
# frees the warehouse lock as well (test_warehouse_lock.py).
def test_a_run_killed_during_dbt_heals_on_the_next_run(crash_site, built, window, tmp_path):
    dagster_home, data_dir, env, leftovers = crash_site
    step_part = "dbt"
    first_log, second_log = tmp_path / "killed_run.log", tmp_path / "rerun.log"

    crashed = start_process(materialize_command(*window), env, first_log, settings.repository_root())
    try:
        with open_instance(dagster_home) as instance:
            step = wait_for_step(instance, crashed, step_part, first_log)
            let_the_step_get_going(crashed.pid)
            leftovers.update(descendants(crashed.pid))
            os.kill(crashed.pid, signal.SIGKILL)
            crashed.wait(timeout=30)
            assert step not in finished_steps(instance), f"{step} ended before the kill; nothing was crashed"
    finally:
        stop_process(crashed)
    print(f"\nkilled the run during {step}; children left running: {len(leftovers)}")

    started = time.monotonic()
    rerun = start_process(materialize_command(*window), env, second_log, settings.repository_root())
    try:
        returncode = rerun.wait(timeout=RERUN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        returncode = None
    finally:
        stop_process(rerun)
    print(f"rerun ended with {returncode} after {time.monotonic() - started:.1f}s")
    assert returncode == 0, f"the rerun did not finish on its own:\n{log_tail(second_log, 25)}"

    with open_instance(dagster_home) as instance:
        rerun_id = instance.get_runs(limit=1)[0].run_id
        evaluations = [
            record.asset_check_evaluation
            for record in instance.all_logs(rerun_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        ]
    assert evaluations
    assert [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations if not e.passed] == []
    # The same window built undisturbed (conftest's `built`): the crash left nothing behind.
    assert gold_digest(data_dir) == gold_digest(built[0])


def test_two_runs_of_the_same_window_at_once_both_succeed_with_clean_gold(crash_site, built, window, tmp_path):
    """Both generate, land and publish the same days side by side (unique staging, one publisher
    at a time), then take turns at the warehouse; neither sees the other's half-written file."""
    _, data_dir, env, _ = crash_site
    logs = [tmp_path / f"run-{n}.log" for n in (1, 2)]
    runs = [start_process(materialize_command(*window), env, log, settings.repository_root()) for log in logs]
    try:
        returncodes = [run.wait(timeout=2 * RERUN_TIMEOUT_SECONDS) for run in runs]
    finally:
        for run in runs:
            stop_process(run)
    assert returncodes == [0, 0], "\n".join(log_tail(log, 25) for log in logs)
    assert gold_digest(data_dir) == gold_digest(built[0])
    assert gold_digest(data_dir, "dev_reports") == gold_digest(built[0], "dev_reports")
