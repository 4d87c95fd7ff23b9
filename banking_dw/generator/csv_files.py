"""Writing a table's CSV atomically, and knowing when the file says exactly what the table does."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from banking_dw.arrow_text import offsets_and_bytes
from banking_dw.contracts import Column, TableContract
from banking_dw.locks import staging_file
from banking_dw.value_rules import ColumnType, is_valid_value

from .arrow_columns import ARROW_TYPES

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


def round_trips(table: TableContract, frame: pa.Table) -> bool:
    """Whether the file `write_csv` makes of `frame` reads back, under `table`'s contract, as the
    frame's own values: the contract's columns in its order, each of its Arrow type (the writer
    casts each value to text, as `pyarrow.compute.cast` does), every non-missing value written as
    text the contract's rule accepts, and each row written as one line. The raw checks then judge
    the frame in place of reading the file back; a frame that does not round-trip is judged on its
    file."""
    if frame.schema.names != list(table.column_names):
        return False
    return all(_column_round_trips(column, frame[column.name]) for column in table.columns)


def _column_round_trips(column: Column, values: pa.ChunkedArray) -> bool:
    if values.type != ARROW_TYPES[column.type]:
        return False
    if column.type is ColumnType.VARCHAR:
        # Any text is a valid value, but a line break inside one would end the row early.
        return not any(_holds_line_break(chunk) for chunk in values.chunks)
    # Each type's valid values are a range (bounded digits, years 1000-9999, true and false), so
    # the column's least and greatest value, as written, decide every value in between.
    extremes = pc.min_max(values)
    written = pa.array([extremes["min"].as_py(), extremes["max"].as_py()], type=values.type).cast(pa.string())
    return all(text is None or is_valid_value(text, column.type) for text in written.to_pylist())


LINE_BREAKS = np.frombuffer(b"\r\n", dtype=np.uint8)


def _holds_line_break(chunk: pa.StringArray) -> bool:
    """Looked for in the bytes of the chunk's values at once, not value by value."""
    if len(chunk) == 0:
        return False
    offsets, text = offsets_and_bytes(chunk)
    return bool(np.isin(text[offsets[0] : offsets[-1]], LINE_BREAKS).any())
