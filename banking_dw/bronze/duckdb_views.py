"""The local target's catalog: `dev_bronze` views in the DuckDB warehouse over the local lake.

A view reads a table's objects through paths relative to the lake (resolved by DuckDB's
`file_search_path`, which every connection to the warehouse sets), so a moved or restored data
folder reads its own lake; and it shows a day only once the day's manifest names the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import duckdb

from banking_dw.bronze.resources import CatalogResource, CatalogTable, require_published
from banking_dw.contracts import TableContract
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.landing.resources import LakeResource
from banking_dw.layout import BRONZE, LAKE_PREFIX, MANIFESTS, table_prefix
from banking_dw.settings import layer_schema

_MANIFEST_COLUMNS = (
    "{'day': 'DATE', 'tables': 'STRUCT(\"table\" VARCHAR, \"key\" VARCHAR, \"rows\" BIGINT,"
    " size_bytes BIGINT, md5 VARCHAR)[]'}"
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def published_days_sql(table: TableContract) -> str:
    """The days whose manifest names `table`, read from the lake's manifests."""
    return (
        f"select day from read_json({_literal(f'{LAKE_PREFIX}/{MANIFESTS}/dt=*.json')}, columns={_MANIFEST_COLUMNS})"
        f' where list_contains([entry."table" for entry in tables], {_literal(table.name)})'
    )


def bronze_view_sql(table: TableContract) -> str:
    """A view of the table's published objects, every contract column as text, plus `dt`.

    It reads, of each day the manifest publishes, the one object the manifest names (`object_key`),
    never another file someone left in the day's folder (`only_named_objects` reports those).

    Like Glue's OpenCSVSerde, bronze never rejects a value: short rows are padded with nulls,
    surplus fields ignored and values kept as text, so one bad row cannot make the table
    unreadable; silver judges and quarantines it.
    """
    columns = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in table.column_names)
    return (
        f'create or replace view {layer_schema(BRONZE)}."{table.name}" as select * from read_csv('
        f"{_literal(table_prefix(table.name) + f'dt=*/{table.name}.csv')}, auto_detect=false, header=true, delim=',',"
        f" quote='\"', escape='\"', columns={{{columns}}}, null_padding=true, strict_mode=false,"
        f" hive_partitioning=true, hive_types={{'dt': 'DATE'}}) where dt in ({published_days_sql(table)})"
    )


class LocalCatalog(CatalogResource):
    """`dev_bronze` views of the warehouse over the local lake; a view reads every published day,
    so registering a table once makes each day it is published in readable."""

    warehouse: DuckDBWarehouse
    lake: LakeResource

    def kind(self) -> str:
        return "duckdb"

    def table_uri(self, table: TableContract) -> str:
        return f"duckdb://{self.warehouse.database_path().absolute()}#{layer_schema(BRONZE)}.{table.name}"

    def register(self, tables: list[TableContract], days: list[date]) -> None:
        if not tables:
            return
        require_published(self.lake, tables, days)
        with self.warehouse.connect() as connection:
            connection.execute(f"create schema if not exists {layer_schema(BRONZE)}")
            for table in tables:
                connection.execute(bronze_view_sql(table))

    def columns(self, table: TableContract) -> tuple[str, ...]:
        with self._reading() as connection:
            return _columns(connection, table)

    def partitions(self, table: TableContract, days: list[date]) -> set[date]:
        with self._reading() as connection:
            return _partitions(connection, table, days)

    def row_counts(self, table: TableContract, days: list[date]) -> dict[date, int]:
        with self._reading() as connection:
            return _row_counts(connection, table, days)

    def shown(self, tables: list[TableContract], days: list[date]) -> dict[str, CatalogTable]:
        """Every table through one connection: opening the warehouse reads its whole catalog, tens
        of milliseconds that three questions per table paid each."""
        with self._reading() as connection:
            return {
                table.name: CatalogTable(
                    _columns(connection, table),
                    frozenset(_partitions(connection, table, days)),
                    _row_counts(connection, table, days),
                )
                for table in tables
            }

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A read-only connection to the warehouse, or None before it exists (nothing is shown)."""
        if not self.warehouse.database_path().is_file():
            yield None
            return
        with self.warehouse.connect(read_only=True) as connection:
            yield connection


def _columns(connection: duckdb.DuckDBPyConnection | None, table: TableContract) -> tuple[str, ...]:
    if connection is None:
        return ()
    # DESCRIBE binds this one view; information_schema.columns would bind every view of the
    # warehouse, each a glob over the lake.
    try:
        rows = connection.execute(f'describe {layer_schema(BRONZE)}."{table.name}"').fetchall()
    except duckdb.Error:
        return ()
    return tuple(row[0] for row in rows)


def _partitions(connection: duckdb.DuckDBPyConnection | None, table: TableContract, days: list[date]) -> set[date]:
    if connection is None or not days:
        return set()
    try:
        shown = connection.execute(published_days_sql(table)).fetchall()
    except duckdb.IOException:  # no manifest at all yet
        return set()
    return {day for (day,) in shown} & set(days)


def _row_counts(
    connection: duckdb.DuckDBPyConnection | None, table: TableContract, days: list[date]
) -> dict[date, int]:
    """The `dt` filter prunes to the window's objects, so the cost does not grow with history."""
    if connection is None or not days:
        return {day: 0 for day in days}
    try:
        rows = connection.execute(
            f'select dt, count(*) from {layer_schema(BRONZE)}."{table.name}" where dt >= ? and dt < ? group by dt',
            [min(days), max(days) + timedelta(days=1)],
        ).fetchall()
    except duckdb.Error:
        return {day: 0 for day in days}
    counts = dict(rows)
    return {day: counts.get(day, 0) for day in days}
