"""What text is a valid value of each contract type: one rule, read by the raw checks (Python and
DuckDB SQL) and, through the dbt vars `make contract` writes, by silver's casts and quarantine.

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
