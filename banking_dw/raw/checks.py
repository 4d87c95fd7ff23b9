"""Asset checks over the CSV files of a day window, evaluated against the table contracts: the
registry (which checks a table has) and the generic checks every contract implies.

A table's days are loaded into an in-memory DuckDB, each value typed once: its files streamed as
text (banking_dw/raw/reading.py), or the frames the raw step has just written them from
(banking_dw/raw/frames.py). Each check is then one set-based query whose counts come first; only a
check with failures is read again for a few samples, which name the day, the row and the column
(and the value, unless the column is personal data). banking_dw/raw/window.py checks a window of
days, a batch at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import dagster as dg
import duckdb

from banking_dw.check_outcomes import SAMPLE_SIZE, CheckOutcome
from banking_dw.contracts import TableContract
from banking_dw.raw import balance_identity
from banking_dw.raw.balance_identity import BALANCE_IDENTITY
from banking_dw.raw.reading import DaysTable
from banking_dw.raw.sampling import describe_failures, quote, samples, shown_value
from banking_dw.raw.values import invalid_value_predicate

MATCHES_CONTRACT = "matches_contract"
KEY_UNIQUE_NOT_NULL = "key_is_unique_and_not_null"
VALUES_ALLOWED = "values_are_allowed"
FOREIGN_KEYS_RESOLVE = "foreign_keys_resolve"
ROW_COUNT_IN_VOLUME = "row_count_within_volume"


def check_names(table: TableContract) -> list[str]:
    """The checks that mean something for this table (no check that can never fail)."""
    names = [MATCHES_CONTRACT, KEY_UNIQUE_NOT_NULL, ROW_COUNT_IN_VOLUME]
    if any(c.allowed_values for c in table.columns):
        names.append(VALUES_ALLOWED)
    if any(c.references for c in table.columns):
        names.append(FOREIGN_KEYS_RESOLVE)
    if balance_identity.applies_to(table):
        names.append(BALANCE_IDENTITY)
    return names


def check_specs(table: TableContract, asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    descriptions = {
        MATCHES_CONTRACT: "Header, column order and every value's type match the table contract.",
        KEY_UNIQUE_NOT_NULL: f"The key ({', '.join(table.key)}) is present and unique.",
        ROW_COUNT_IN_VOLUME: "Rows per file lie within the volume the configured scale implies.",
        VALUES_ALLOWED: "Columns with a closed set of values hold only those values.",
        FOREIGN_KEYS_RESOLVE: "Every foreign key resolves in the same day's files.",
        BALANCE_IDENTITY: balance_identity.DESCRIPTION,
    }
    return [
        dg.AssetCheckSpec(name=name, asset=asset_key, description=descriptions[name]) for name in check_names(table)
    ]


def _unreadable(name: str, files: DaysTable) -> CheckOutcome:
    return CheckOutcome(
        name,
        False,
        f"{files.table.name}: cannot evaluate, files do not match the contract: " + "; ".join(files.header_problems),
        {"problems": files.header_problems},
    )


References = Callable[[str, list[date], list[str]], DaysTable]


def evaluate(
    connection: duckdb.DuckDBPyConnection,
    files: DaysTable,
    expected_rows: Mapping[date, tuple[int, int]],
    load_references: References,
) -> list[CheckOutcome]:
    """Every applicable check on a table's days already loaded as `t` (files or frames);
    `load_references` loads another table's columns (name, days, columns) into the same connection."""
    table = files.table
    names = check_names(table)
    if not files.readable:
        return [_unreadable(name, files) for name in names]
    outcomes = [_contract(connection, files), _key(connection, table), _row_count(files, expected_rows)]
    if VALUES_ALLOWED in names:
        outcomes.append(_allowed_values(connection, table))
    if FOREIGN_KEYS_RESOLVE in names:
        outcomes.append(_foreign_keys(connection, files, load_references))
    if BALANCE_IDENTITY in names:
        outcomes.append(balance_identity.balance_identity(connection, files, load_references))
    return outcomes


