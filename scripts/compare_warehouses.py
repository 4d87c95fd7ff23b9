"""Whether two DuckDB warehouses publish the same thing: every table of gold, restricted and the
reports as a multiset of rows, and each quarantine's (day, rule, reason), in both directions.

    .venv/bin/python scripts/compare_warehouses.py A.duckdb B.duckdb

Used to prove a change leaves what the warehouse publishes as it was: build the same landed days
with each revision's dbt project into a copy of the warehouse, then compare. Exits 1 on any
difference, naming the relation and the rows each side has that the other lacks.
"""

from __future__ import annotations

import sys

import duckdb

PUBLISHED = ("dev_gold", "dev_restricted", "dev_reports")


def _tables(connection: duckdb.DuckDBPyConnection, database: str, schema: str) -> set[str]:
    rows = connection.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = ?",
        [database, schema],
    ).fetchall()
    return {name for (name,) in rows}


def _difference(connection: duckdb.DuckDBPyConnection, first: str, second: str) -> int:
    return connection.execute(f"select count(*) from ({first} except all {second})").fetchone()[0]


def _compared(connection: duckdb.DuckDBPyConnection, name: str, query: str) -> int:
    """Rows of `query` (with {} for the database) that one side has and the other lacks; printed."""
    only_a = _difference(connection, query.format("a"), query.format("b"))
    only_b = _difference(connection, query.format("b"), query.format("a"))
    print(f"{name}: {'equal' if only_a == only_b == 0 else f'{only_a} rows only in a, {only_b} only in b'}")
    return only_a + only_b


def compare(a: str, b: str) -> int:
    connection = duckdb.connect()
    for alias, path in (("a", a), ("b", b)):
        connection.execute(f"attach '{path.replace(chr(39), chr(39) * 2)}' as {alias} (read_only)")
    differences = 0
    for schema in PUBLISHED:
        in_a, in_b = _tables(connection, "a", schema), _tables(connection, "b", schema)
        for table in sorted(in_a ^ in_b):
            print(f"{schema}.{table}: only in {'a' if table in in_a else 'b'}")
            differences += 1
        for table in sorted(in_a & in_b):
            differences += _compared(connection, f"{schema}.{table}", "select * from {}." + f'"{schema}"."{table}"')
    for table in sorted(t for t in _tables(connection, "a", "dev_silver") if t.startswith("quarantine_")):
        query = "select dt, quarantine_rule, quarantine_reason from {}.dev_silver." + f'"{table}"'
        differences += _compared(connection, f"dev_silver.{table}", query)
    print("equal" if differences == 0 else f"{differences} difference(s)")
    return 1 if differences else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(compare(sys.argv[1], sys.argv[2]))
