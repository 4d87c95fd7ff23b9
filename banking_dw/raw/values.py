"""The contract's value rule as the raw checks apply it to text columns: the SQL is
banking_dw.value_rules' (typed_sql), which silver's safe_cast_text reads too."""

from __future__ import annotations

from collections.abc import Sequence

from banking_dw.contracts import Column
from banking_dw.raw.sampling import quote
from banking_dw.value_rules import TRIMMED, ColumnType, Dialect, present_text_sql, typed_sql


def missing(expression: str) -> str:
    """SQL true where the text is absent or blank."""
    return f"({expression} is null or trim({expression}, '{TRIMMED}') = '')"


def typed(expression: str, type: ColumnType) -> str:
    """SQL of the text as `type`; null where it is missing or not a valid value (the contract's
    rule as value_rules renders it, DuckDB's dialect)."""
    if type is ColumnType.VARCHAR:
        return f"nullif({expression}, '')"
    return typed_sql(present_text_sql(expression), type, Dialect.DUCKDB)


def is_valid(expression: str, type: ColumnType) -> str:
    """SQL true where the (non-missing) text is a valid value of `type`."""
    if type is ColumnType.VARCHAR:
        return "true"
    return f"({typed(expression, type)} is not null)"


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
    has just typed. One pass types a whole file, however many checks then read it."""
    inner, outer = [], []
    for column in columns:
        name, raw = quote(column.name), quote(f"{column.name}__raw")
        inner.append(f"{name} as {raw}")
        outer.append(f"{typed(raw, column.type)} as {name}")
        # blank: a regular expression costs DuckDB a third of what trim() and a comparison do
        blank = f"({raw} is null or regexp_full_match({raw}, '{TRIMMED}*'))"
        if column.type is ColumnType.VARCHAR:
            bad = "false" if column.nullable else blank
        else:
            bad = f"(not {blank} and {name} is null)" if column.nullable else f"{name} is null"
        outer.append(f"{bad} as {quote(f'{column.name}__bad')}")
    return ", ".join(inner), ", ".join(outer)
