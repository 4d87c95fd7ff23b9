"""Asset checks over the CSV files of a day window, evaluated against the table contracts.

Files are read with pyarrow as text (order preserved, so a failure can name its row) and judged
with SQL in an in-memory DuckDB: vectorised, and independent of the warehouse file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from banking_dw.check_outcomes import SAMPLE_SIZE, CheckOutcome, combine
from banking_dw.contracts import Column, ColumnType, TableContract, contract
from banking_dw.partitions import FIRST_DAY

MATCHES_CONTRACT = "matches_contract"
KEY_UNIQUE_NOT_NULL = "key_is_unique_and_not_null"
VALUES_ALLOWED = "values_are_allowed"
FOREIGN_KEYS_RESOLVE = "foreign_keys_resolve"
ROW_COUNT_IN_VOLUME = "row_count_within_volume"
BALANCE_IDENTITY = "balance_identity_holds"

# What a well-formed text value of each type looks like; `try_cast` then rejects impossible
# values such as 2024-02-30 or an integer overflow.
_TYPE_PATTERNS: dict[ColumnType, tuple[str, str]] = {
    ColumnType.BIGINT: (r"^-?[0-9]{1,18}$", "BIGINT"),
    ColumnType.INTEGER: (r"^-?[0-9]{1,9}$", "INTEGER"),
    ColumnType.DECIMAL: (r"^-?[0-9]{1,16}\.[0-9]{2}$", "DECIMAL(18,2)"),
    ColumnType.RATE: (r"^-?[0-9]{1,12}\.[0-9]{6}$", "DECIMAL(18,6)"),
    ColumnType.DATE: (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "DATE"),
    ColumnType.TIMESTAMP: (r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$", "TIMESTAMP"),
    ColumnType.BOOLEAN: (r"^(true|false)$", "BOOLEAN"),
}


def check_names(table: TableContract) -> list[str]:
    """The checks that mean something for this table (no check that can never fail)."""
    names = [MATCHES_CONTRACT, KEY_UNIQUE_NOT_NULL, ROW_COUNT_IN_VOLUME]
    if any(c.allowed_values for c in table.columns):
        names.append(VALUES_ALLOWED)
    if any(c.references for c in table.columns):
        names.append(FOREIGN_KEYS_RESOLVE)
    if table.name == "fact_daily_balances":
        names.append(BALANCE_IDENTITY)
    return names


def check_specs(table: TableContract, asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    descriptions = {
        MATCHES_CONTRACT: "Header, column order and every value's type match the table contract.",
        KEY_UNIQUE_NOT_NULL: f"The key ({', '.join(table.key)}) is present and unique.",
        ROW_COUNT_IN_VOLUME: "Rows per file lie within the volume the configured scale implies.",
        VALUES_ALLOWED: "Columns with a closed set of values hold only those values.",
        FOREIGN_KEYS_RESOLVE: "Every foreign key resolves in the same day's files.",
        BALANCE_IDENTITY: (
            "closing = opening + credits - debits; opening = previous closing; credits and"
            " debits equal the day's Completed transactions."
        ),
    }
    return [
        dg.AssetCheckSpec(name=name, asset=asset_key, description=descriptions[name])
        for name in check_names(table)
    ]


def invalid_value_predicate(column: Column) -> str:
    """SQL that is true where the text in `column` breaks its contract type or nullability."""
    name = _quote(column.name)
    missing = f"({name} is null or {name} = '')"
    if column.type is ColumnType.VARCHAR:
        return "false" if column.nullable else missing
    pattern, sql_type = _TYPE_PATTERNS[column.type]
    malformed = (
        f"(not regexp_full_match({name}, '{pattern}') or try_cast({name} as {sql_type}) is null)"
    )
    if column.nullable:
        return f"(not {missing} and {malformed})"
    return f"({missing} or {malformed})"


def read_text_table(path: Path, table: TableContract) -> tuple[pa.Table, list[str], list[int]]:
    """The file as text columns plus its header and the numbers of rows with a wrong field count."""
    malformed_rows: list[int] = []

    def keep_count(row: pacsv.InvalidRow) -> str:
        malformed_rows.append(row.number if row.number is not None else -1)
        return "skip"

    header = read_csv_header(path)
    text = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=keep_count),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False
        ),
    )
    return text, header, malformed_rows


def read_csv_header(path: Path) -> list[str]:
    # utf-8-sig: a byte order mark from a spreadsheet export is not part of the first column's name.
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


class WindowFiles:
    """The text of one table's files over a window, loaded once and shared by its checks."""

    def __init__(self, table: TableContract, files: Mapping[date, Path]):
        self.table = table
        self.files = dict(files)
        self.header_problems: list[str] = []
        self.missing: list[str] = []
        self.malformed: list[tuple[str, int]] = []
        self.row_counts: dict[str, int] = {}
        parts = []
        for day, path in sorted(self.files.items()):
            label = day.isoformat()
            if not path.is_file():
                self.missing.append(label)
                self.header_problems.append(f"{label}: file missing at {path}")
                continue
            text, header, malformed = read_text_table(path, table)
            if tuple(header) != table.column_names:
                self.header_problems.append(
                    f"{label}: header {header} != contract {list(table.column_names)}"
                )
                continue
            self.malformed.extend((label, row) for row in malformed)
            self.row_counts[label] = text.num_rows
            parts.append(
                text.append_column("partition", pa.repeat(pa.scalar(label, pa.string()), text.num_rows))
                .append_column("row_number", pa.array(np.arange(1, text.num_rows + 1, dtype=np.int64)))
            )
        self.text = pa.concat_tables(parts) if parts else None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _samples(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, object]]:
    cursor = connection.execute(sql + f" limit {SAMPLE_SIZE}")
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _unreadable(name: str, files: WindowFiles) -> CheckOutcome:
    return CheckOutcome(
        name,
        False,
        f"{files.table.name}: cannot evaluate, files do not match the contract: "
        + "; ".join(files.header_problems),
        {"problems": files.header_problems},
    )


