"""The Dagster instance's event log for `make run` and `make dev`: one SQLite database, pooled.

Dagster's consolidated SQLite event log builds a new SQLAlchemy engine and opens a new SQLite
connection for every write, and a run writes one event per asset, partition and check: thousands
for a week. This storage keeps one engine with a connection pool per process instead, remembers
the tables and columns it has seen instead of asking SQLite for each event, writes a batch of
events (a run's planned events, an output's materialisations of several days) in one transaction,
and lets WAL mode sync at its checkpoints instead of at every commit (the cost per event:
docs/benchmarks.md). Everything else, the schema, WAL mode and the UI's file watcher, is Dagster's
own.

One of the two modules that import Dagster's private API (with banking_dw/check_days.py): Dagster exposes no public base class for
instance storage, and the one it documents for this file is configured by module and class name,
so this module subclasses it from where it lives. banking_dw_tests/test_event_log.py fails when
an upgrade moves or changes what it overrides.
"""

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy
from dagster import EventLogEntry
from dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log import (
    ConsolidatedSqliteEventLogStorage,
)
from sqlalchemy.engine import Connection, Engine

# Dagster's own wait for a busy SQLite database (another process writing).
BUSY_TIMEOUT_SECONDS = 30
# Dagster hands a storage its batches only when this variable is set (it reads it at each event).
# A batch holds SQLite's write lock while it is written: a run's planned events are the largest,
# about 1,200 for a week, written in under a second before the run's first step.
EVENT_BATCH_SIZE_VARIABLE = "DAGSTER_EVENT_BATCH_SIZE"
EVENT_BATCH_SIZE = "1000"


class PooledSqliteEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """Every run's events in one SQLite database, written through one pooled engine per process."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engine: Engine | None = None
        self._engine_pid: int | None = None
        self._engine_lock = threading.Lock()
        self._tables_seen: set[str] = set()
        self._asset_key_columns_seen: set[str] = set()
        self._batch = threading.local()
        super().__init__(base_dir, inst_data=inst_data)
        # Every process that loads this instance batches; a size the user set is kept.
        os.environ.setdefault(EVENT_BATCH_SIZE_VARIABLE, EVENT_BATCH_SIZE)

    def _pooled_engine(self) -> Engine:
        # A forked child must not share its parent's open SQLite connections: it builds its own.
        with self._engine_lock:
            if self._engine is None or self._engine_pid != os.getpid():
                self._engine = sqlalchemy.create_engine(
                    self._conn_string, connect_args={"timeout": BUSY_TIMEOUT_SECONDS}
                )
                sqlalchemy.event.listen(self._engine, "connect", _sync_at_checkpoints)
                self._engine_pid = os.getpid()
            return self._engine

    @contextmanager
    def _pooled_connection(self) -> Iterator[Connection]:
        # Within a batch, every statement of every event joins the batch's transaction.
        batch = getattr(self._batch, "connection", None)
        if batch is not None:
            yield batch
            return
        with self._pooled_engine().connect() as conn, conn.begin():
            yield conn

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Each event as `store_event` writes it, all in one transaction: one commit, not one per
        statement of each event. Should it fail, nothing is written and Dagster stores the events
        one by one."""
        with self._pooled_connection() as conn:
            self._batch.connection = conn
            try:
                for event in events:
                    self.store_event(event)
            finally:
                self._batch.connection = None

    def run_connection(self, run_id: str | None):
        return self._pooled_connection()

    def index_connection(self):
        return self._pooled_connection()

    def has_table(self, table_name: str) -> bool:
        # Asked on every asset and check event. Tables are only ever added (by a migration), so a
        # table seen once is there for the rest of the process.
        if table_name not in self._tables_seen:
            with self._pooled_engine().connect() as conn:
                if conn.dialect.has_table(conn, table_name):
                    self._tables_seen.add(table_name)
        return table_name in self._tables_seen

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        # Asked on every asset event, by reading the table's schema: as with has_table, a column
        # is only ever added, so one seen is there for the rest of the process.
        if column_name not in self._asset_key_columns_seen and super()._has_asset_key_col_on_connection(
            conn, column_name
        ):
            self._asset_key_columns_seen.add(column_name)
        return column_name in self._asset_key_columns_seen

    def dispose(self) -> None:
        super().dispose()
        with self._engine_lock:
            if self._engine is not None and self._engine_pid == os.getpid():
                self._engine.dispose()
            self._engine = None


def _sync_at_checkpoints(dbapi_connection, _connection_record) -> None:
    # In WAL mode, NORMAL cannot corrupt the database; a power cut may lose the last commits, which
    # for a local instance is a run to re-launch, against an fsync on every event.
    dbapi_connection.execute("pragma synchronous = normal")
