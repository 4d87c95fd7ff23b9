"""The catalog the bronze step registers the landed tables in, as every target's catalog offers it.

Assets and checks annotate with `CatalogResource`; each target injects its own subclass
(banking_dw/targets/): DuckDB views over the local lake (banking_dw/bronze/duckdb_views.py), or
Glue tables over the bucket (banking_dw/bronze/glue.py). Either shows a day only once the day's
manifest names the table, so a day becomes visible all at once (banking_dw/landing/resources.py).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import dagster as dg

from banking_dw.contracts import TableContract
from banking_dw.landing.resources import LakeResource


@dataclass(frozen=True)
class CatalogTable:
    """What the catalog shows of one table over a window, read once: its columns (`dt` included;
    empty when it has no such table), the days it shows, and the rows it reads per day."""

    columns: tuple[str, ...]
    partitions: frozenset[date]
    row_counts: Mapping[date, int]


class CatalogResource(dg.ConfigurableResource):
    """What the bronze step and its checks need from a catalog; assets annotate with this base
    class and the target's subclass is injected."""

    @abstractmethod
    def kind(self) -> str:
        """What the UI shows the bronze tables as (duckdb, glue)."""

    @abstractmethod
    def table_uri(self, table: TableContract) -> str:
        """Where an engineer finds the bronze table: the warehouse's view or the catalog's table."""

    @abstractmethod
    def register(self, tables: list[TableContract], days: list[date]) -> None:
        """Create or update each table from its contract and make the published `days` readable;
        dg.Failure naming each table and day the lake has not published."""

    @abstractmethod
    def columns(self, table: TableContract) -> tuple[str, ...]:
        """The columns as the catalog has them, `dt` included; () when it has no such table."""

    @abstractmethod
    def partitions(self, table: TableContract, days: list[date]) -> set[date]:
        """Which of `days` the catalog shows."""

    @abstractmethod
    def row_counts(self, table: TableContract, days: list[date]) -> dict[date, int]:
        """Rows readable per day (0 for a day it does not show)."""

    def shown(self, tables: list[TableContract], days: list[date]) -> dict[str, CatalogTable]:
        """Each table as the catalog shows it over `days`, by name: read once for the step's row
        counts and its checks, since counting reads every object of the window."""
        return {
            table.name: CatalogTable(
                self.columns(table), frozenset(self.partitions(table, days)), self.row_counts(table, days)
            )
            for table in tables
        }


def require_published(lake: LakeResource, tables: list[TableContract], days: list[date]) -> None:
    """Fail naming each table and day the lake has not published: a catalog shows only whole days."""
    manifests = [lake.manifest(day) for day in days]
    for table in tables:
        unpublished = [m.day.isoformat() for m in manifests if table.name not in m.tables]
        if unpublished:
            raise dg.Failure(
                f"bronze: {table.name} is not published in the lake for {', '.join(unpublished)}; land it first"
            )
