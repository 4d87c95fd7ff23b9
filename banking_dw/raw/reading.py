"""One table's CSV files over some days, as the raw checks query them: a DuckDB table of values.

Each file is streamed from pyarrow in batches into an in-memory DuckDB table whose memory is
limited (and spilled to disk beyond the limit), so a day of any size costs bounded memory. Each
value is typed once on the way in, by the contract's rule, beside a flag saying whether it breaks
it (banking_dw/raw/values.py); `partition` (the day) and `row_number` (1-based, per file) name a
failure's row. The text as it came is loaded again only to show a failing value. A row with the
wrong number of fields is counted and named, not loaded.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from banking_dw import settings
from banking_dw.contracts import TableContract
from banking_dw.csv_io import read_csv_header
from banking_dw.raw.values import judged_columns

BLOCK_BYTES = 16 << 20


def checks_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one table's checks, within the configured memory."""
    spill = settings.duckdb_spill_dir()
    spill.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    connection.execute("set memory_limit = ?", [settings.duckdb_memory_limit()])
    connection.execute("set temp_directory = ?", [str(spill)])
    return connection


class DaysTable(Protocol):
    """One table's rows over some days, loaded into a connection as the relation `name`: `partition`
    (the day, as a failure names it: YYYY-MM-DD), `partition_day` (the same as a date, cheaper to
    join and group on), `row_number` (1-based, per day), each column's typed value (null where
    missing or invalid) and `<column>__bad` (whether it breaks its type or nullability)."""

    table: TableContract
    name: str
    header_problems: list[str]
    missing: list[str]
    malformed: list[tuple[str, int]]
    row_counts: dict[str, int]

    @property
    def days(self) -> list[date]: ...

    @property
    def readable(self) -> bool: ...

    def load_text(self) -> str:
        """The relation `<name>_text` of the values as the file has them (text), to show a failing one."""
        ...


class WindowFiles:
    """One table's files over some days, loaded into `connection` as the relation `name` of typed
    values (`DaysTable`).

    `columns` limits what is loaded (a referenced table's key, say); every file is still checked
    for the contract's header first, and a file that is missing or whose header differs is named in
    `header_problems` and left out.
    """

    def __init__(
        self,
        table: TableContract,
        files: Mapping[date, Path],
        connection: duckdb.DuckDBPyConnection,
        name: str = "t",
        columns: Sequence[str] | None = None,
    ):
        self.table, self.files, self.name, self.connection = table, dict(files), name, connection
        self.columns = list(columns or table.column_names)
        self.header_problems: list[str] = []
        self.missing: list[str] = []
        self.malformed: list[tuple[str, int]] = []
        self.row_counts: dict[str, int] = {}
        self.readable_files = {
            day: path for day, path in sorted(self.files.items()) if self._has_contract_header(day, path)
        }
        trimmed, judged = judged_columns([table.column(c) for c in self.columns])
        reader = self._reader()  # noqa: F841 (DuckDB reads it by name)
        # The rows go in a table of their own and `name` is a view, as frames' is
        # (banking_dw/raw/frames.py): a connection may load either kind under the same name.
        connection.execute(
            f'create or replace temp table "{name}_rows" as select partition, cast(partition as date) as partition_day,'
            f" row_number, {judged} from (select partition, row_number, {trimmed} from reader)"
        )
        connection.execute(f'create or replace temp view "{name}" as select * from "{name}_rows"')
        self.loaded = bool(self.readable_files)

    @property
    def days(self) -> list[date]:
        return list(self.files)

    @property
    def readable(self) -> bool:
        return self.loaded and not self.header_problems

    def load_text(self) -> str:
        """The files again, as the text that came, in the table `<name>_text`: to show a failing
        value (only a check that fails asks)."""
        text_name = f"{self.name}_text"
        counted = (dict(self.row_counts), list(self.malformed), list(self.header_problems))
        reader = self._reader()  # noqa: F841 (DuckDB reads it by name)
        self.connection.execute(f'create or replace temp table "{text_name}_rows" as select * from reader')
        self.connection.execute(f'create or replace temp view "{text_name}" as select * from "{text_name}_rows"')
        self.row_counts, self.malformed, self.header_problems = dict(counted[0]), counted[1], counted[2]
        return text_name

    def _reader(self) -> pa.RecordBatchReader:
        schema = pa.schema(
            [*(pa.field(c, pa.string()) for c in self.columns), ("partition", pa.string()), ("row_number", pa.int64())]
        )
        return pa.RecordBatchReader.from_batches(schema, self._batches(self.readable_files, schema))

    def _has_contract_header(self, day: date, path: Path) -> bool:
        label = day.isoformat()
        if not path.is_file():
            self.missing.append(label)
            self.header_problems.append(f"{label}: file missing at {path}")
            return False
        try:
            header = read_csv_header(path)
        except (UnicodeDecodeError, csv.Error) as error:
            # Binary, compressed or not UTF-8: the landing audit names the byte; here, what failed.
            self.header_problems.append(f"{label}: not readable as CSV text ({type(error).__name__})")
            return False
        if tuple(header) != self.table.column_names:
            self.header_problems.append(f"{label}: header {header} != contract {list(self.table.column_names)}")
            return False
        return True

    def _batches(self, files: Mapping[date, Path], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        for day, path in files.items():
            label = day.isoformat()
            rows = 0
            try:
                for batch in self._read(path, label):
                    numbers = pa.array(np.arange(rows + 1, rows + batch.num_rows + 1, dtype=np.int64))
                    rows += batch.num_rows
                    yield pa.RecordBatch.from_arrays(
                        [
                            *(batch.column(c) for c in self.columns),
                            pa.repeat(pa.scalar(label, pa.string()), batch.num_rows),
                            numbers,
                        ],
                        schema=schema,
                    )
            except (pa.ArrowInvalid, UnicodeDecodeError) as error:
                self.header_problems.append(f"{label}: not readable as CSV text ({type(error).__name__})")
            self.row_counts[label] = rows

    def _read(self, path: Path, label: str) -> Iterator[pa.RecordBatch]:
        def keep_count(row: pacsv.InvalidRow) -> str:
            self.malformed.append((label, row.number if row.number is not None else -1))
            return "skip"

        names = list(self.table.column_names)
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(invalid_row_handler=keep_count),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                include_columns=self.columns,
                strings_can_be_null=False,
            ),
        )
        yield from reader
