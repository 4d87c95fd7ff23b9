"""The contract's value rule (banking_dw.value_rules) as DuckDB SQL over text columns,
for the raw checks; silver states the same rule in dbt (macros/safe_cast_text.sql)."""

from __future__ import annotations

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
