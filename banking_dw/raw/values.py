"""The contract's value rule (banking_dw.value_rules) as DuckDB SQL over text columns,
for the raw checks; silver states the same rule in dbt (macros/safe_cast_text.sql)."""

from __future__ import annotations

from collections.abc import Sequence

from banking_dw.contracts import Column
from banking_dw.raw.sampling import quote
from banking_dw.value_rules import CALENDAR_TYPES, TRIMMED, VALUE_PATTERNS, ColumnType


def missing(expression: str) -> str:
    """SQL true where the text is absent or blank."""
    return f"({expression} is null or trim({expression}, '{TRIMMED}') = '')"


def is_valid(expression: str, type: ColumnType) -> str:
    """SQL true where the (non-missing) text is a valid value of `type`."""
    if type is ColumnType.VARCHAR:
        return "true"
    value = f"trim({expression}, '{TRIMMED}')"
    valid = f"regexp_full_match({value}, '{VALUE_PATTERNS[type]}')"
    if type in CALENDAR_TYPES:
        # Only a real calendar day casts: 2023-02-29 does not.
        valid = f"({valid} and try_cast({value} as {type.value}) is not null)"
    return valid


def typed(expression: str, type: ColumnType) -> str:
    """SQL of the text as `type`; null where it is missing or not a valid value."""
    if type is ColumnType.VARCHAR:
        return f"nullif({expression}, '')"
    return f"case when {is_valid(expression, type)} then try_cast(trim({expression}, '{TRIMMED}') as {type.value}) end"


def invalid_value_predicate(column: Column) -> str:
    """SQL that is true where the text in `column` breaks its contract type or nullability."""
    name = quote(column.name)
    if column.type is ColumnType.VARCHAR:
        return "false" if column.nullable else missing(name)
    malformed = f"not {is_valid(name, column.type)}"
    if column.nullable:
        return f"(not {missing(name)} and {malformed})"
    return f"({missing(name)} or {malformed})"


def judged_columns(columns: Sequence[Column]) -> tuple[str, str]:
    """Two SQL select lists over text columns, applied in turn: the first renames each column to
    `<column>__raw`; the second gives each column's value (`<column>`: null where missing or
    invalid) and whether it breaks its type or nullability (`<column>__bad`), reading the value it
    has just typed. One pass types a whole file, however many checks then read it; surrounding
    spaces are part of the pattern and left to the cast, not trimmed off every value first."""
    inner, outer = [], []
    for column in columns:
        name, raw = quote(column.name), quote(f"{column.name}__raw")
        inner.append(f"{name} as {raw}")
        blank = f"({raw} is null or regexp_full_match({raw}, '{TRIMMED}*'))"
        if column.type is ColumnType.VARCHAR:
            outer.append(f"nullif({raw}, '') as {name}")
            bad = "false" if column.nullable else blank
        else:
            valid = f"regexp_full_match({raw}, '{TRIMMED}*({VALUE_PATTERNS[column.type]}){TRIMMED}*')"
            if column.type is ColumnType.BOOLEAN:
                value = f"lower(trim({raw}, '{TRIMMED}')) = 'true'"
            else:
                # The cast also refuses an impossible calendar day (2023-02-29) that the pattern lets by.
                value = f"try_cast({raw} as {column.type.value})"
            outer.append(f"case when {valid} then {value} end as {name}")
            bad = f"(not {blank} and {name} is null)" if column.nullable else f"{name} is null"
        outer.append(f"{bad} as {quote(f'{column.name}__bad')}")
    return ", ".join(inner), ", ".join(outer)
