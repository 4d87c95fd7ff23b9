"""The local target's warehouse: one DuckDB file, one writer at a time.

The writers take turns through an operating-system file lock, which the kernel releases when a
process dies, so a killed run never leaves the warehouse held (a Dagster pool slot would stay
taken); DuckDB's own lock is then awaited too, since a dbt child of a killed run may still write.
"""

from __future__ import annotations

import os
import re
import signal
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from banking_dw import duckdb_analysts, settings
from banking_dw.locks import POLL_SECONDS, file_lock, try_flock, wait_until
from banking_dw.warehouse import AnalystRelation, CopyDifference, CopyPublished, WarehouseResource, WriterLock

# The warehouse lock files this process holds as the writer: its own reads take no reader's lock.
_HELD_FOR_WRITING: set[Path] = set()


def stop_orphaned_writers(holder: str, log: Callable[[str], None], grace_seconds: float = 10.0) -> list[int]:
    """Terminate the writers a killed holder named (`writer_pid=N`) that still run; returns them."""
    stopped = []
    for pid in (int(match) for match in re.findall(r"writer_pid=(\d+)", holder)):
        if not _is_running_dbt(pid):
            continue
        log(f"stopping dbt (pid {pid}) left writing the warehouse by a killed run ({holder.splitlines()[0]})")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while _is_running_dbt(pid) and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        if _is_running_dbt(pid):
            os.kill(pid, signal.SIGKILL)
        stopped.append(pid)
    return stopped


