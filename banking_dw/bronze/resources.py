"""The catalog the crawl step writes: locally, DuckDB views over the lake (Glue plugs in here)."""

from __future__ import annotations

from abc import abstractmethod
from datetime import date, timedelta
from typing import Protocol

import dagster as dg
import duckdb

from banking_dw import settings
from banking_dw.contracts import TableContract
from banking_dw.landing.resources import LocalLake, object_key
from banking_dw.warehouse import DuckDBWarehouse

BRONZE_SCHEMA = "dev_bronze"


class Catalog(Protocol):
    """What the crawl step and the bronze checks need from a catalog (local views or Glue)."""

    def crawl(self, tables: list[TableContract], days: list[date]) -> None:
        """Create or update each table from its contract and register the days' partitions."""
        ...

    def columns(self, table: TableContract) -> tuple[str, ...]:
        """The columns as the catalog has them, `dt` included; () when it has no such table."""
        ...

    def partitions(self, table: TableContract, days: list[date]) -> set[date]:
        """Which of `days` the catalog can see."""
        ...

    def row_counts(self, table: TableContract, days: list[date]) -> dict[date, int]:
        """Rows readable per day (0 for a day it cannot see)."""
        ...


class CatalogResource(dg.ConfigurableResource):
    """Base of the configurable catalogs: assets annotate with it, any subclass is injected."""

    @abstractmethod
    def crawl(self, tables: list[TableContract], days: list[date]) -> None: ...

    @abstractmethod
    def columns(self, table: TableContract) -> tuple[str, ...]: ...

    @abstractmethod
    def partitions(self, table: TableContract, days: list[date]) -> set[date]: ...

    @abstractmethod
    def row_counts(self, table: TableContract, days: list[date]) -> dict[date, int]: ...


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def bronze_view_sql(table: TableContract, lake_table_root: str) -> str:
    """A view of the table's objects with every contract column as text, plus the `dt` partition.

    Like Glue's OpenCSVSerde, bronze never rejects a value: short rows are padded with nulls,
    surplus fields ignored and values kept as text, so one bad row cannot make the table
    unreadable; silver judges and quarantines it. `parallel=false` because DuckDB's parallel
    scanner cannot pad rows when quoted values hold newlines.
    """
    columns = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in table.column_names)
    return (
        f'create or replace view {BRONZE_SCHEMA}."{table.name}" as select * from read_csv('
        f"{_literal(lake_table_root + '/dt=*/*.csv')}, auto_detect=false, header=true, delim=',',"
        f" quote='\"', escape='\"', columns={{{columns}}}, null_padding=true, strict_mode=false,"
        " parallel=false, hive_partitioning=true, hive_types={'dt': 'DATE'})"
    )


class LocalCatalog(CatalogResource):
    """Crawls the local lake into `dev_bronze` views of the warehouse."""

    warehouse: DuckDBWarehouse
    lake: LocalLake

    def crawl(self, tables: list[TableContract], days: list[date]) -> None:
        if not tables:
            return
        for table in tables:
            missing = [day.isoformat() for day in days if self.lake.stat(object_key(table, day)) is None]
            if missing:
                raise FileNotFoundError(
                    f"crawl found no object for {table.name} on {', '.join(missing)}; land it first"
                )
        with self.warehouse.connect() as connection:
            connection.execute(f"create schema if not exists {BRONZE_SCHEMA}")
            for table in tables:
                # The view globs every dt= folder, so the days are registered by being present.
                root = self.lake.local_path(f"{settings.LAKE_PREFIX}/{table.name}")
                connection.execute(bronze_view_sql(table, root.as_posix()))

    def columns(self, table: TableContract) -> tuple[str, ...]:
        if not self.warehouse.database_path().is_file():
            return ()
        with self.warehouse.connect(read_only=True) as connection:
            # DESCRIBE binds this one view; information_schema.columns would bind every view of
            # the warehouse (each a glob over the lake), a quarter of a second per call.
            try:
                rows = connection.execute(f'describe {BRONZE_SCHEMA}."{table.name}"').fetchall()
            except duckdb.CatalogException:
                return ()
        return tuple(row[0] for row in rows)

    def partitions(self, table: TableContract, days: list[date]) -> set[date]:
        return {day for day, rows in self.row_counts(table, days).items() if rows}

    def row_counts(self, table: TableContract, days: list[date]) -> dict[date, int]:
        """The `dt` filter prunes to the window's objects, so the cost does not grow with history."""
        if not days or not self.warehouse.database_path().is_file():
            return {day: 0 for day in days}
        with self.warehouse.connect(read_only=True) as connection:
            try:
                rows = connection.execute(
                    f'select dt, count(*) from {BRONZE_SCHEMA}."{table.name}" where dt >= ? and dt < ? group by dt',
                    [min(days), max(days) + timedelta(days=1)],
                ).fetchall()
            except duckdb.CatalogException:
                return {day: 0 for day in days}
        counts = dict(rows)
        return {day: counts.get(day, 0) for day in days}
