"""Writing a table's CSV atomically."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from banking_dw.locks import staging_file

# Strings are always quoted (commas, quotes and newlines stay inside their field, RFC 4180);
# nulls are written as an empty unquoted field, so they differ from an empty string ("").
_WRITE_OPTIONS = pacsv.WriteOptions(include_header=True, quoting_header="none", batch_size=65_536)


def _write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> int:
    """Write through a staging file and rename it, so a reader never sees half a file; a killed
    run's staging file is swept by the next (RawFiles.sweep_staging)."""
    path = Path(path)
    with staging_file(path) as staging:
        with staging.open("wb") as sink:
            write(sink)
        os.replace(staging, path)
    return path.stat().st_size


def write_csv(table: pa.Table, path: Path) -> int:
    """Write `table` as CSV to `path` atomically; return its bytes."""
    return _write_atomically(path, lambda sink: pacsv.write_csv(table, sink, write_options=_WRITE_OPTIONS))


def csv_bytes(table: pa.Table) -> bytes:
    """The CSV `write_csv` would write, in memory: for files written unchanged day after day."""
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, write_options=_WRITE_OPTIONS)
    return sink.getvalue().to_pybytes()


def write_bytes(data: bytes, path: Path) -> int:
    """Write already-encoded CSV bytes to `path` atomically; return its bytes."""
    return _write_atomically(path, lambda sink: sink.write(data))
