"""Where a table's CSV lives, and writing it atomically."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from banking_dw.contracts import contract

# Strings are always quoted (commas, quotes and newlines stay inside their field, RFC 4180);
# nulls are written as an empty unquoted field, so they differ from an empty string ("").
_WRITE_OPTIONS = pacsv.WriteOptions(include_header=True, quoting_header="none", batch_size=65_536)


def csv_path(data_dir: Path, table: str, day: date | None) -> Path:
    """raw/<table>/dt=YYYY-MM-DD/<table>.csv for partitioned tables, raw/<table>/<table>.csv otherwise."""
    partitioned = contract(table).partitioned
    if partitioned and day is None:
        raise ValueError(f"{table} is partitioned by day; give a day")
    if not partitioned and day is not None:
        raise ValueError(f"{table} is not partitioned; give no day")
    folder = Path(data_dir) / "raw" / table
    if day is not None:
        folder = folder / f"dt={day.isoformat()}"
    return folder / f"{table}.csv"


def write_csv(table: pa.Table, path: Path) -> int:
    """Write `table` as CSV to `path` atomically (a reader never sees half a file); return its bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as sink:
            pacsv.write_csv(table, sink, write_options=_WRITE_OPTIONS)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path.stat().st_size
