"""How a raw check reports: a count of failing rows and a few samples naming partition, row and column."""

from __future__ import annotations

import duckdb

from banking_dw.check_outcomes import SAMPLE_SIZE
from banking_dw.contracts import Column

PERSONAL = "(personal data, not shown)"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def shown_value(column: Column, expression: str) -> str:
    """SQL of the value a sample shows: the value, or a placeholder for personal data, which never
    leaves the warehouse in a check's description, its metadata or an alert."""
    return f"'{PERSONAL}'" if column.personal else expression


def samples(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, object]]:
    cursor = connection.execute(sql + f" limit {SAMPLE_SIZE}")
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=False)) for row in cursor.fetchall()]


def count(connection: duckdb.DuckDBPyConnection, sql: str) -> int:
    return connection.execute(f"select count(*) from ({sql})").fetchone()[0]


def describe_failures(table: str, what: str, failures: list[dict[str, object]], total: int) -> str:
    shown = "; ".join(", ".join(f"{k}={v!r}" for k, v in sample.items()) for sample in failures)
    return f"{table}: {total} {what}, e.g. {shown}"
