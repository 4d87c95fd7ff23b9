"""What an erased customer's personal values become: a placeholder per column, from the contract.

A customer erased on request keeps their row, key and history (accounts, transactions and every
total stay as they are), but each personal column that identifies them is replaced by a
placeholder that passes the column's rules, so the row is neither quarantined nor dropped.

Erased: every direct identifier of `dim_customers` (names, email, phone, street address) and each
quasi-identifier the contract masks in analysts' gold (the date of birth). Kept: the
quasi-identifiers the contract leaves unmasked because the analyses need them (home city, state,
country). Each is shared by many customers, and once the name, contacts, address and birth date
are gone they no longer lead to the person; analysts' gold shows them to every analyst already.

A placeholder is the column's `erased_as` when the contract gives one (an email or phone number
that still reads as one), else the type's: text `[erased]`, a date the earliest the column accepts
(1900-01-01 for a birth date: no plausible birth date, so no age analysis mistakes it for one).
"""

from __future__ import annotations

from banking_dw.contracts import Column, Personal, TableContract, contract
from banking_dw.partitions import FIRST_DAY
from banking_dw.value_rules import ColumnType, is_valid_value

# The table whose rows are customers, and its key: what an erasure request names.
ERASED_TABLE = "dim_customers"
ERASED_KEY = "customer_id"
ERASED_TEXT = "[erased]"


def is_erased(column: Column) -> bool:
    """Whether an erasure replaces the column's value (in the erased table)."""
    return column.personal is Personal.DIRECT or (column.personal is Personal.QUASI and column.mask is not None)


def erased_columns(table: TableContract | None = None) -> tuple[Column, ...]:
    """The columns of the erased table an erasure replaces, in contract order."""
    return tuple(c for c in (table or contract(ERASED_TABLE)).columns if is_erased(c))


def erased_value(column: Column) -> str:
    """The placeholder text of an erased column, as a CSV carries it; ValueError when the column
    is not erased or its type has no placeholder (give it `erased_as`)."""
    if not is_erased(column):
        raise ValueError(f"{column.name} is not erased: it is not personal data, or the analyses need it")
    if column.erased_as is not None:
        value = column.erased_as
    elif column.type is ColumnType.VARCHAR:
        value = ERASED_TEXT
    elif column.type is ColumnType.DATE and column.earliest is not None:
        value = column.earliest
    else:
        raise ValueError(f"no placeholder for the {column.type.value} column {column.name}: give it erased_as")
    problem = rule_broken(column, value)
    if problem:
        raise ValueError(f"the placeholder of {column.name} breaks its rule: {problem}")
    return value


def rule_broken(column: Column, value: str) -> str | None:
    """The rule of the contract `value` breaks (what silver would quarantine it for), or None."""
    if not value.strip():
        return "empty"
    if not is_valid_value(value, column.type):
        return f"not a valid {column.type.value}"
    if column.max_length is not None and len(value) > column.max_length:
        return f"longer than {column.max_length} characters"
    if column.allowed_values is not None and value not in column.allowed_values:
        return "not an allowed value"
    # Dates in YYYY-MM-DD compare as text.
    if column.earliest is not None and value.strip() < column.earliest:
        return f"before {column.earliest}"
    # After no extract day: not after the first day of the calendar a day can be loaded for.
    if column.not_after_extract_day and value.strip() > FIRST_DAY.isoformat():
        return f"after the extract day {FIRST_DAY.isoformat()}"
    return None