def _describe_failures(table: str, what: str, failures: list[dict[str, object]], total: int) -> str:
    shown = "; ".join(
        ", ".join(f"{k}={v!r}" for k, v in sample.items()) for sample in failures
    )
    return f"{table}: {total} {what}, e.g. {shown}"


def evaluate(
    files: WindowFiles,
    expected_rows: Callable[[date], tuple[int, int]],
    load_references: Callable[[str, list[date]], WindowFiles],
) -> list[CheckOutcome]:
    """Run every applicable check on files already loaded; `load_references` reads other tables."""
    table = files.table
    names = check_names(table)
    if files.text is None or files.header_problems:
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
            outcomes.append(_balance_identity(connection, files, load_references))
        return outcomes
    finally:
        connection.close()


def evaluate_window(
    table: TableContract,
    paths: Mapping[date, Path],
    expected_rows: Callable[[date], tuple[int, int]],
    path_of: Callable[[str, date], Path],
) -> list[CheckOutcome]:
    """Every check over a window, one day at a time, so memory holds one day's files however
    long the backfill; fact keys are then checked for repeats across the days."""
    per_day: list[list[CheckOutcome]] = []
    for day, path in sorted(paths.items()):
        loaded: dict[tuple[str, tuple[date, ...]], WindowFiles] = {}

        def load(name: str, days: list[date]) -> WindowFiles:
            key = (name, tuple(days))
            if key not in loaded:
                loaded[key] = WindowFiles(contract(name), {d: path_of(name, d) for d in days})
            return loaded[key]

        loaded[(table.name, (day,))] = WindowFiles(table, {day: path})
        per_day.append(evaluate(loaded[(table.name, (day,))], expected_rows, load))
    outcomes = [combine(parts[0].name, list(parts)) for parts in zip(*per_day)]
    if table.is_fact and len(paths) > 1:
        outcomes = [
            combine(o.name, [o, _keys_repeated_across_days(table, paths)]) if o.name == KEY_UNIQUE_NOT_NULL else o
            for o in outcomes
        ]
    return outcomes


