"""The raw checks over a window of days, a batch of days at a time, so memory stays bounded however
long the backfill; a fact's keys are then checked for repeats across the days.

A day of a table is judged on its file, as the bank sent it: a check-only run, or a table the run
does not write, reads the files as they stand. When the raw step itself has just generated and
written the day, its checks judge the frame the file was written from instead of reading the file
back (`GeneratedChecks`), provided the frame round-trips (banking_dw.generator.round_trips); the
checks, their counts and their messages are the same either way (banking_dw/raw/checks.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from banking_dw.check_outcomes import CheckOutcome, combine
from banking_dw.contracts import TableContract, contract
from banking_dw.layout import csv_path
from banking_dw.raw.balance_identity import BALANCE_TABLE, PREVIOUS_DAY_COLUMNS
from banking_dw.raw.checks import KEY_UNIQUE_NOT_NULL, References, evaluate
from banking_dw.raw.frames import WindowFrames
from banking_dw.raw.reading import DaysTable, WindowFiles, checks_connection
from banking_dw.raw.sampling import count, describe_failures, quote, samples

# Rows of one table loaded at once while its checks run: the days of a window are checked together
# up to this many rows (a week at default scale in one pass), since each check is a handful of
# queries whatever the number of days; a larger day is one pass of its own.
ROWS_PER_PASS = 500_000

Frames = Mapping[str, Mapping[date, pa.Table]]


def day_batches(days: list[date], rows_per_day: Callable[[date], int], budget: int) -> list[list[date]]:
    """`days` in order, cut into consecutive batches of at most `budget` rows (at least one day each)."""
    batches: list[list[date]] = []
    rows = 0
    for day in sorted(days):
        day_rows = rows_per_day(day)
        if not batches or rows + day_rows > budget:
            batches.append([])
            rows = 0
        batches[-1].append(day)
        rows += day_rows
    return batches


@dataclass(frozen=True)
class Sources:
    """Where a table's days are loaded from: the frames the raw step wrote them from (by table and
    day, only frames that round-trip) when it has them all, with the columns asked for; else the
    files under `root`."""

    root: Path
    frames: Frames = field(default_factory=dict)

    def load(
        self,
        connection: duckdb.DuckDBPyConnection,
        table: TableContract,
        days: list[date],
        name: str = "t",
        columns: list[str] | None = None,
    ) -> DaysTable:
        written = self.frames.get(table.name, {})
        wanted = set(columns or table.column_names)
        if days and all(day in written and wanted <= set(written[day].column_names) for day in days):
            return WindowFrames(table, {day: written[day] for day in days}, connection, name, columns)
        return WindowFiles(
            table, {day: csv_path(self.root, table.name, day) for day in days}, connection, name, columns
        )

    def references(self, connection: duckdb.DuckDBPyConnection) -> References:
        """Loads the columns of another table a day's checks look up (foreign keys, balances), once each."""
        loaded: dict[tuple[str, tuple[date, ...], tuple[str, ...]], DaysTable] = {}

        def load(name: str, days: list[date], columns: list[str]) -> DaysTable:
            key = (name, tuple(days), tuple(columns))
            if key not in loaded:
                loaded[key] = self.load(connection, contract(name), days, f"ref_{len(loaded)}", columns)
            return loaded[key]

        return load


class RepeatedKeys:
    """A fact's keys over the batches of a window, kept in the window's database (which spills to
    disk beyond its memory limit), to find any that appears on more than one day."""

    def __init__(self, table: TableContract):
        self.table = table
        self.relation = quote(f"window_keys_{table.name}")
        self.created = False

    def add(self, connection: duckdb.DuckDBPyConnection, loaded: DaysTable) -> None:
        keys = ", ".join(quote(c) for c in self.table.key)
        rows = f"select {keys}, partition_day from {quote(loaded.name)}"
        connection.execute(
            f"insert into {self.relation} {rows}" if self.created else f"create table {self.relation} as {rows}"
        )
        self.created = True

    def outcome(self, connection: duckdb.DuckDBPyConnection) -> CheckOutcome:
        name = self.table.name
        shown = ", ".join(f"cast({quote(c)} as varchar) as {quote(c)}" for c in self.table.key)
        sql = f"select {shown}, count(distinct partition_day) as days from {self.relation} group by all having days > 1"
        repeated = count(connection, sql) if self.created else 0
        if not repeated:
            return CheckOutcome(KEY_UNIQUE_NOT_NULL, True, f"{name}: no key repeats across days")
        failures = samples(connection, f"{sql} order by all")
        return CheckOutcome(
            KEY_UNIQUE_NOT_NULL,
            False,
            describe_failures(name, "keys that appear on more than one day", failures, repeated),
            {"failing_rows": repeated, "samples": failures},
        )


