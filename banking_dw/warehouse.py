"""What the steps need from the warehouse a target builds on, whichever it is.

Assets, checks and the completeness gate annotate with `WarehouseResource`; each target injects
its own subclass (banking_dw/targets/): DuckDB locally (banking_dw/duckdb_warehouse.py), Redshift
on aws (banking_dw/redshift_warehouse.py).
"""

from __future__ import annotations

import os
from abc import abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg


class WriterLock:
    """The held warehouse lock; a step records in it the writer processes it starts (dbt)."""

    def __init__(self, descriptor: int | None) -> None:
        self.descriptor = descriptor

    def adopt(self, pid: int) -> None:
        """Name a child that writes the warehouse, so that if this process is killed, the next
        writer can stop the orphan instead of waiting for it to finish."""
        if self.descriptor is not None:
            end = os.fstat(self.descriptor).st_size
            os.pwrite(self.descriptor, f"writer_pid={pid}\n".encode(), end)


@dataclass(frozen=True)
class AnalystRelation:
    """A table analysts read: a gold model (personal columns masked) or a report, never the
    restricted schema; listed from the dbt manifest (banking_dw/dbt/analysts.py)."""

    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class CopyDifference:
    """Where analysts' copy of a relation differs from the warehouse: one day of a table with a
    `partition_date`, or the table as a whole (`day` None); said in counts, never a value."""

    relation: AnalystRelation
    day: date | None
    reason: str

    def __str__(self) -> str:
        return f"{self.relation}" + ("" if self.day is None else f" on {self.day}") + f" ({self.reason})"


@dataclass
class CopyPublished:
    """What one publish for analysts did, in counts (never a value), and how the new version
    compared with the warehouse, read back from it: `differences` empty, or the publish was not
    handed to readers."""

    version: str
    started_from: str
    tables_by_schema: dict[str, int] = field(default_factory=dict)
    days_repaired: int = 0
    replaced_whole: int = 0
    dropped: int = 0
    differences_found: int = 0
    differences: list[CopyDifference] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            **self.tables_by_schema,
            "differences_found": self.differences_found,
            "days_repaired": self.days_repaired,
            "replaced_whole": self.replaced_whole,
            "dropped": self.dropped,
            "differences_left": len(self.differences),
        }

    def line(self, target: Path) -> str:
        tables = ", ".join(f"{count} in {schema}" for schema, count in sorted(self.tables_by_schema.items()))
        return (
            f"published for analysts to {target} ({self.version}, from {self.started_from}):"
            f" {sum(self.tables_by_schema.values())} tables ({tables}); {self.differences_found} difference(s)"
            f" from the warehouse found, {self.days_repaired} table-day(s) copied again, {self.replaced_whole}"
            f" table(s) replaced whole, {self.dropped} no longer published dropped;"
            + (" equal to the warehouse" if not self.differences else f" {len(self.differences)} still differ")
        )


class WarehouseResource(dg.ConfigurableResource):
    """Base of the warehouses: assets annotate with it, the target's subclass is injected."""

    @abstractmethod
    def kind(self) -> str:
        """What the UI shows the dbt models as (duckdb, redshift)."""

    @abstractmethod
    def dbt_target(self) -> str:
        """The profiles.yml output dbt builds with: the name of the target this warehouse serves."""

    @abstractmethod
    def dbt_environment(self) -> dict[str, str]:
        """Environment variables the dbt profile of this warehouse reads."""

    @abstractmethod
    def exclusive_writer(self, run_id: str, log: Callable[[str], None]) -> AbstractContextManager[WriterLock]:
        """Held by every step that writes what the warehouse reads."""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of a read-only query in SQL every engine accepts (the completeness gate)."""
        [rows] = self.queries([sql])
        return rows

    @abstractmethod
    def queries(self, statements: Sequence[str]) -> list[list[tuple[Any, ...]]]:
        """The rows of each read-only query, in order, through one connection: opening one costs
        more than a small query (DuckDB reads the warehouse's catalog, Redshift shakes hands)."""

    def dbt_parse_state_path(self) -> Path | None:
        """Where dbt's partial-parse state is kept between runs on this warehouse, when not in the
        dbt project's target folder: dbt accepts a state only under the profile it was parsed with."""
        return None

    @abstractmethod
    def publish_for_analysts(
        self, relations: Sequence[AnalystRelation], log: Callable[[str], None]
    ) -> CopyPublished | None:
        """Where the warehouse needs a copy to keep analysts from the rest: make analysts' copy of
        `relations` equal to the warehouse, every day and table that differs whatever was built
        last, and hand the new version to readers only if it then compares equal; what was done.
        None when the warehouse's own access control is the boundary (nothing is copied)."""

    @abstractmethod
    def compare_analysts_copy(self, relations: Sequence[AnalystRelation]) -> list[CopyDifference] | None:
        """Analysts' copy of `relations` against the warehouse, day by day: every place they differ
        (none when equal); None when there is no copy (the warehouse's access control is the boundary)."""

    @abstractmethod
    def rewrite_after_erasure(self, relations: Sequence[AnalystRelation] | None, log: Callable[[str], None]) -> str:
        """After an erasure replaced values in place: make sure no block of the warehouse's files
        still holds one, nor of analysts' copy of `relations` (None: gold is not built, nothing to
        publish). The caller holds the writer lock. What was done, in one line (never a value)."""
