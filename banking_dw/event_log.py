"""The Dagster instance's event log for `make run` and `make dev`: one SQLite database, pooled.

Dagster's consolidated SQLite event log builds a new SQLAlchemy engine and opens a new SQLite
connection for every write, and a run writes one event per asset, partition and check: thousands
for a week. This storage keeps one engine with a connection pool per process instead, remembers
the tables and columns it has seen instead of asking SQLite for each event, writes a batch of
events (a run's planned events, an output's materialisations of several days) in one transaction,
writes the events a run writes most (its check evaluations, about 2,000 a week: each check, each
day; its materialisations and planned ones) through statements built once, each event in one
transaction, and lets WAL mode sync at its checkpoints instead of at every commit (the cost per
event: docs/benchmarks.md). Everything else, the schema, WAL mode and the UI's file
watcher, is Dagster's own.

One of the two modules that import Dagster's private API (with banking_dw/check_days.py): Dagster exposes no public base class for
instance storage, and the one it documents for this file is configured by module and class name,
so this module subclasses it from where it lives. banking_dw_tests/test_event_log.py fails when
an upgrade moves or changes what it overrides.
"""

import functools
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy
from dagster import DagsterEventType, DagsterInvariantViolationError, EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import (
    AssetCheckExecutionsTable,
    AssetKeyTable,
    SqlEventLogStorageTable,
)
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
# The asset events whose every write is restated here (the others are Dagster's own).
INDEXED_ASSET_EVENTS = (DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_MATERIALIZATION_PLANNED)


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

    def store_event(self, event: EventLogEntry) -> None:
        event_type = event.dagster_event_type
        if event_type == DagsterEventType.ASSET_CHECK_EVALUATION and event.run_id:
            self._store_check_evaluation(event)
        elif event_type in INDEXED_ASSET_EVENTS and event.get_dagster_event().asset_key:
            self._store_asset_event_and_index(event)
        else:
            super().store_event(event)

    def _store_asset_event_and_index(self, event: EventLogEntry) -> None:
        """What Dagster's `store_event` writes for a materialisation or a planned one: the event's
        row, its tags, and the asset's row in the index (its last run, and last materialisation),
        in one transaction. Dagster tries to insert the asset's row, which exists for every event
        but an asset's first, and updates it when the insert fails; here the update comes first,
        through a statement built once, and the insert only where it updated nothing."""
        row = self._event_to_row(event)
        asset_key = event.get_dagster_event().asset_key.to_string()
        with self._pooled_connection() as conn:
            event_id = conn.execute(SqlEventLogStorageTable.insert(), row).inserted_primary_key[0]
            self._store_asset_event_tags(conn, [event], [event_id])
            values = self._get_asset_entry_values(event, event_id, self._has_asset_key_index_cols_on_connection(conn))
            if not values:
                return
            update = _asset_index_update(tuple(sorted(values)))
            if conn.execute(update, {"indexed_asset_key": asset_key, **values}).rowcount == 0:
                conn.execute(AssetKeyTable.insert(), {"asset_key": asset_key, **values})

    def _store_check_evaluation(self, event: EventLogEntry) -> None:
        """What Dagster's `store_event` writes for a run's check evaluation: the event's row, then
        its check execution, the row its planned event made, updated (inserted if none), in one
        transaction. Dagster builds both statements anew for each evaluation, with every value a
        literal (half of the cost of the event), and serialises the event once for each."""
        row = self._event_to_row(event)
        evaluation = event.get_dagster_event().event_specific_data
        target = evaluation.target_materialization_data
        execution = {
            "execution_status": (
                AssetCheckExecutionRecordStatus.SUCCEEDED
                if evaluation.passed
                else AssetCheckExecutionRecordStatus.FAILED
            ).value,
            "evaluation_event": row["event"],
            "evaluation_event_timestamp": row["timestamp"],
            "materialization_event_storage_id": target.storage_id if target else None,
            "partition": evaluation.partition,
        }
        planned = {
            "planned_asset_key": evaluation.asset_key.to_string(),
            "planned_check_name": evaluation.check_name,
            "planned_run_id": event.run_id,
            "planned_partition": evaluation.partition,
        }
        with self._pooled_connection() as conn:
            event_id = conn.execute(SqlEventLogStorageTable.insert(), row).inserted_primary_key[0]
            execution["evaluation_event_storage_id"] = event_id
            update = _planned_execution_update(evaluation.partition is not None)
            updated = conn.execute(update, {**planned, **execution}).rowcount
            if updated == 0:
                # No planned event to update (Dagster's own case: a step launched outside the run).
                conn.execute(
                    AssetCheckExecutionsTable.insert(),
                    {
                        "asset_key": planned["planned_asset_key"],
                        "check_name": evaluation.check_name,
                        "run_id": event.run_id,
                        **execution,
                    },
                )
        if updated > 1:
            raise DagsterInvariantViolationError(
                f"Updated {updated} rows for asset check evaluation {evaluation.asset_check_key}"
                " as a result of duplicate AssetCheckPlanned events."
            )

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


@functools.cache
def _planned_execution_update(partitioned: bool) -> sqlalchemy.Update:
    """The check execution its planned event made (asset, check, run and day name one), given its
    evaluation; values are bound at execution, so SQLAlchemy compiles it once."""
    table = AssetCheckExecutionsTable.c
    partition = (
        table.partition == sqlalchemy.bindparam("planned_partition") if partitioned else table.partition.is_(None)
    )
    return (
        AssetCheckExecutionsTable.update()
        .where(
            table.asset_key == sqlalchemy.bindparam("planned_asset_key"),
            table.check_name == sqlalchemy.bindparam("planned_check_name"),
            table.run_id == sqlalchemy.bindparam("planned_run_id"),
            partition,
        )
        .values(
            {
                column: sqlalchemy.bindparam(column)
                for column in (
                    "execution_status",
                    "evaluation_event",
                    "evaluation_event_timestamp",
                    "evaluation_event_storage_id",
                    "materialization_event_storage_id",
                    "partition",
                )
            }
        )
    )


@functools.cache
def _asset_index_update(columns: tuple[str, ...]) -> sqlalchemy.Update:
    """The asset's row in the index, its `columns` set; values bound at execution."""
    return (
        AssetKeyTable.update()
        .where(AssetKeyTable.c.asset_key == sqlalchemy.bindparam("indexed_asset_key"))
        .values({column: sqlalchemy.bindparam(column) for column in columns})
    )


def _sync_at_checkpoints(dbapi_connection, _connection_record) -> None:
    # In WAL mode, NORMAL cannot corrupt the database; a power cut may lose the last commits, which
    # for a local instance is a run to re-launch, against an fsync on every event.
    dbapi_connection.execute("pragma synchronous = normal")
