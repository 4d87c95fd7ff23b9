"""Asset checks over the CSV files of a day window, evaluated against the table contracts: the
registry (which checks a table has) and the generic checks every contract implies.

Files are read with pyarrow as text (order preserved, so a failure can name its row) and judged
with SQL in an in-memory DuckDB: vectorised, and independent of the warehouse file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from banking_dw.check_outcomes import SAMPLE_SIZE, CheckOutcome, combine
from banking_dw.contracts import TableContract, contract
from banking_dw.raw import balance_identity
from banking_dw.raw.balance_identity import BALANCE_IDENTITY
from banking_dw.raw.reading import WindowFiles
from banking_dw.raw.sampling import count, describe_failures, quote, samples
from banking_dw.raw.values import invalid_value_predicate, missing, typed

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


def _unreadable(name: str, files: WindowFiles) -> CheckOutcome:
    return CheckOutcome(
        name,
        False,
        f"{files.table.name}: cannot evaluate, files do not match the contract: " + "; ".join(files.header_problems),
        {"problems": files.header_problems},
    )


def evaluate(
    files: WindowFiles,
    expected_rows: Callable[[date], tuple[int, int]],
    load_references: Callable[[str, list[date]], WindowFiles],
) -> list[CheckOutcome]:
    """Run every applicable check on files already loaded; `load_references` reads other tables."""
    table = files.table
    names = check_names(table)
    if not files.readable:
        return [_unreadable(name, files) for name in names]
    connection = duckdb.connect()
    try:
        connection.register("t", files.text)
        outcomes = [_contract(connection, files), _key(connection, table)]
        outcomes.append(_row_count(files, expected_rows))
        if VALUES_ALLOWED in names:
            outcomes.append(_allowed_values(connection, table))
        if FOREIGN_KEYS_RESOLVE in names:
            outcomes.append(_foreign_keys(connection, files, load_references))
        if BALANCE_IDENTITY in names:
            outcomes.append(balance_identity.balance_identity(connection, files, load_references))
        return outcomes
    finally:
        connection.close()


def _day_loader(files: WindowFiles, path_of: Callable[[str, date], Path]) -> Callable[[str, list[date]], WindowFiles]:
    """Loads the other tables a day's checks look up (foreign keys, balances), once each."""
    loaded = {(files.table.name, tuple(files.files)): files}

    def load(name: str, days: list[date]) -> WindowFiles:
        key = (name, tuple(days))
        if key not in loaded:
            loaded[key] = WindowFiles(contract(name), {d: path_of(name, d) for d in days})
        return loaded[key]

    return load


# Rows of one table held in memory at once while its checks run: the days of a window are
# checked together up to this many rows (a week at default scale in one pass, a 1M-row day alone),
# since each check is a handful of queries whatever the number of days.
ROWS_PER_PASS = 500_000


def day_batches(days: list[date], rows_per_day: Callable[[date], int], budget: int = ROWS_PER_PASS) -> list[list[date]]:
    """`days` in order, cut into consecutive batches of at most `budget` rows (at least one day each)."""
    batches: list[list[date]] = []
    rows = 0
    for day in sorted(days):
        day_rows = rows_per_day(day)
        if not batches or rows + day_rows > budget:
            batches.append([])
            rows = 0
        batches[-1].append(day)
        rows += day_rows
    return batches


def evaluate_window(
    table: TableContract,
    paths: Mapping[date, Path],
    expected_rows: Callable[[date], tuple[int, int]],
    path_of: Callable[[str, date], Path],
) -> list[CheckOutcome]:
    """Every check over a window, a batch of days at a time (`ROWS_PER_PASS`), so memory stays
    bounded however long the backfill; fact keys are then checked for repeats across the days."""
    per_batch: list[list[CheckOutcome]] = []
    for days in day_batches(list(paths), lambda day: expected_rows(day)[1]):
        files = WindowFiles(table, {day: paths[day] for day in days})
        if not files.readable and len(days) > 1:
            # A day that cannot be read must not hide what the others' checks would find.
            for day in days:
                single = WindowFiles(table, {day: paths[day]})
                per_batch.append(evaluate(single, expected_rows, _day_loader(single, path_of)))
            continue
        per_batch.append(evaluate(files, expected_rows, _day_loader(files, path_of)))
    outcomes = [combine(parts[0].name, list(parts)) for parts in zip(*per_batch, strict=False)]
    if table.is_fact and len(paths) > 1:
        outcomes = [
            combine(o.name, [o, _keys_repeated_across_days(table, paths)]) if o.name == KEY_UNIQUE_NOT_NULL else o
            for o in outcomes
        ]
    return outcomes