def _is_running_dbt(pid: int) -> bool:
    """Alive and still a dbt process (a recycled pid must never be killed)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return status != "Z" and any(part.endswith(b"dbt") for part in command[:2])


class DuckDBWarehouse(WarehouseResource):
    """The embedded warehouse: one DuckDB file, one writer at a time (see `exclusive_writer`)."""

    path: str | None = None
    # Where the bronze views' relative paths resolve (DuckDB's file_search_path): the local lake.
    lake_root: str | None = None
    lock_timeout_seconds: float = 600.0
    # Analysts' own DuckDB file (default: settings.analysts_path()), see `publish_for_analysts`.
    analysts_path: str | None = None

    def kind(self) -> str:
        return "duckdb"

    def dbt_target(self) -> str:
        return "local"

    def dbt_environment(self) -> dict[str, str]:
        return {
            settings.MASKING_KEY_ENV: self.masking_key(),
            "BANKING_DW_WAREHOUSE_PATH": str(self.database_path()),
            "BANKING_DW_LAKE_PATH": str(self.lake_path()),
            settings.DUCKDB_MEMORY_LIMIT_ENV: settings.duckdb_memory_limit(),
            "BANKING_DW_DUCKDB_SPILL_DIR": str(settings.duckdb_spill_dir()),
        }

    def database_path(self) -> Path:
        return Path(self.path) if self.path else settings.warehouse_path()

    def lake_path(self) -> Path:
        return Path(self.lake_root) if self.lake_root else settings.lake_dir()

    def queries(self, statements: Sequence[str]) -> list[list[tuple[Any, ...]]]:
        if not self.database_path().is_file():
            return [[] for _ in statements]
        with self._between_writers(), self.connect(read_only=True) as connection:
            return [connection.execute(sql).fetchall() for sql in statements]

    @contextmanager
    def _between_writers(self) -> Iterator[None]:
        """A shared hold of the warehouse lock while this process reads, unless it is the writer:
        a check of one run then neither meets another run's dbt in the file nor keeps that dbt out
        of it once its run holds the writer lock (DuckDB admits a writer only alone)."""
        lock_path = self.lock_path()
        if lock_path in _HELD_FOR_WRITING:
            yield
            return
        log = dg.get_dagster_logger().info
        with file_lock(
            lock_path, exclusive=False, what="read the warehouse", log=log, timeout_seconds=self.lock_timeout_seconds
        ):
            yield

    def dbt_parse_state_path(self) -> Path:
        # The file's path is part of dbt's profile: a state parsed for another warehouse file (another
        # data directory, as each test has) would make dbt parse the whole project again.
        return self._beside_database(".dbt_partial_parse.msgpack")

    def masking_key(self) -> str:
        """BANKING_DW_MASKING_KEY, else the key generated once beside the warehouse file (never in it)."""
        return settings.masking_key(self._beside_database(".masking_key"))

    def lock_path(self) -> Path:
        return self._beside_database(".lock")

    def analysts_database_path(self) -> Path:
        return Path(self.analysts_path) if self.analysts_path else settings.analysts_path()

    def publish_for_analysts(self, relations: Sequence[AnalystRelation], log: Callable[[str], None]) -> CopyPublished:
        """DuckDB cannot grant, so the boundary is a file: `relations` (analysts' gold and the
        reports, never the restricted schema) are copied into analysts' own DuckDB file, every day
        and table whose digest differs from the warehouse's, into the version readers do not have
        open, which they are pointed at once it compares equal (banking_dw/duckdb_analysts.py).
        Between writers (the warehouse lock, shared); logs one line of counts."""
        target = self.analysts_database_path()
        with self._between_writers():
            published = duckdb_analysts.publish(self.database_path(), target, relations, log)
        log(published.line(target))
        return published

    def compare_analysts_copy(self, relations: Sequence[AnalystRelation]) -> list[CopyDifference]:
        with self._between_writers():
            return duckdb_analysts.compare(
                self.database_path(), self.analysts_database_path(), relations, dg.get_dagster_logger().info
            )

    def rewrite_after_erasure(self, relations: Sequence[AnalystRelation] | None, log: Callable[[str], None]) -> str:
        """DuckDB keeps a replaced value's old blocks as free space in its file, where any copy or
        backup of the file carries them: the file is written anew (`rewrite_database`), and the
        analysts' file is published from nothing, its other version deleted."""
        rewritten = rewrite_database(self.database_path(), self.lake_path(), log)
        if relations is None:
            return f"{rewritten}; analysts' file not republished: gold is not built yet"
        target = self.analysts_database_path()
        published = duckdb_analysts.publish(self.database_path(), target, relations, log, fresh=True)
        log(published.line(target))
        if published.differences:
            raise RuntimeError(
                f"the analysts' file written anew differs from the warehouse ({published.differences[0]}):"
                " not handed to analysts"
            )
        return f"{rewritten}; analysts' file published anew ({sum(published.tables_by_schema.values())} table(s))"

    def _beside_database(self, suffix: str) -> Path:
        database = self.database_path()
        return database.with_name(database.name + suffix)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        path = self.database_path()
        if not read_only:
            settings.make_private_dirs(path.parent)
        connection = duckdb.connect(str(path), read_only=read_only)
        try:
            connection.execute("set file_search_path = ?", [str(self.lake_path())])
            yield connection
        finally:
            connection.close()
            if not read_only:
                self._make_files_private()

    def _make_files_private(self) -> None:
        """The database and its write-ahead log private (0600), whoever created them (DuckDB or dbt)."""
        for path in (self.database_path(), self._beside_database(".wal")):
            settings.make_private_file(path)

    @contextmanager
    def exclusive_writer(self, run_id: str, log: Callable[[str], None]) -> Iterator[WriterLock]:
        """Hold the warehouse for a whole step: the OS file lock first, then DuckDB's own lock free."""
        lock_path = self.lock_path()
        settings.make_private_dirs(lock_path.parent)
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            wait_until(
                lambda: try_flock(descriptor),
                lambda: f"{lock_path} is held by {_holder(lock_path)}",
                log,
                self.lock_timeout_seconds,
                "write the warehouse",
            )
        except BaseException:
            os.close(descriptor)
            raise
        try:
            # A holder that died without clearing its line was killed; a writer it started may live on.
            stop_orphaned_writers(os.pread(descriptor, 4096, 0).decode(errors="replace"), log)
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"pid={os.getpid()} run_id={run_id}\n".encode(), 0)
            wait_until(
                self._duckdb_lock_free,
                lambda: (
                    f"{self.database_path()} is still locked by another DuckDB process"
                    " (an orphaned dbt of a killed run may be finishing)"
                ),
                log,
                self.lock_timeout_seconds,
                "write the warehouse",
            )
            _HELD_FOR_WRITING.add(lock_path)
            yield WriterLock(descriptor)
        finally:
            _HELD_FOR_WRITING.discard(lock_path)
            self._make_files_private()
            # The holder's line is cleared, then closing the descriptor releases the lock.
            os.ftruncate(descriptor, 0)
            os.close(descriptor)

    def _duckdb_lock_free(self) -> bool:
        try:
            with self.connect():
                return True
        except duckdb.IOException as error:
            if "lock" in str(error).lower():
                return False
            raise


