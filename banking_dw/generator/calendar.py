"""The generator's calendar: day numbers, date ids and the seconds of a day's timeline."""

from __future__ import annotations

from datetime import date

import numpy as np

# dim_dates covers these days; partitions (banking_dw.partitions) must stay inside them.
CALENDAR_START = date(2020, 1, 1)
CALENDAR_END = date(2030, 12, 31)

SECONDS_PER_DAY = 86_400
# Dimension changes land in an overnight batch [00:00, 01:00); every fact happens after it, so a
# fact always joins the dimension version already valid that day.
BATCH_WINDOW_SECONDS = 3_600

_UNIX_EPOCH = date(1970, 1, 1)


def day_index(day: date) -> int:
    """Days since CALENDAR_START (negative before it)."""
    return (day - CALENDAR_START).days


def date_id(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def require_calendar_day(day: date) -> None:
    if not CALENDAR_START <= day <= CALENDAR_END:
        raise ValueError(f"{day} is outside the calendar [{CALENDAR_START}, {CALENDAR_END}]")


def days_as_datetime64(day_indexes: np.ndarray) -> np.ndarray:
    """Day indexes -> numpy datetime64[D]."""
    offset = (CALENDAR_START - _UNIX_EPOCH).days
    return (np.asarray(day_indexes, dtype=np.int64) + offset).astype("datetime64[D]")


def day_start_epoch_seconds(day_indexes: np.ndarray | int) -> np.ndarray:
    offset = (CALENDAR_START - _UNIX_EPOCH).days
    return (np.asarray(day_indexes, dtype=np.int64) + offset) * SECONDS_PER_DAY