def _contract(connection: duckdb.DuckDBPyConnection, files: DaysTable) -> CheckOutcome:
    table = files.table
    failures: list[dict[str, object]] = [
        {"partition": label, "row": row, "problem": "wrong number of fields"}
        for label, row in files.malformed[:SAMPLE_SIZE]
    ]
    total = len(files.malformed)
    bad_by_column: dict[str, int] = {}
    # `t` flags each value that breaks its type or nullability: one pass counts every column's.
    counted = ", ".join(f'count(*) filter (where "{c.name}__bad")' for c in table.columns)
    bad_counts = connection.execute(f"select {counted} from t").fetchone()
    text = None
    for column, bad in zip(table.columns, bad_counts, strict=True):
        if not bad:
            continue
        bad_by_column[column.name] = bad
        total += bad
        if len(failures) < SAMPLE_SIZE:
            text = text or files.load_text()
            sql = (
                f'select partition, row_number as row, {shown_value(column, quote(column.name))} as value from "{text}"'
                f" where {invalid_value_predicate(column)} order by partition, row_number"
            )
            failures.extend(
                {**sample, "column": column.name, "expected": column.type.value} for sample in samples(connection, sql)
            )
    if total == 0:
        return CheckOutcome(
            MATCHES_CONTRACT,
            True,
            f"{table.name}: every row matches the contract",
            {"rows": sum(files.row_counts.values())},
        )
    return CheckOutcome(
        MATCHES_CONTRACT,
        False,
        describe_failures(table.name, "values break the contract", failures[:SAMPLE_SIZE], total),
        {
            "bad_values_by_column": bad_by_column,
            "malformed_rows": len(files.malformed),
            "samples": failures[:SAMPLE_SIZE],
        },
    )


def _key(connection: duckdb.DuckDBPyConnection, table: TableContract) -> CheckOutcome:
    """Within each day (a fact's key repeating on another day is banking_dw.raw.window's):
    counted with one aggregate over the typed keys, then sampled only when some fail."""
    key_columns = ", ".join(quote(c) for c in table.key)
    absent = " or ".join(f"t.{quote(c)} is null" for c in table.key)
    scope = ", ".join(["partition_day", *(quote(c) for c in table.key)])
    repeated = f"select {scope}, count(*) as copies from t where not ({absent}) group by {scope} having count(*) > 1"
    total = connection.execute(
        f"select (select count(*) from t where {absent}) + (select coalesce(sum(copies), 0) from ({repeated}))"
    ).fetchone()[0]
    if total == 0:
        return CheckOutcome(KEY_UNIQUE_NOT_NULL, True, f"{table.name}: key unique and present")
    shown = ", ".join(f"cast(t.{quote(c)} as varchar) as {quote(c)}" for c in table.key)
    joined = " and ".join(f"r.{quote(c)} = t.{quote(c)}" for c in table.key)
    sql = (
        f"select t.partition, t.row_number as row, {shown},"
        f" case when {absent} then 'missing key' else 'duplicate key' end as problem"
        f" from t left join ({repeated}) r on r.partition_day = t.partition_day and {joined}"
        f" where {absent} or r.copies is not null order by t.partition, t.row_number"
    )
    failures = samples(connection, sql)
    return CheckOutcome(
        KEY_UNIQUE_NOT_NULL,
        False,
        describe_failures(table.name, f"rows with a missing or repeated ({key_columns})", failures, total),
        {"failing_rows": total, "samples": failures},
    )


def _row_count(files: DaysTable, expected_rows: Mapping[date, tuple[int, int]]) -> CheckOutcome:
    outside = {}
    for day in files.days:
        label = day.isoformat()
        low, high = expected_rows[day]
        rows = files.row_counts.get(label, 0)
        if not low <= rows <= high:
            outside[label] = {"rows": rows, "expected_min": low, "expected_max": high}
    name = files.table.name
    if not outside:
        return CheckOutcome(
            ROW_COUNT_IN_VOLUME,
            True,
            f"{name}: row counts within the configured volume",
            {"rows_by_partition": files.row_counts},
        )
    return CheckOutcome(
        ROW_COUNT_IN_VOLUME,
        False,
        f"{name}: row count outside the configured volume in "
        + "; ".join(
            f"{label}: {v['rows']} not in [{v['expected_min']}, {v['expected_max']}]" for label, v in outside.items()
        ),
        {"outside": outside},
    )