def _typed_key(table: TableContract, prefix: str = "") -> list[str]:
    """The key as its values, not its text: ' 7' and '+7' are the same account as '7'."""
    return [typed(prefix + quote(c), table.column(c).type) for c in table.key]


def _keys_repeated_across_days(table: TableContract, paths: Mapping[date, Path]) -> CheckOutcome:
    """Only the key columns are read, and DuckDB's aggregate spills to disk, so this scales."""
    files = [str(p) for p in paths.values() if p.is_file()]
    keys = ", ".join(
        f"cast({value} as varchar) as {quote(c)}" for c, value in zip(table.key, _typed_key(table), strict=False)
    )
    sql = (
        f"select {keys}, count(distinct filename) as days from read_csv(?, header=true,"
        f" all_varchar=true, filename=true, ignore_errors=true) group by all having days > 1"
    )
    connection = duckdb.connect()
    try:
        repeated = connection.execute(f"select count(*) from ({sql})", [files]).fetchone()[0]
        cursor = connection.execute(f"{sql} order by all limit {SAMPLE_SIZE}", [files])
        columns = [d[0] for d in cursor.description]
        failures = [dict(zip(columns, row, strict=False)) for row in cursor.fetchall()]
    finally:
        connection.close()
    if not repeated:
        return CheckOutcome(KEY_UNIQUE_NOT_NULL, True, f"{table.name}: no key repeats across days")
    return CheckOutcome(
        KEY_UNIQUE_NOT_NULL,
        False,
        describe_failures(table.name, "keys that appear on more than one day", failures, repeated),
        {"failing_rows": repeated, "samples": failures},
    )


