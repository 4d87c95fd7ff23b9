"""A check is a gate: a re-delivery that is well formed but wrong fails the run, and nothing that
readers see changes. dbt builds candidates, its tests judge them, and only a build whose tests all
pass publishes them (dbt_project/macros/publish/candidates.sql).

Each case starts from a copy of the clean two-day warehouse (conftest's `built`), re-delivers the
second day's transactions or balances wrong and runs the user's path for that day, then restores
the good file and runs again: the second run heals with no manual step.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from banking_dw import settings
from banking_dw.dbt.invocation import project_target

from .live_dagster import (
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
from .support import copy_data_dir, materialize, query, warehouse_environment
from .test_crash_recovery import (
    RERUN_TIMEOUT_SECONDS,
    STEP_START_TIMEOUT_SECONDS,
    materialize_command,
    wait_for_step,
)
from .test_fault_matrix import USER_PATH, read_lines, unquoted, write_lines

# Builds warehouses with dbt: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow

# Every schema readers see: what a failed run must leave as it was.
PUBLISHED_SCHEMAS = ("dev_silver", "dev_gold", "dev_restricted", "dev_reports", "dev_reports_daily")
FAILING_ROWS = re.compile(r"select \* from (\S+test_failures\S+)")


def published_digest(data_dir: Path) -> dict[str, tuple[int, str]]:
    """schema.table -> (rows, digest of its rows) for every published relation."""
    return {
        f"{schema}.{table}": digest
        for schema in PUBLISHED_SCHEMAS
        for table, digest in gold_digest(data_dir, schema).items()
    }


def transactions_file(data_dir: Path, day: str) -> Path:
    [path] = (data_dir / "raw" / "fact_transactions" / f"dt={day}").glob("*.csv")
    return path


def balances_file(data_dir: Path, day: str) -> Path:
    [path] = (data_dir / "raw" / "fact_daily_balances" / f"dt={day}").glob("*.csv")
    return path


def keep_half(path: Path) -> None:
    header, *rows = read_lines(path)
    write_lines(path, [header, *rows[: len(rows) // 2]])


def double_a_completed_amount(path: Path) -> None:
    """A completed transaction's amount doubled: well formed, and the day's balances no longer close."""
    header, *rows = read_lines(path)
    names = [unquoted(field) for field in header]
    amount, status = names.index("transaction_amount"), names.index("transaction_status")
    row = next(row for row in rows if unquoted(row[status]).lower() == "completed")
    row[amount] = str(float(unquoted(row[amount])) * 2 + 1).encode()
    write_lines(path, [header, *rows])


def open_and_close_an_account_one_higher(path: Path) -> None:
    """An account's day opened and closed one unit higher: the day still adds up, and its
    transactions still match, but it no longer opens at the previous day's close (a day outside
    the run's window)."""
    header, *rows = read_lines(path)
    names = [unquoted(field) for field in header]
    for column in ("opening_balance", "closing_balance"):
        index = names.index(column)
        rows[0][index] = str(Decimal(unquoted(rows[0][index])) + 1).encode()
    write_lines(path, [header, *rows])


def run_day(data_dir: Path, day: str) -> dg.ExecuteInProcessResult:
    with warehouse_environment(data_dir):
        return materialize(USER_PATH, day, raise_on_error=False)


