"""The catalog the crawl step writes: locally, DuckDB views over the lake (Glue plugs in here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg

from banking_dw import settings
from banking_dw.contracts import TableContract
from banking_dw.landing.resources import LocalLake
from banking_dw.warehouse import DuckDBWarehouse

BRONZE_SCHEMA = "dev_bronze"


@dataclass(frozen=True)
class CatalogTable:
    name: str
    columns: tuple[str, ...]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def bronze_view_sql(table: TableContract, lake_table_root: str) -> str:
    """A view of the table's objects with every contract column as text.

    Like Glue's OpenCSVSerde, bronze never rejects a value: short rows are padded with nulls,
    surplus fields ignored and values kept as text, so one bad row cannot make the table
    unreadable; silver judges and quarantines it. `parallel=false` because DuckDB's parallel
    scanner cannot pad rows when quoted values hold newlines.
    """
    columns = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in table.column_names)
    pattern = f"{lake_table_root}/dt=*/*.csv" if table.partitioned else f"{lake_table_root}/*.csv"
    hive = ", hive_partitioning=true, hive_types={'dt': 'DATE'}" if table.partitioned else ", hive_partitioning=false"
    return (
        f'create or replace view {BRONZE_SCHEMA}."{table.name}" as select * from read_csv('
        f"{_literal(pattern)}, auto_detect=false, header=true, delim=',', quote='\"', escape='\"',"
        f" columns={{{columns}}}, null_padding=true, strict_mode=false, parallel=false{hive})"
    )


class LocalCatalog(dg.ConfigurableResource):
    """Crawls the local lake into `dev_bronze` views of the warehouse."""

    warehouse: DuckDBWarehouse
    lake: LocalLake

    def crawl(self, tables: list[TableContract]) -> dict[str, CatalogTable]:
        if not tables:
            return {}
        with self.warehouse.connect() as connection:
            connection.execute(f"create schema if not exists {BRONZE_SCHEMA}")
            for table in tables:
                root = self.lake.local_path(f"{settings.LAKE_PREFIX}/{table.name}")
                if not any(root.rglob("*.csv")):
                    raise FileNotFoundError(
                        f"crawl found no objects for {table.name} under {root}; land it first"
                    )
                connection.execute(bronze_view_sql(table, root.as_posix()))
        return self.describe(tables)

    def describe(self, tables: list[TableContract]) -> dict[str, CatalogTable]:
        """The tables as the catalog has them now (no columns for a table it does not have)."""
        if not tables:
            return {}
        if not self.warehouse.database_path().is_file():
            return {t.name: CatalogTable(t.name, ()) for t in tables}
        with self.warehouse.connect(read_only=True) as connection:
            rows = connection.execute(
                "select table_name, column_name from information_schema.columns"
                " where table_schema = ? order by table_name, ordinal_position",
                [BRONZE_SCHEMA],
            ).fetchall()
        columns: dict[str, list[str]] = {}
        for table_name, column_name in rows:
            columns.setdefault(table_name, []).append(column_name)
        return {t.name: CatalogTable(t.name, tuple(columns.get(t.name, ()))) for t in tables}

    def row_counts(self, table: TableContract, days: list[date | None]) -> dict[date | None, int]:
        """Rows visible per day; the `dt` filter prunes to the window's objects, so the cost
        does not grow with history."""
        with self.warehouse.connect(read_only=True) as connection:
            if not table.partitioned:
                count = connection.execute(f'select count(*) from {BRONZE_SCHEMA}."{table.name}"').fetchone()[0]
                return {None: count}
            rows = connection.execute(
                f'select dt, count(*) from {BRONZE_SCHEMA}."{table.name}"'
                " where dt >= ? and dt < ? group by dt",
                [min(days), max(days) + timedelta(days=1)],
            ).fetchall()
        counts = dict(rows)
        return {day: counts.get(day, 0) for day in days}
