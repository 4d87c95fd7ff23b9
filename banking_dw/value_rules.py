"""What text is a valid value of each contract type: one rule, read by the raw checks and, through
the macro `make contract` writes (macros/generated/contract.sql), by silver's casts.

The rule is stated here once, as Python (is_valid_value) and as SQL (typed_sql); every layer
reads it from here.

A value is judged after trimming surrounding spaces (a blank value is missing, never valid). It is
valid when it fully matches its type's pattern and, for dates and timestamps, names a real calendar
day. Patterns use only the regex syntax Python, DuckDB (RE2), PostgreSQL and Redshift (POSIX)
agree on, and bound the digits so every engine's cast of a match succeeds:

- integers: optional sign, at most 9 (integer) / 18 (bigint) digits; no decimal point, no exponent;
- decimals: optional sign, at most p-s integer digits, optionally a point and 1..s decimals
  ('1.5' and '+5' are 1.50 and 5.00; '1.234', '.5', '5.' and '1e3' are invalid);
- booleans: true or false, in any letter case;
- dates: YYYY-MM-DD, year 1000-9999; timestamps: 'YYYY-MM-DD HH:MM:SS', hours 00-23 (no 24:00).
"""

from __future__ import annotations

import calendar
import re
from enum import Enum


class ColumnType(str, Enum):
    """Logical column types, named as the warehouse types they are cast to."""

    BIGINT = "bigint"
    INTEGER = "integer"
    DECIMAL = "decimal(18,2)"  # money
    RATE = "decimal(18,6)"  # exchange rates
    VARCHAR = "varchar"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOLEAN = "boolean"


_DATE = "[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
VALUE_PATTERNS: dict[ColumnType, str] = {
    ColumnType.BIGINT: "[+-]?[0-9]{1,18}",
    ColumnType.INTEGER: "[+-]?[0-9]{1,9}",
    ColumnType.DECIMAL: "[+-]?[0-9]{1,16}([.][0-9]{1,2})?",
    ColumnType.RATE: "[+-]?[0-9]{1,12}([.][0-9]{1,6})?",
    ColumnType.DATE: _DATE,
    ColumnType.TIMESTAMP: _DATE + " ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]",
    ColumnType.BOOLEAN: "[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]",
}
# Types whose text starts with a YYYY-MM-DD that must be a real day (2023-02-29 is not).
CALENDAR_TYPES: frozenset[ColumnType] = frozenset({ColumnType.DATE, ColumnType.TIMESTAMP})
# What judging strips from both ends of a value: SQL's trim(), spaces only.
TRIMMED = " "


def is_real_day(text: str) -> bool:
    """Whether a YYYY-MM-DD prefix (already matching the date pattern) is a calendar day."""
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    return day <= calendar.monthrange(year, month)[1]


def is_valid_value(text: str, type: ColumnType) -> bool:
    """The verdict on one non-missing text value of `type`, the same in every layer."""
    if type is ColumnType.VARCHAR:
        return True
    value = text.strip(TRIMMED)
    if re.fullmatch(VALUE_PATTERNS[type], value) is None:
        return False
    return type not in CALENDAR_TYPES or is_real_day(value)


# --------------------------------------------------------------------------- the rule as SQL
# The one rendering of the rule as SQL, for every reader: the raw checks (DuckDB, raw/values.py)
# and silver's safe_cast_text (dbt, both dialects, through the macro `make contract` writes).
# `text` is SQL of the already trimmed, non-empty text. DuckDB's own casts accept more than the
# rule ('1e3', '0x10' and '1.5' as integers, '2024-1-5' and a 'T' as dates), so the pattern guards
# every cast; only the calendar is left to DuckDB's try_cast, which gives null for 2023-02-29.


class Dialect(str, Enum):
    DUCKDB = "duckdb"
    # PostgreSQL and Redshift: a POSIX match, then the calendar checked by arithmetic, then a plain
    # cast (Redshift's non-strict to_date would roll 2023-02-30 over to March; PostgreSQL's cast
    # would raise and fail the whole model instead of quarantining one row).
    DEFAULT = "default"


def present_text_sql(expression: str) -> str:
    """SQL of the text `expression` as a value is judged: without surrounding spaces, null where it
    is missing or blank. trim() (spaces only, on every engine) runs only on a text that starts or
    ends with a space: on DuckDB it costs as much as a type's pattern, the two tests of an end a
    fifth of that, and almost no value the bank sends has a space to trim."""
    spaced = f"{expression} like '{TRIMMED}%' or {expression} like '%{TRIMMED}'"
    return f"nullif(case when {spaced} then trim({expression}) else {expression} end, '')"


def typed_sql(text: str, type: ColumnType, dialect: Dialect) -> str:
    """SQL of `text` as `type`, or null where it is not a valid value of it; never raises."""
    if type is ColumnType.VARCHAR:
        return text
    pattern = VALUE_PATTERNS[type]
    if dialect is Dialect.DUCKDB:
        matches = f"regexp_full_match({text}, '{pattern}')"
        value = f"lower({text}) = 'true'" if type is ColumnType.BOOLEAN else f"try_cast({text} as {type.value})"
        return f"case when {matches} then {value} end"
    matches = f"{text} ~ '^({pattern})$'"
    value = f"lower({text}) = 'true'" if type is ColumnType.BOOLEAN else f"cast({text} as {type.value})"
    if type in CALENDAR_TYPES:
        value = _calendar_checked(f"left({text}, 10)", value)
    return f"case when {matches} then {value} end"


def _calendar_checked(day: str, value: str) -> str:
    """`value` only when the YYYY-MM-DD text `day` (month 01-12, day 01-31 by the pattern) names a
    real day: its day is at most the month's length, leap years included."""
    year = f"cast(substring({day}, 1, 4) as integer)"
    leap = f"(mod({year}, 4) = 0 and mod({year}, 100) <> 0) or mod({year}, 400) = 0"
    month_length = (
        f"case cast(substring({day}, 6, 2) as integer) when 2 then case when {leap} then 29 else 28 end"
        " when 4 then 30 when 6 then 30 when 9 then 30 when 11 then 30 else 31 end"
    )
    return f"case when cast(substring({day}, 9, 2) as integer) <= {month_length} then {value} end"