def dbt_failure(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [event for event in result.all_events if event.is_step_failure and event.step_key == "dbt_models"]
    return failure.step_failure_data.error.message


@pytest.mark.parametrize(
    ("delivered", "fault", "failing_test"),
    [
        (transactions_file, keep_half, "balance_credits_and_debits_match_transactions"),
        (transactions_file, double_a_completed_amount, "balance_credits_and_debits_match_transactions"),
        (balances_file, open_and_close_an_account_one_higher, "balance_opens_at_the_previous_close"),
    ],
    ids=["truncated", "unbalanced", "discontinued"],
)
def test_a_wrong_redelivery_fails_the_run_and_changes_nothing_published(
    built,
    window,
    tmp_path,
    delivered: Callable[[Path, str], Path],
    fault: Callable[[Path], None],
    failing_test: str,
):
    _, second = window
    data_dir = copy_data_dir(built[0], tmp_path / "data")
    before = published_digest(data_dir)
    assert before["dev_gold.fact_transaction"][0] > 0 and before["dev_reports.balance_trend"][0] > 0
    path = delivered(data_dir, second)
    good = path.read_bytes()
    fault(path)

    result = run_day(data_dir, second)

    assert not result.success
    message = dbt_failure(result)
    assert "nothing was published" in message and failing_test in message, message
    assert published_digest(data_dir) == before
    # The day is not shown as materialised by this run: readers do not see it.
    assert not [e for e in result.get_asset_materialization_events() if e.asset_key.path[0] == "gold"]
    # The failing candidate rows stay where the failure says.
    [failing_rows] = [sql for sql in FAILING_ROWS.findall(message) if failing_test in sql]
    assert len(query(data_dir, f"select * from {failing_rows}")) > 0

    path.write_bytes(good)
    assert run_day(data_dir, second).success
    assert published_digest(data_dir) == before


def wait_until_gone(pids: list[int], seconds: float = 30.0) -> None:
    """Until every killed process has exited (a dying dbt still holds the warehouse's lock)."""
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still running after SIGKILL: {[p for p in pids if alive(p)]}"
        time.sleep(0.1)


def alive(pid: int) -> bool:
    """A thread of it still running, not only zombies. A killed process's main thread turns zombie
    first, while its other threads (DuckDB's) still exit and hold the process's files, its lock on
    the warehouse too; once they are all zombies, nothing of it holds anything."""
    try:
        threads = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return False
    for thread in threads:
        try:
            if (thread / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                return True
        except (OSError, IndexError):
            continue
    return False


def building_gold(project_target: Path, run_id: str) -> bool:
    """dbt writes each node's SQL as it runs it: gold under way means silver's candidates are built."""
    return any(project_target.glob(f"dbt_models-{run_id[:7]}-*/run/banking_dw/models/gold/*/*.sql"))


def test_a_build_killed_between_models_publishes_nothing_and_the_next_run_of_another_day_is_green(
    built, window, tmp_path
):
    """SIGKILL to the run and its dbt, as a crash ends them, once silver's candidates are built and
    gold's are being built: readers see the state before the run; then a green run of the other day."""
    first, second = window
    dagster_home, data_dir = tmp_path / "dagster_home", copy_data_dir(built[0], tmp_path / "data")
    write_instance_yaml(dagster_home)
    initialise_storage(dagster_home)
    env = user_environment(dagster_home, data_dir)
    before = published_digest(data_dir)
    log = tmp_path / "killed_run.log"
    crashed = start_process(materialize_command(second, second), env, log, settings.repository_root())
    try:
        with open_instance(dagster_home) as instance:
            wait_for_step(instance, crashed, "dbt", log)
            [run] = instance.get_runs(limit=1)
        deadline = time.monotonic() + STEP_START_TIMEOUT_SECONDS
        while not building_gold(project_target(), run.run_id):
            assert crashed.poll() is None and time.monotonic() < deadline, log_tail(log)
            time.sleep(0.05)
        killed = [crashed.pid, *descendants(crashed.pid)]
        for pid in killed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        crashed.wait(timeout=30)
        wait_until_gone(killed)
    finally:
        stop_process(crashed)

    assert published_digest(data_dir) == before

    rerun = start_process(materialize_command(first, first), env, tmp_path / "rerun.log", settings.repository_root())
    try:
        assert rerun.wait(timeout=RERUN_TIMEOUT_SECONDS) == 0, log_tail(tmp_path / "rerun.log")
    finally:
        stop_process(rerun)
    assert published_digest(data_dir) == before
