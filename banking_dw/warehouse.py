"""The warehouse connection used by Python steps (bronze views, checks, reports)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from banking_dw import settings


class DuckDBWarehouse(dg.ConfigurableResource):
    """The embedded warehouse: one DuckDB file, one writer at a time (see the `duckdb` pool)."""

    path: str | None = None

    def database_path(self) -> Path:
        return Path(self.path) if self.path else settings.warehouse_path()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        path = self.database_path()
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(path), read_only=read_only)
        try:
            yield connection
        finally:
            connection.close()