def _allowed(column_name: str, values: tuple[str, ...]) -> str:
    """SQL true where a valid typed value is not one of `values` (compared as text: '+5' is 5)."""
    listed = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"t.{quote(column_name)} is not null and cast(t.{quote(column_name)} as varchar) not in ({listed})"


def _allowed_values(connection: duckdb.DuckDBPyConnection, table: TableContract) -> CheckOutcome:
    # A missing or mistyped value is the contract check's to report: `t` holds it as null.
    closed = [c for c in table.columns if c.allowed_values]
    counted = ", ".join(f"count(*) filter (where {_allowed(c.name, c.allowed_values)})" for c in closed)
    counts = connection.execute(f"select {counted} from t").fetchone()
    by_column = {c.name: bad for c, bad in zip(closed, counts, strict=True) if bad}
    if not by_column:
        return CheckOutcome(VALUES_ALLOWED, True, f"{table.name}: every value is allowed")
    failures: list[dict[str, object]] = []
    for column in closed:
        if column.name in by_column:
            value = shown_value(column, f"cast(t.{quote(column.name)} as varchar)")
            sql = (
                f"select t.partition, t.row_number as row, {value} as value from t"
                f" where {_allowed(column.name, column.allowed_values)} order by t.partition, t.row_number"
            )
            failures.extend({**s, "column": column.name} for s in samples(connection, sql))
    return CheckOutcome(
        VALUES_ALLOWED,
        False,
        describe_failures(
            table.name, "values outside the allowed set", failures[:SAMPLE_SIZE], sum(by_column.values())
        ),
        {"bad_values_by_column": by_column, "samples": failures[:SAMPLE_SIZE]},
    )


def _foreign_keys(connection: duckdb.DuckDBPyConnection, files: DaysTable, load_references: References) -> CheckOutcome:
    """Each reference's parent keys (typed as they load) go into a small table; one aggregate with
    a left join per reference then counts the unresolved children of every column at once."""
    table = files.table
    failures: list[dict[str, object]] = []
    unreadable: list[dict[str, object]] = []
    by_column: dict[str, int] = {}
    joins, counted, resolving = [], [], []
    for column in (c for c in table.columns if c.references):
        parent_name, parent_column = column.references
        parent_files = load_references(parent_name, files.days, [parent_column])
        if not parent_files.readable:
            problem = "; ".join(parent_files.header_problems) or "no files"
            by_column[column.name] = -1
            unreadable.append({"column": column.name, "problem": f"cannot read {parent_name}: {problem}"})
            continue
        # Once per parent relation: the references a connection loads keep their names
        # (banking_dw.raw.window.Batch), so the tables checked in one batch share their parents' keys.
        keys = f"keys_{parent_files.name}"
        connection.execute(
            f'create temp table if not exists "{keys}" as select distinct partition_day, {quote(parent_column)} as key'
            f' from "{parent_files.name}"'
        )
        joins.append(
            f'left join "{keys}" on "{keys}".key = t.{quote(column.name)} and "{keys}".partition_day = t.partition_day'
        )
        unresolved = f't.{quote(column.name)} is not null and "{keys}".key is null'
        counted.append(f"count(*) filter (where {unresolved})")
        resolving.append((column, unresolved))
    if counted:
        counts = connection.execute(f"select {', '.join(counted)} from t {' '.join(joins)}").fetchone()
        for (column, unresolved), bad in zip(resolving, counts, strict=True):
            if not bad:
                continue
            by_column[column.name] = bad
            sql = (
                f"select t.partition, t.row_number as row, cast(t.{quote(column.name)} as varchar) as value"
                f" from t {' '.join(joins)} where {unresolved} order by t.partition, t.row_number"
            )
            references = f"{column.references[0]}.{column.references[1]}"
            failures.extend({**s, "column": column.name, "references": references} for s in samples(connection, sql))
    if not by_column:
        return CheckOutcome(FOREIGN_KEYS_RESOLVE, True, f"{table.name}: every foreign key resolves")
    failures += unreadable
    total = sum(bad for bad in by_column.values() if bad > 0)
    return CheckOutcome(
        FOREIGN_KEYS_RESOLVE,
        False,
        describe_failures(table.name, "foreign keys that do not resolve", failures[:SAMPLE_SIZE], total),
        {"unresolved_by_column": by_column, "samples": failures[:SAMPLE_SIZE]},
    )