def _keys_repeated_across_days(table: TableContract, paths: Mapping[date, Path]) -> CheckOutcome:
    """Only the key columns are read, and DuckDB's aggregate spills to disk, so this scales."""
    files = [str(p) for p in paths.values() if p.is_file()]
    key_columns = ", ".join(_quote(c) for c in table.key)
    sql = (
        f"select {key_columns}, count(distinct filename) as days from read_csv(?, header=true,"
        f" all_varchar=true, filename=true, ignore_errors=true) group by all having days > 1"
    )
    connection = duckdb.connect()
    try:
        repeated = connection.execute(f"select count(*) from ({sql})", [files]).fetchone()[0]
        cursor = connection.execute(f"{sql} order by {key_columns} limit {SAMPLE_SIZE}", [files])
        columns = [d[0] for d in cursor.description]
        samples = [dict(zip(columns, row)) for row in cursor.fetchall()]
    finally:
        connection.close()
    if not repeated:
        return CheckOutcome(KEY_UNIQUE_NOT_NULL, True, f"{table.name}: no key repeats across days")
    return CheckOutcome(
        KEY_UNIQUE_NOT_NULL,
        False,
        _describe_failures(table.name, "keys that appear on more than one day", samples, repeated),
        {"failing_rows": repeated, "samples": samples},
    )


def _contract(connection: duckdb.DuckDBPyConnection, files: WindowFiles) -> CheckOutcome:
    table = files.table
    failures: list[dict[str, object]] = []
    total = len(files.malformed)
    failures.extend(
        {"partition": label, "row": row, "problem": "wrong number of fields"}
        for label, row in files.malformed[:SAMPLE_SIZE]
    )
    bad_by_column: dict[str, int] = {}
    for column in table.columns:
        predicate = invalid_value_predicate(column)
        if predicate == "false":
            continue
        count = connection.execute(f"select count(*) from t where {predicate}").fetchone()[0]
        if count:
            bad_by_column[column.name] = count
            total += count
            if len(failures) < SAMPLE_SIZE:
                failures.extend(
                    {**sample, "column": column.name, "expected": column.type.value}
                    for sample in _samples(
                        connection,
                        f"select partition, row_number as row, {_quote(column.name)} as value"
                        f" from t where {predicate} order by partition, row_number",
                    )
                )
    if total == 0:
        return CheckOutcome(
            MATCHES_CONTRACT, True, f"{table.name}: every row matches the contract",
            {"rows": sum(files.row_counts.values())},
        )
    return CheckOutcome(
        MATCHES_CONTRACT,
        False,
        _describe_failures(table.name, "values break the contract", failures[:SAMPLE_SIZE], total),
        {"bad_values_by_column": bad_by_column, "malformed_rows": len(files.malformed), "samples": failures[:SAMPLE_SIZE]},
    )


def _key(connection: duckdb.DuckDBPyConnection, table: TableContract) -> CheckOutcome:
    key_columns = ", ".join(_quote(c) for c in table.key)
    missing = " or ".join(f"{_quote(c)} = ''" for c in table.key)
    # Within each file; a fact's key repeating on another day is `_keys_repeated_across_days`.
    scope = f"partition, {key_columns}"
    sql = (
        f"select partition, row_number as row, {key_columns},"
        f" case when {missing} then 'missing key' else 'duplicate key' end as problem from ("
        f"  select *, count(*) over (partition by {scope}) as copies from t"
        f") where {missing} or copies > 1 order by partition, row_number"
    )
    total = connection.execute(f"select count(*) from ({sql})").fetchone()[0]
    if total == 0:
        return CheckOutcome(KEY_UNIQUE_NOT_NULL, True, f"{table.name}: key unique and present")
    samples = _samples(connection, sql)
    return CheckOutcome(
        KEY_UNIQUE_NOT_NULL,
        False,
        _describe_failures(table.name, f"rows with a missing or repeated ({key_columns})", samples, total),
        {"failing_rows": total, "samples": samples},
    )


