"""One writer at a time on the DuckDB warehouse, and a killed writer never leaves it held."""

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.locks import LockTimeout

HOLDER = textwrap.dedent(
    """
    import sys, time
    from banking_dw.duckdb_warehouse import DuckDBWarehouse
    with DuckDBWarehouse(path=sys.argv[1]).exclusive_writer("run-one", print):
        print("held", flush=True)
        time.sleep(60)
    """
)


def _start_holder(database: Path) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(database)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_waits_naming_the_holder_then_gives_up(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    holder = _start_holder(database)
    try:
        waiting: list[str] = []
        started = time.monotonic()
        with (
            pytest.raises(LockTimeout) as raised,
            DuckDBWarehouse(path=str(database), lock_timeout_seconds=1.5).exclusive_writer("run-two", waiting.append),
        ):
            pytest.fail("entered while another process held the warehouse")
        assert time.monotonic() - started >= 1.5
        message = str(raised.value)
        assert f"pid={holder.pid} run_id=run-one" in message and str(database) + ".lock" in message
        assert waiting and f"pid={holder.pid}" in waiting[0]
    finally:
        holder.kill()
        holder.wait()


def test_a_sigkilled_holder_frees_the_warehouse_with_no_manual_step(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    holder = _start_holder(database)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    warehouse = DuckDBWarehouse(path=str(database), lock_timeout_seconds=5)
    with warehouse.exclusive_writer("run-two", print):
        assert warehouse.lock_path().read_text() == f"pid={os.getpid()} run_id=run-two\n"
        with warehouse.connect() as connection:
            connection.execute("create table written as select 1 as x")
    assert warehouse.lock_path().read_text() == ""


def test_the_writer_also_waits_for_duckdbs_own_lock(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    # A process writing DuckDB without our file lock, as an orphaned dbt of a killed run would.
    orphan = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(database)!r}); print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert orphan.stdout.readline().strip() == "open"
        waiting: list[str] = []
        with (
            pytest.raises(LockTimeout, match="still locked by another DuckDB process"),
            DuckDBWarehouse(path=str(database), lock_timeout_seconds=1).exclusive_writer("run-two", waiting.append),
        ):
            pytest.fail("entered while DuckDB's file was locked")
        assert waiting
    finally:
        orphan.kill()
        orphan.wait()
    with (
        DuckDBWarehouse(path=str(database), lock_timeout_seconds=5).exclusive_writer("run-two", print),
        duckdb.connect(str(database)) as connection,
    ):
        assert connection.execute("select 1").fetchone() == (1,)


ORPHAN_DBT = textwrap.dedent(
    """
    import duckdb, sys, time
    connection = duckdb.connect(sys.argv[1])
    print("open", flush=True)
    time.sleep(120)
    """
)

HOLDER_WITH_DBT = textwrap.dedent(
    """
    import subprocess, sys, time
    from banking_dw.duckdb_warehouse import DuckDBWarehouse
    database, fake_dbt, orphan_code = sys.argv[1], sys.argv[2], sys.argv[3]
    with DuckDBWarehouse(path=database).exclusive_writer("run-one", print) as lock:
        # As dagster-dbt starts it: `<python> <venv>/bin/dbt ...`, a child writing the warehouse.
        dbt = subprocess.Popen([sys.executable, fake_dbt, database], stdout=subprocess.PIPE, text=True)
        lock.adopt(dbt.pid)
        print(dbt.pid, dbt.stdout.readline().strip(), flush=True)
        time.sleep(120)
    """
)


def test_a_killed_runs_orphaned_dbt_is_stopped_by_the_next_writer(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    fake_dbt = tmp_path / "bin" / "dbt"
    fake_dbt.parent.mkdir()
    fake_dbt.write_text(ORPHAN_DBT)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER_WITH_DBT, str(database), str(fake_dbt), ORPHAN_DBT],
        stdout=subprocess.PIPE,
        text=True,
    )
    orphan_pid, state = holder.stdout.readline().split()
    assert state == "open"
    os.kill(holder.pid, signal.SIGKILL)  # the run dies; its dbt lives on, holding DuckDB's lock
    holder.wait()
    try:
        said: list[str] = []
        started = time.monotonic()
        with DuckDBWarehouse(path=str(database), lock_timeout_seconds=30).exclusive_writer("run-two", said.append):
            pass
        assert time.monotonic() - started < 15, "waited for the orphan instead of stopping it"
        assert any(f"stopping dbt (pid {orphan_pid})" in line and "run_id=run-one" in line for line in said)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(orphan_pid), signal.SIGKILL)
