"""The daily partitioning shared by every asset of the graph, and window arithmetic over it.

Windows are half-open, [start, end), everywhere: in Python and in the environment the dbt models
read their window from (banking_dw/dbt/args.py), so a day is never counted twice at a boundary.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg

# The generator's calendar (dim_dates) covers 2020-2030: no partition may lie outside it.
FIRST_DAY = date(2020, 1, 1)
LAST_DAY = date(2030, 12, 31)

# The day the bank's partitions begin: the UI's health bars, plots and backfill dialog show the
# bank's days, not the calendar's empty years before it.
FIRST_DAY_ENV = "BANKING_DW_FIRST_DAY"
DEFAULT_FIRST_DAY = date(2024, 1, 1)


def first_day() -> date:
    """BANKING_DW_FIRST_DAY (YYYY-MM-DD, inside the calendar), else 2024-01-01; read when the code
    location loads, never at import."""
    configured = os.environ.get(FIRST_DAY_ENV, "").strip()
    if not configured:
        return DEFAULT_FIRST_DAY
    try:
        day = date.fromisoformat(configured)
    except ValueError:
        raise ValueError(f"{FIRST_DAY_ENV}={configured} is not a day (YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{FIRST_DAY_ENV}={configured} is outside the calendar ({FIRST_DAY} to {LAST_DAY})")
    return day


def daily_partitions() -> dg.DailyPartitionsDefinition:
    """The one daily partitioning of every asset: from the bank's first day to the calendar's end
    (Dagster offers no day after yesterday)."""
    return dg.DailyPartitionsDefinition(
        start_date=first_day().isoformat(), end_date=(LAST_DAY + timedelta(days=1)).isoformat()
    )


@dataclass(frozen=True)
class DayWindow:
    """Days start <= day < end."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"empty day window [{self.start}, {self.end})")

    @classmethod
    def from_key_range(cls, first_key: str, last_key: str) -> DayWindow:
        """Dagster's partition ranges name their last day; the window ends the day after."""
        return cls(parse_partition_key(first_key), parse_partition_key(last_key) + timedelta(days=1))

    def days(self) -> Iterator[date]:
        day = self.start
        while day < self.end:
            yield day
            day += timedelta(days=1)

    def __len__(self) -> int:
        return (self.end - self.start).days

    def chunks(
        self, days_per_chunk: int, rows_per_chunk: int | None = None, rows: Mapping[date, int] | None = None
    ) -> list[DayWindow]:
        """The window cut into consecutive windows, in order, each of at most `days_per_chunk` days
        and, where `rows` gives each day's rows, at most `rows_per_chunk` rows (a day larger than
        that is a chunk of its own)."""
        if days_per_chunk < 1:
            raise ValueError(f"a chunk holds at least one day, not {days_per_chunk}")
        chunks, start, held = [], self.start, 0
        for day in self.days():
            size = (rows or {}).get(day, 0)
            full = (day - start).days >= days_per_chunk or (rows_per_chunk is not None and held + size > rows_per_chunk)
            if day > start and full:
                chunks.append(DayWindow(start, day))
                start, held = day, 0
            held += size
        return [*chunks, DayWindow(start, self.end)]

    def __str__(self) -> str:
        """As an operator types it: first...last, both included."""
        last = self.end - timedelta(days=1)
        return self.start.isoformat() if last == self.start else f"{self.start}...{last}"


def parse_partition_key(key: str) -> date:
    try:
        return date.fromisoformat(key)
    except ValueError:
        raise ValueError(f"partition key {key!r} is not a day (YYYY-MM-DD)") from None


def parse_window(text: str) -> DayWindow:
    """An operator's `first...last` (or one day) as a window inside the calendar; ValueError saying
    what to type otherwise."""
    first, last = text.split("...", 1) if "..." in text else (text, text)
    start, end = parse_partition_key(first.strip()), parse_partition_key(last.strip())
    if end < start:
        raise ValueError(f"the window {text!r} ends before it starts; write first...last")
    begins = first_day()
    for day in (start, end):
        if not begins <= day <= LAST_DAY:
            raise ValueError(
                f"{day} is outside the bank's days: they run from {begins} ({FIRST_DAY_ENV}) to {LAST_DAY}"
            )
    return DayWindow(start, end + timedelta(days=1))


def window_for_context(context: dg.AssetExecutionContext) -> DayWindow:
    """The whole window a (possibly multi-partition, single-run backfill) step covers.

    Read from the run's key range rather than its time window: a run that selects only checks
    has a range but its step has no partitions definition to turn it into times.
    """
    keys = context.partition_key_range
    return DayWindow.from_key_range(keys.start, keys.end)