def _holder(lock_path: Path) -> str:
    try:
        return lock_path.read_text().strip() or "a process that has not written its name yet"
    except OSError:
        return "an unknown process"


# The new version of the warehouse, attached to the connection that copies into it.
REWRITTEN = "rewritten_warehouse"


def rewrite_database(path: Path, lake: Path, log: Callable[[str], None]) -> str:
    """Copy every schema, table and view of the DuckDB file at `path` into a new file beside it,
    check that each table kept its rows, and rename the new file over the old one: only blocks
    that hold live data are written, so no value replaced before survives in free space. The caller
    holds the writer lock; a reader with the file open keeps the old version until it reopens.
    Returns what it did, in one line."""
    if not path.is_file():
        return "no warehouse file to rewrite"
    started = time.monotonic()
    for leftover in path.parent.glob(f".{path.name}.*.tmp*"):  # of a rewrite that was killed
        leftover.unlink(missing_ok=True)
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    spill = settings.make_private_dirs(settings.duckdb_spill_dir())
    try:
        connection = duckdb.connect(str(path), config={"memory_limit": settings.duckdb_memory_limit()})
        try:
            connection.execute("set temp_directory = ?", [str(spill)])
            # The bronze views read the lake through paths relative to it.
            connection.execute("set file_search_path = ?", [str(lake)])
            [source] = connection.execute("select current_database()").fetchone()
            connection.execute(f"attach {duckdb_analysts.literal(str(staging))} as {REWRITTEN}")
            connection.execute(f'copy from database "{source}" to {REWRITTEN}')
            tables = _same_rows(connection, source)
            connection.execute(f"detach {REWRITTEN}")
        finally:
            connection.close()
        if path.with_name(path.name + ".wal").exists():
            raise RuntimeError(f"{path} still has a write-ahead log after closing: not rewritten")
        settings.make_private_file(staging)
        duckdb_analysts.fsync(staging)
        before = path.stat().st_size
        os.replace(staging, path)
        duckdb_analysts.fsync(path.parent)
    finally:
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
    seconds = time.monotonic() - started
    line = (
        f"rewritten ({tables} table(s), {before / 1e6:.1f} MB -> {path.stat().st_size / 1e6:.1f} MB in {seconds:.1f} s)"
    )
    log(f"erasure: {path} {line}")
    return line


def _same_rows(connection: duckdb.DuckDBPyConnection, source: str) -> int:
    """The number of tables copied; RuntimeError naming a table whose rows differ in the copy."""
    listed = "select schema_name, table_name from duckdb_tables() where database_name = ? order by all"
    tables = connection.execute(listed, [source]).fetchall()
    if connection.execute(listed, [REWRITTEN]).fetchall() != tables:
        raise RuntimeError("the rewritten warehouse does not have the same tables: not rewritten")
    for schema, table in tables:
        name = f'"{schema}"."{table}"'
        [(ours, theirs)] = connection.execute(
            f'select (select count(*) from "{source}".{name}), (select count(*) from {REWRITTEN}.{name})'
        ).fetchall()
        if ours != theirs:
            raise RuntimeError(f"{schema}.{table} has {theirs} rows in the rewritten warehouse, {ours} before")
    return len(tables)
