"""Where the bank's daily CSV files are written and read: a local folder on every target."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg

from banking_dw import settings
from banking_dw.layout import csv_path, day_of_key, raw_folder, staging_destinations
from banking_dw.locks import sweep_staging


class RawFiles(dg.ConfigurableResource):
    """The bank's exports under `<data_dir>/raw/<table>/dt=YYYY-MM-DD/<table>.csv`."""

    # Default: the data directory (BANKING_DW_DATA_DIR), read when a path is asked for.
    data_dir: str | None = None

    def root(self) -> Path:
        """The folder `layout.csv_path` lays the files out under, created private (0700) when
        missing: the first step of a run on a new data directory creates it here."""
        return settings.make_private_dirs(Path(self.data_dir) if self.data_dir else settings.data_dir())

    def path(self, table: str, day: date) -> Path:
        return csv_path(self.root(), table, day)

    def remove_unfinished_writes(self) -> int:
        """Remove the staging files killed raw steps left anywhere in the store (`sweep_staging`,
        any table and day, even one whose file was never written); how many. A live step's are
        left to it."""
        folders = staging_destinations(raw_folder(self.root()))
        return sum(len(sweep_staging(folder, names)) for folder, names in folders.items())

    def days(self, table: str) -> list[date]:
        """Every day the store holds a file of `table` for, in order."""
        folder = csv_path(self.root(), table, date(2020, 1, 1)).parent.parent
        found = (day_of_key(path.parent.name) for path in folder.glob(f"dt=*/{table}.csv"))
        return sorted(day for day in found if day is not None and self.path(table, day).is_file())

    def sweep_staging(self, tables: list[str], days: list[date]) -> list[Path]:
        """Remove the staging files killed runs left beside the tables' files of the days (they hold
        the bank's data); the ones removed. A live run's are left to it."""
        swept: list[Path] = []
        for table in tables:
            for day in days:
                path = self.path(table, day)
                swept += sweep_staging(path.parent, [path.name])
        return swept