class Batch:
    """A batch of days being checked: a connection of its own to the window's database (what it
    loads goes with it), and the references its checks load, loaded once for every table checked
    in the batch (each keeps its name for the connection's life)."""

    def __init__(self, database: duckdb.DuckDBPyConnection, sources: Sources):
        self.sources = sources
        self.connection = database.cursor()
        self.references = sources.references(self.connection)

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, *_: object) -> None:
        self.connection.close()


class TableWindow:
    """One table's checks over the days of `expected_rows` (each day's bounds on its rows), fed a
    batch of days at a time; `outcomes` combines the batches."""

    def __init__(
        self, table: TableContract, database: duckdb.DuckDBPyConnection, expected_rows: Mapping[date, tuple[int, int]]
    ):
        self.table, self.database, self.expected_rows = table, database, expected_rows
        self.parts: list[list[CheckOutcome]] = []
        self.keys = RepeatedKeys(table) if table.is_fact and len(expected_rows) > 1 else None

    def check(self, days: list[date], batch: Batch) -> None:
        loaded = batch.sources.load(batch.connection, self.table, days)
        if not loaded.readable and len(days) > 1:
            # A day that cannot be read must not hide what the others' checks would find.
            for day in days:
                with Batch(self.database, batch.sources) as alone:
                    self.check([day], alone)
            return
        self.parts.append(evaluate(batch.connection, loaded, self.expected_rows, batch.references))
        if self.keys is not None:
            self.keys.add(batch.connection, loaded)

    def outcomes(self) -> list[CheckOutcome]:
        outcomes = [combine(parts[0].name, list(parts)) for parts in zip(*self.parts, strict=False)]
        if self.keys is None:
            return outcomes
        across_days = self.keys.outcome(self.database)
        return [combine(o.name, [o, across_days]) if o.name == KEY_UNIQUE_NOT_NULL else o for o in outcomes]


def evaluate_window(
    table: TableContract, root: Path, expected_rows: Mapping[date, tuple[int, int]]
) -> list[CheckOutcome]:
    """Every check over the files of the days in `expected_rows` (each day's bounds on its rows),
    laid out under `root` (banking_dw.layout.csv_path), a batch of days at a time."""
    database = checks_connection()
    try:
        window = TableWindow(table, database, expected_rows)
        for days in day_batches(list(expected_rows), lambda day: expected_rows[day][1], ROWS_PER_PASS):
            with Batch(database, Sources(root)) as batch:
                window.check(days, batch)
        return window.outcomes()
    finally:
        database.close()


class GeneratedChecks:
    """The checks of the tables `checked`, which the raw step generates and writes: it hands over
    each day's frames as written (`add`, only those that round-trip), and once a batch's last day is
    in, the batch is checked on them and they are let go. Batches cut the window by the largest of
    the written tables' volumes (`expected_rows`: each written table's bounds per day), so memory
    holds what one pass of the file path loads. A day without its frame is judged on its file."""

    def __init__(
        self, checked: list[TableContract], expected_rows: Mapping[str, Mapping[date, tuple[int, int]]], root: Path
    ):
        self.root = root
        self.database = checks_connection()
        # Arrow frames carry no row count DuckDB plans with (it guesses one row), so its choice of
        # a join's build side would be a guess: the checks name the lookup side of each join last,
        # and that side is built as written.
        self.database.execute("set disabled_optimizers = 'build_side_probe_side'")
        self.windows = [TableWindow(table, self.database, expected_rows[table.name]) for table in checked]
        days = sorted({day for rows in expected_rows.values() for day in rows})

        def largest(day: date) -> int:
            return max(rows[day][1] for rows in expected_rows.values())

        self.batches = {batch[-1]: batch for batch in day_batches(days, largest, ROWS_PER_PASS)}
        self.frames: dict[str, dict[date, pa.Table]] = {}

    def __enter__(self) -> GeneratedChecks:
        return self

    def __exit__(self, *_: object) -> None:
        self.database.close()

    def add(self, day: date, frames: Mapping[str, pa.Table]) -> None:
        if not self.windows:
            return
        for name, frame in frames.items():
            self.frames.setdefault(name, {})[day] = frame
        batch = self.batches.get(day)
        if batch is None:
            return
        with Batch(self.database, Sources(self.root, self.frames)) as checking:
            for window in self.windows:
                window.check(batch, checking)
        self.frames = self._looked_back_at(day)

    def _looked_back_at(self, day: date) -> dict[str, dict[date, pa.Table]]:
        """What the next batch's checks look back at: the closing balances of its day before."""
        balances = self.frames.get(BALANCE_TABLE, {})
        if day not in balances:
            return {}
        return {BALANCE_TABLE: {day: balances[day].select(list(PREVIOUS_DAY_COLUMNS))}}

    def outcomes(self) -> dict[str, list[CheckOutcome]]:
        return {window.table.name: window.outcomes() for window in self.windows}
