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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from banking_dw.partitions import DayWindow


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

    @abstractmethod
    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of a read-only query in SQL every engine accepts (the completeness gate)."""

    def dbt_parse_state_path(self) -> Path | None:
        """Where dbt's partial-parse state is kept between runs on this warehouse, when not in the
        dbt project's target folder: dbt accepts a state only under the profile it was parsed with."""
        return None

    @abstractmethod
    def publish_for_analysts(
        self, window: DayWindow, relations: Sequence[AnalystRelation], log: Callable[[str], None]
    ) -> dict[str, int] | None:
        """Give analysts what a successful build of `window` changed in `relations`, where the
        warehouse needs a copy to keep them from the rest; what was published (table counts,
        never values), or None when the warehouse's own access control is the boundary."""

    @abstractmethod
    def rewrite_after_erasure(self, relations: Sequence[AnalystRelation] | None, log: Callable[[str], None]) -> str:
        """After an erasure replaced values in place: make sure no block of the warehouse's files
        still holds one, nor of analysts' copy of `relations` (None: gold is not built, nothing to
        publish). The caller holds the writer lock. What was done, in one line (never a value)."""
