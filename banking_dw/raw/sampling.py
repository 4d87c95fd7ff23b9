"""How a raw check reports: a count of failing rows and a few samples naming partition and row."""

from __future__ import annotations

import duckdb

from banking_dw.check_outcomes import SAMPLE_SIZE


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def samples(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, object]]:
    cursor = connection.execute(sql + f" limit {SAMPLE_SIZE}")
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=False)) for row in cursor.fetchall()]


def count(connection: duckdb.DuckDBPyConnection, sql: str) -> int:
    return connection.execute(f"select count(*) from ({sql})").fetchone()[0]


def describe_failures(table: str, what: str, failures: list[dict[str, object]], total: int) -> str:
    shown = "; ".join(", ".join(f"{k}={v!r}" for k, v in sample.items()) for sample in failures)
    return f"{table}: {total} {what}, e.g. {shown}"