def _row_count(
    files: WindowFiles, expected_rows: Callable[[date], tuple[int, int]]
) -> CheckOutcome:
    outside = {}
    for day in files.files:
        label = day.isoformat()
        low, high = expected_rows(day)
        count = files.row_counts.get(label, 0)
        if not low <= count <= high:
            outside[label] = {"rows": count, "expected_min": low, "expected_max": high}
    name = files.table.name
    if not outside:
        return CheckOutcome(
            ROW_COUNT_IN_VOLUME, True, f"{name}: row counts within the configured volume",
            {"rows_by_partition": files.row_counts},
        )
    return CheckOutcome(
        ROW_COUNT_IN_VOLUME,
        False,
        f"{name}: row count outside the configured volume in "
        + "; ".join(f"{label}: {v['rows']} not in [{v['expected_min']}, {v['expected_max']}]" for label, v in outside.items()),
        {"outside": outside},
    )


def _allowed_values(connection: duckdb.DuckDBPyConnection, table: TableContract) -> CheckOutcome:
    total = 0
    samples: list[dict[str, object]] = []
    by_column: dict[str, int] = {}
    for column in table.columns:
        if not column.allowed_values:
            continue
        connection.execute("create or replace temp table allowed(value varchar)")
        connection.executemany("insert into allowed values (?)", [[v] for v in column.allowed_values])
        name = _quote(column.name)
        empty_ok = f" and {name} <> ''" if column.nullable else ""
        sql = (
            f"select partition, row_number as row, {name} as value from t"
            f" where {name} not in (select value from allowed){empty_ok}"
            " order by partition, row_number"
        )
        count = connection.execute(f"select count(*) from ({sql})").fetchone()[0]
        if count:
            by_column[column.name] = count
            total += count
            samples.extend({**s, "column": column.name} for s in _samples(connection, sql))
    if total == 0:
        return CheckOutcome(VALUES_ALLOWED, True, f"{table.name}: every value is allowed")
    return CheckOutcome(
        VALUES_ALLOWED,
        False,
        _describe_failures(table.name, "values outside the allowed set", samples[:SAMPLE_SIZE], total),
        {"bad_values_by_column": by_column, "samples": samples[:SAMPLE_SIZE]},
    )


def _foreign_keys(
    connection: duckdb.DuckDBPyConnection,
    files: WindowFiles,
    load_references: Callable[[str, list[date]], WindowFiles],
) -> CheckOutcome:
    table = files.table
    total = 0
    samples: list[dict[str, object]] = []
    by_column: dict[str, int] = {}
    for column in table.columns:
        if not column.references:
            continue
        parent_name, parent_column = column.references
        parent_files = load_references(parent_name, list(files.files))
        if parent_files.text is None or parent_files.header_problems:
            problem = "; ".join(parent_files.header_problems) or "no files"
            by_column[column.name] = -1
            samples.append({"column": column.name, "problem": f"cannot read {parent_name}: {problem}"})
            continue
        connection.register("parent", parent_files.text.select([parent_column, "partition"]))
        name = _quote(column.name)
        nullable = f" and t.{name} <> ''" if column.nullable else ""
        sql = (
            f"select t.partition, t.row_number as row, t.{name} as value from t"
            f" where not exists (select 1 from parent p where p.{_quote(parent_column)} = t.{name} and p.partition = t.partition)"
            f"{nullable} order by t.partition, t.row_number"
        )
        count = connection.execute(f"select count(*) from ({sql})").fetchone()[0]
        if count:
            by_column[column.name] = count
            total += count
            samples.extend(
                {**s, "column": column.name, "references": f"{parent_name}.{parent_column}"}
                for s in _samples(connection, sql)
            )
        connection.unregister("parent")
    if not by_column:
        return CheckOutcome(FOREIGN_KEYS_RESOLVE, True, f"{table.name}: every foreign key resolves")
    return CheckOutcome(
        FOREIGN_KEYS_RESOLVE,
        False,
        _describe_failures(table.name, "foreign keys that do not resolve", samples[:SAMPLE_SIZE], total),
        {"unresolved_by_column": by_column, "samples": samples[:SAMPLE_SIZE]},
    )