def _contract(connection: duckdb.DuckDBPyConnection, files: WindowFiles) -> CheckOutcome:
    table = files.table
    failures: list[dict[str, object]] = [
        {"partition": label, "row": row, "problem": "wrong number of fields"}
        for label, row in files.malformed[:SAMPLE_SIZE]
    ]
    total = len(files.malformed)
    bad_by_column: dict[str, int] = {}
    predicates = {c.name: p for c in table.columns if (p := invalid_value_predicate(c)) != "false"}
    # One pass counts every column's bad values; only a column with some is read again for samples.
    counted = ", ".join(f"count(*) filter (where {predicate})" for predicate in predicates.values())
    bad_counts = connection.execute(f"select {counted} from t").fetchone() if predicates else ()
    for (name, predicate), bad in zip(predicates.items(), bad_counts, strict=True):
        column = table.column(name)
        sql = (
            f"select partition, row_number as row, {quote(column.name)} as value"
            f" from t where {predicate} order by partition, row_number"
        )
        if bad:
            bad_by_column[column.name] = bad
            total += bad
            if len(failures) < SAMPLE_SIZE:
                failures.extend(
                    {**sample, "column": column.name, "expected": column.type.value}
                    for sample in samples(connection, sql)
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
    key_columns = ", ".join(quote(c) for c in table.key)
    absent = " or ".join(missing(quote(c)) for c in table.key)
    # Within each file; a fact's key repeating on another day is `_keys_repeated_across_days`.
    scope = ", ".join(["partition", *_typed_key(table)])
    sql = (
        f"select partition, row_number as row, {key_columns},"
        f" case when {absent} then 'missing key' else 'duplicate key' end as problem from ("
        f"  select *, count(*) over (partition by {scope}) as copies from t"
        f") where {absent} or copies > 1 order by partition, row_number"
    )
    total = count(connection, sql)
    if total == 0:
        return CheckOutcome(KEY_UNIQUE_NOT_NULL, True, f"{table.name}: key unique and present")
    failures = samples(connection, sql)
    return CheckOutcome(
        KEY_UNIQUE_NOT_NULL,
        False,
        describe_failures(table.name, f"rows with a missing or repeated ({key_columns})", failures, total),
        {"failing_rows": total, "samples": failures},
    )


def _row_count(files: WindowFiles, expected_rows: Callable[[date], tuple[int, int]]) -> CheckOutcome:
    outside = {}
    for day in files.files:
        label = day.isoformat()
        low, high = expected_rows(day)
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


def _allowed_values(connection: duckdb.DuckDBPyConnection, table: TableContract) -> CheckOutcome:
    total = 0
    failures: list[dict[str, object]] = []
    by_column: dict[str, int] = {}
    for column in table.columns:
        if not column.allowed_values:
            continue
        connection.execute("create or replace temp table allowed(value varchar)")
        connection.executemany("insert into allowed values (?)", [[v] for v in column.allowed_values])
        name = quote(column.name)
        # Judged as silver judges it: the value of a valid typed text ('+5' is the score 5);
        # a missing or mistyped value is the contract check's to report.
        value = f"cast({typed(name, column.type)} as varchar)"
        sql = (
            f"select partition, row_number as row, {name} as value from t"
            f" where {value} not in (select value from allowed)"
            " order by partition, row_number"
        )
        bad = count(connection, sql)
        if bad:
            by_column[column.name] = bad
            total += bad
            failures.extend({**s, "column": column.name} for s in samples(connection, sql))
    if total == 0:
        return CheckOutcome(VALUES_ALLOWED, True, f"{table.name}: every value is allowed")
    return CheckOutcome(
        VALUES_ALLOWED,
        False,
        describe_failures(table.name, "values outside the allowed set", failures[:SAMPLE_SIZE], total),
        {"bad_values_by_column": by_column, "samples": failures[:SAMPLE_SIZE]},
    )


def _foreign_keys(
    connection: duckdb.DuckDBPyConnection,
    files: WindowFiles,
    load_references: Callable[[str, list[date]], WindowFiles],
) -> CheckOutcome:
    table = files.table
    total = 0
    failures: list[dict[str, object]] = []
    by_column: dict[str, int] = {}
    for column in table.columns:
        if not column.references:
            continue
        parent_name, parent_column = column.references
        parent_files = load_references(parent_name, list(files.files))
        if not parent_files.readable:
            problem = "; ".join(parent_files.header_problems) or "no files"
            by_column[column.name] = -1
            failures.append({"column": column.name, "problem": f"cannot read {parent_name}: {problem}"})
            continue
        connection.register("parent", parent_files.text.select([parent_column, "partition"]))
        name = quote(column.name)
        parent_type = contract(parent_name).column(parent_column).type
        # Values, not text, must match; a missing or mistyped key is the contract check's to report.
        # Both sides' keys are typed once, before a plain anti join: typed inside a correlated
        # `not exists`, DuckDB compared every distinct child key with every parent row
        # (500 s for a 1M-row day against 20,000 accounts, 0.6 s this way).
        child_value, parent_value = typed(f"t.{name}", column.type), typed(f"p.{quote(parent_column)}", parent_type)
        sql = (
            f"with parent_keys as (select distinct p.partition, {parent_value} as key from parent p),"
            f" child_keys as (select t.partition, t.row_number, t.{name} as value, {child_value} as key from t)"
            " select c.partition, c.row_number as row, c.value from child_keys c"
            " anti join parent_keys k on k.key = c.key and k.partition = c.partition"
            " where c.key is not null"
            " order by c.partition, c.row_number"
        )
        bad = count(connection, sql)
        if bad:
            by_column[column.name] = bad
            total += bad
            failures.extend(
                {**s, "column": column.name, "references": f"{parent_name}.{parent_column}"}
                for s in samples(connection, sql)
            )
        connection.unregister("parent")
    if not by_column:
        return CheckOutcome(FOREIGN_KEYS_RESOLVE, True, f"{table.name}: every foreign key resolves")
    return CheckOutcome(
        FOREIGN_KEYS_RESOLVE,
        False,
        describe_failures(table.name, "foreign keys that do not resolve", failures[:SAMPLE_SIZE], total),
        {"unresolved_by_column": by_column, "samples": failures[:SAMPLE_SIZE]},
    )
