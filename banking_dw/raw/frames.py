"""One table's frames over some days, as the raw step has just generated and written them, loaded
for the raw checks as banking_dw/raw/reading.py loads files: the same relation, scanned from the
Arrow frames in place, without reading the files back.

Only frames that round-trip come here (banking_dw.generator.round_trips): each value is already of
its contract type and is written as text the contract's rule accepts, so a value is the frame's
own, cast to the contract's SQL type, and the contract can only be broken by a missing value where
the column needs one: a text column that may hold one is judged as the files' text is
(banking_dw/raw/values.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from banking_dw.arrow_text import offsets_and_bytes
from banking_dw.contracts import Column, TableContract
from banking_dw.raw.sampling import quote
from banking_dw.raw.values import judged_columns, typed
from banking_dw.value_rules import TRIMMED, ColumnType


class WindowFrames:
    """One table's frames, by day, loaded into `connection` as the view `name` with the columns of
    banking_dw.raw.reading.DaysTable; `columns` limits what is loaded (a referenced table's key)."""

    def __init__(
        self,
        table: TableContract,
        frames: Mapping[date, pa.Table],
        connection: duckdb.DuckDBPyConnection,
        name: str = "t",
        columns: Sequence[str] | None = None,
    ):
        if not frames:
            raise ValueError(f"{table.name}: no frame to load")
        self.table, self.name, self.connection = table, name, connection
        self.frames = dict(sorted(frames.items()))
        self.columns = list(columns or table.column_names)
        self.header_problems: list[str] = []
        self.missing: list[str] = []
        self.malformed: list[tuple[str, int]] = []
        self.row_counts = {day.isoformat(): frame.num_rows for day, frame in self.frames.items()}
        inner, outer = typed_select([table.column(c) for c in self.columns], list(self.frames.values()))
        rows = _rows_of_days(connection, f"{name}_frame", self.frames, inner)
        connection.execute(
            f"create or replace temp view {quote(name)} as select partition, partition_day, row_number, {outer}"
            f" from ({rows})"
        )

    @property
    def days(self) -> list[date]:
        return list(self.frames)

    @property
    def readable(self) -> bool:
        return True

    def load_text(self) -> str:
        """The values as the files have them (the writer's text; a missing value is empty), as the
        view `<name>_text`: to show a failing value (only a check that fails asks)."""
        text_name = f"{self.name}_text"
        texts = {day: _as_written(frame.select(self.columns)) for day, frame in self.frames.items()}
        rows = _rows_of_days(self.connection, f"{text_name}_frame", texts, ", ".join(map(quote, self.columns)))
        self.connection.execute(f"create or replace temp view {quote(text_name)} as {rows}")
        return text_name


def typed_select(columns: Sequence[Column], frames: Sequence[pa.Table]) -> tuple[str, str]:
    """The two select lists of banking_dw.raw.values.judged_columns, for frames. A value is already
    a valid value of its type, or missing; so it is only typed (a text) or cast to the contract's
    SQL type (any other), and breaks the contract only where it is missing and may not be. Where
    Arrow's layout shows a column has no missing value, no value of it needs a look."""
    inner, outer = [], []
    for column in columns:
        name, bad = quote(column.name), quote(f"{column.name}__bad")
        complete = column.nullable or all(_never_missing(frame[column.name], column.type) for frame in frames)
        if column.type is ColumnType.VARCHAR and not complete:
            text_inner, text_outer = judged_columns([column])
            inner.append(text_inner)
            outer.append(text_outer)
            continue
        inner.append(name)
        value = (
            typed(name, column.type) if column.type is ColumnType.VARCHAR else f"cast({name} as {column.type.value})"
        )
        outer.append(f"{value} as {name}")
        outer.append(f"{'false' if complete else f'{name} is null'} as {bad}")
    return ", ".join(inner), ", ".join(outer)


TRIMMED_BYTES = np.frombuffer(TRIMMED.encode(), dtype=np.uint8)


def _never_missing(values: pa.ChunkedArray, type: ColumnType) -> bool:
    """Whether no value is missing: none is null and, for a text, none is empty or begins with a
    character the rule trims (so none is blank), read from the text's bytes at once."""
    if values.null_count:
        return False
    if type is not ColumnType.VARCHAR:
        return True
    for chunk in values.chunks:
        if len(chunk) == 0:
            continue
        offsets, text = offsets_and_bytes(chunk)
        if (np.diff(offsets) == 0).any() or np.isin(text[offsets[:-1]], TRIMMED_BYTES).any():
            return False
    return True


def _rows_of_days(
    connection: duckdb.DuckDBPyConnection, prefix: str, frames: Mapping[date, pa.Table], select: str
) -> str:
    """SQL of the frames' rows, day after day, each with its `partition`, `partition_day` and
    `row_number`. Each distinct frame is registered once: a reference table is the same frame
    every day."""
    registered: dict[int, str] = {}
    parts = []
    for day, frame in frames.items():
        if id(frame) not in registered:
            registered[id(frame)] = f"{prefix}_{len(registered)}"
            numbers = pa.array(np.arange(1, frame.num_rows + 1, dtype=np.int64))
            connection.register(registered[id(frame)], frame.append_column("row_number", numbers))
        # A date's ISO form is digits and dashes: a safe literal.
        label = f"'{day.isoformat()}'"
        parts.append(
            f"select {label} as partition, date {label} as partition_day, row_number, {select}"
            f" from {quote(registered[id(frame)])}"
        )
    return " union all ".join(parts)


def _as_written(frame: pa.Table) -> pa.Table:
    """Each value as the CSV writer's text, a missing one empty (as the files are read)."""
    return pa.table({name: pc.fill_null(frame[name].cast(pa.string()), "") for name in frame.column_names})