def _balance_identity(
    connection: duckdb.DuckDBPyConnection,
    files: WindowFiles,
    load_references: Callable[[str, list[date]], WindowFiles],
) -> CheckOutcome:
    days = list(files.files)
    transactions = load_references("fact_transactions", days)
    types = load_references("dim_transaction_types", days)
    for dependency in (transactions, types):
        if dependency.text is None or dependency.header_problems:
            return CheckOutcome(
                BALANCE_IDENTITY, False,
                f"fact_daily_balances: cannot evaluate without {dependency.table.name}: "
                + ("; ".join(dependency.header_problems) or "no files"),
            )
    connection.register("tx", transactions.text)
    connection.register("types", types.text)
    # Continuity looks one day back, at that day's file if it exists, inside the window or not.
    earlier = [d - timedelta(days=1) for d in days if d > FIRST_DAY]
    previous = load_references("fact_daily_balances", earlier)
    if previous.header_problems and len(previous.missing) < len(previous.header_problems):
        return CheckOutcome(
            BALANCE_IDENTITY, False,
            "fact_daily_balances: cannot check continuity, the previous day is unreadable: "
            + "; ".join(previous.header_problems),
        )
    # No file for the day before (the first day generated): nothing to continue from.
    connection.register("previous", previous.text if previous.text is not None else files.text.slice(0, 0))
    money = "try_cast({} as decimal(18,2))"
    opening, credits, debits, closing = (
        money.format(c) for c in ("opening_balance", "total_credits", "total_debits", "closing_balance")
    )
    sql = f"""
        with moved as (
            select tx.partition, tx.account_id,
                sum(case when ty.direction = 'credit' then {money.format('tx.transaction_amount')} else 0 end) as credits,
                sum(case when ty.direction = 'debit' then {money.format('tx.transaction_amount')} else 0 end) as debits
            from tx join types ty on ty.transaction_type_id = tx.transaction_type_id and ty.partition = tx.partition
            where tx.transaction_status = 'Completed'
            group by all
        ),
        both_days as (
            select *, true as judged from t
            union all by name
            select *, false as judged from previous
        ),
        balances as (
            select partition, row_number, account_id, judged, {opening} as opening, {credits} as credits,
                {debits} as debits, {closing} as closing,
                lag({closing}) over (partition by account_id order by partition) as previous_closing,
                lag(partition) over (partition by account_id order by partition) as previous_partition
            from both_days
        )
        select b.partition, b.row_number as row, b.account_id,
            case
                when b.opening is null or b.credits is null or b.debits is null or b.closing is null
                    then 'a balance amount is missing or not a decimal'
                when b.closing is distinct from b.opening + b.credits - b.debits
                    then 'closing ' || b.closing || ' != opening ' || b.opening || ' + credits ' || b.credits || ' - debits ' || b.debits
                when b.previous_partition = strftime(cast(b.partition as date) - 1, '%Y-%m-%d')
                    and b.opening is distinct from b.previous_closing
                    then 'opening ' || b.opening || ' != previous closing ' || b.previous_closing
                when b.credits is distinct from coalesce(m.credits, 0) or b.debits is distinct from coalesce(m.debits, 0)
                    then 'credits/debits ' || b.credits || '/' || b.debits || ' != Completed transactions '
                        || coalesce(m.credits, 0) || '/' || coalesce(m.debits, 0)
            end as problem
        from balances b
        left join moved m on m.partition = b.partition and m.account_id = b.account_id
        where b.judged and problem is not null
        order by b.partition, b.row_number
    """
    total = connection.execute(f"select count(*) from ({sql})").fetchone()[0]
    if total == 0:
        return CheckOutcome(BALANCE_IDENTITY, True, "fact_daily_balances: balances reconcile")
    samples = _samples(connection, sql)
    return CheckOutcome(
        BALANCE_IDENTITY,
        False,
        _describe_failures("fact_daily_balances", "balances that do not reconcile", samples, total),
        {"failing_rows": total, "samples": samples},
    )
