"""The floor under the dbt step: what plain DuckDB needs for the dbt step's work on the transaction
fact, on the same landed day, against what the dbt step takes.

    .venv/bin/python scripts/benchmark_floor.py --transactions 100000
    .venv/bin/python scripts/benchmark_floor.py --transactions 10000000 --repeats 1
    .venv/bin/python scripts/benchmark_floor.py --data-dir PATH --day 2024-03-15

The floor is one DuckDB script over the day's landed files of `fact_transactions` and the tables it
references, directly or through its account: dim_accounts, dim_customers, dim_dates, dim_channels,
dim_transaction_types, dim_locations and dim_currencies. Parents first, it reads each file as text
as bronze does, types every value by the contract's rule and judges every row once by silver's
rules in silver's order, taken from their one definition (banking_dw/dbt/validation.py): null or
empty, type, length, date range, allowed values, sign, date_id and timestamp on the partition day,
a foreign key known the same day (a quarantined parent named), exact and conflicting duplicates,
with the erasure list applied. It writes silver's good rows and the quarantine with silver's rule
and reason, the dimensions as gold builds them (SCD2 accounts and customers, customers masked for
analysts; SCD1 for the rest) and the fact with its point-in-time join, into a DuckDB file with the
warehouse's memory limit. Its outputs are then compared with what the dbt step wrote for the day
(each table's good rows, its quarantine by rule with a digest of every column and the reason, the
fact's rows with a digest of every column), so the floor is the same work, not a shortcut; a
difference ends the script with an error.

Without --data-dir, the day is built in a fresh data directory and DAGSTER_HOME, as
benchmark_pipeline.py's scenarios build it: the whole graph through the Dagster CLI, whose
`dbt_models` step is the dbt step's time. With --data-dir, the lake and warehouse a run left there
(the day already built): the dbt step runs again on the day (every dbt model, with a fresh
DAGSTER_HOME) and is timed the same way. Either way the floor then runs --repeats times on the same
landed day. Prints Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
from benchmark_pipeline import HERE, Home

from banking_dw import settings
from banking_dw.contracts import Column, Mask, TableContract, contract
from banking_dw.dbt.validation import (
    CONFLICTING_COPIES,
    EXACT_DUPLICATE,
    duplicate_reasons,
    in_extract,
    is_read_as_text,
    lookups,
    row_rules,
    sql_string,
    text_expression,
)
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.erasure.placeholders import ERASED_KEY, ERASED_TABLE, erased_columns, erased_value
from banking_dw.landing.local_lake import LocalLake
from banking_dw.layout import object_key
from banking_dw.raw.values import typed
from banking_dw.value_rules import Dialect, typed_sql

# The transaction fact and what it references, parents before children.
TABLES = (
    "dim_dates",
    "dim_channels",
    "dim_transaction_types",
    "dim_locations",
    "dim_currencies",
    "dim_customers",
    "dim_accounts",
    "fact_transactions",
)
SCD2_TABLES = ("dim_customers", "dim_accounts")
DBT_STEP = "dbt_models"
# Every model the dbt step builds, whatever its group.
DBT_MODELS = "kind:dbt"
END_OF_TIME = "cast('9999-12-31 00:00:00' as timestamp)"


# --------------------------------------------------------------------------- silver, once per row


def source_sql(table: TableContract, lake: Path, day: date) -> str:
    """The day's landed file as bronze shows it: every column text, and `dt`; an erased customer's
    personal values as their placeholders, as silver reads them."""
    columns = ", ".join(f"{sql_string(c)}: 'VARCHAR'" for c in table.column_names)
    read = (
        f"read_csv({sql_string(str(lake / object_key(table.name, day)))}, auto_detect=false, header=true, delim=',',"
        f" quote='\"', escape='\"', columns={{{columns}}}, null_padding=true, strict_mode=false)"
    )
    dt = f"cast({sql_string(day.isoformat())} as date)"
    if table.name != ERASED_TABLE:
        return f"select *, {dt} as dt from {read}"
    erased = {c.name: erased_value(c) for c in erased_columns(table)}
    selected = ", ".join(
        f"case when erased.customer_id is not null then {sql_string(erased[c])} else arrived.{c} end as {c}"
        if c in erased
        else f"arrived.{c}"
        for c in table.column_names
    )
    key = typed(f"arrived.{ERASED_KEY}", table.column(ERASED_KEY).type)
    return (
        f"select {selected}, {dt} as dt from {read} as arrived"
        f" left join (select distinct customer_id from erased_customers) as erased on erased.customer_id = {key}"
    )


def judge(connection: duckdb.DuckDBPyConnection, table: TableContract, lake: Path, day: date) -> None:
    """Each row of the day's file typed and judged once by silver's rules (banking_dw/dbt/validation.py):
    the view `validated_<model>`, from which `stg_<model>` keeps the good rows, typed, and
    `quarantine_<model>` the others as the bank sent them, with rule and reason."""
    name, model, rules, references = table.name, table.model_name, row_rules(table), lookups(table)
    # As silver: the text trimmed once, then cast by the value rule's one rendering
    # (banking_dw.value_rules.typed_sql) into __typed.
    texts = ", ".join(f"{text_expression(c)} as {c.name}__text" for c in table.columns if is_read_as_text(c))
    typed_columns = ", ".join(
        f"{typed_sql(f'{c.name}__text', c.type, Dialect.DUCKDB) if is_read_as_text(c) else typed(c.name, c.type)}"
        f" as {c.name}__typed"
        for c in table.columns
    )
    rule_names = " ".join(f"when {r.condition} then {sql_string(r.name)}" for r in rules)
    reasons = " ".join(f"when {r.condition} then {r.reason}" for r in rules)
    ctes = [
        f"arrived as ({source_sql(table, lake, day)})",
        f"texts as (select arrived.*, {texts} from arrived)",
        f"typed as (select texts.*, {typed_columns} from texts)",
    ]
    ctes += [in_extract(lookup, f"validated_{lookup.parent.model_name}") for lookup in references]
    joins = "".join(
        f" left join {lookup.relation} on {lookup.relation}.parent_key = typed.{lookup.column}__typed"
        f" and {lookup.relation}.extract_day = typed.dt"
        for lookup in references
    )
    connection.execute(
        f"create temp table judged_{name} as with {', '.join(ctes)}"
        f" select typed.*, case {rule_names} end as row_rule, case {reasons} end as row_reason from typed{joins}"
    )
    mark_duplicates(connection, table)
    connection.execute(
        f"create temp view validated_{model} as select * exclude (row_rule, row_reason, duplicate_rule, duplicate_reason),"
        " coalesce(row_rule, duplicate_rule) as quarantine_rule, coalesce(row_reason, duplicate_reason) as quarantine_reason"
        f" from judged_{name} as judged left join duplicates_{name} as duplicates on duplicates.row_id = judged.rowid"
    )
    raw = ", ".join(table.column_names)
    connection.execute(
        f"create table quarantine_{model} as select {raw}, dt, quarantine_rule, quarantine_reason"
        f" from validated_{model} where quarantine_rule is not null"
    )
    days = "dt as partition_date" if table.is_fact else "dt as first_extract_date, dt as last_extract_date"
    good = ", ".join(f"{c}__typed as {c}" for c in table.column_names)
    connection.execute(
        f"create table stg_{model} as select {good}, {days} from validated_{model} where quarantine_rule is null"
    )


def mark_duplicates(connection: duckdb.DuckDBPyConnection, table: TableContract) -> None:
    """`duplicates_<table>`: the rules of silver's duplicates (banking_dw/dbt/validation.py, rules 10
    and 11), on the good rows whose key repeats (per day for a dimension) and on those alone: every
    copy of a key whose copies differ is quarantined, and each extra copy of an identical one."""
    name, raw = table.name, ", ".join(table.column_names)
    key = ", ".join([f"{k}__typed" for k in table.key] + ([] if table.is_fact else ["dt"]))
    reasons = duplicate_reasons(table)
    connection.execute(
        f"create temp table duplicates_{name} as"
        f" with repeated as (select {key}, count(*) as key_copies from judged_{name} where row_rule is null"
        " group by all having count(*) > 1),"
        f" copies as (select judged.rowid as row_id, judged.*, repeated.key_copies,"
        f" count(*) over (partition by {raw}, dt) as identical,"
        f" row_number() over (partition by {raw}, dt order by dt) as copy_number"
        f" from judged_{name} as judged join repeated using ({key}) where judged.row_rule is null),"
        f" ruled as (select *, case when key_copies > identical then {sql_string(CONFLICTING_COPIES)}"
        f" when copy_number > 1 then {sql_string(EXACT_DUPLICATE)} end as duplicate_rule from copies)"
        " select row_id, duplicate_rule,"
        f" case duplicate_rule when {sql_string(CONFLICTING_COPIES)} then {reasons[CONFLICTING_COPIES]}"
        f" when {sql_string(EXACT_DUPLICATE)} then {reasons[EXACT_DUPLICATE]} end as duplicate_reason from ruled"
    )


# --------------------------------------------------------------------------- gold


def masked(column: Column, expression: str, masking_key: str, key: str | None = None) -> str:
    """Analysts' view of a personal column, as gold writes it (dbt_project/macros/gold/masking.sql):
    keyed pseudonyms (a SHA-256 of the warehouse's masking key and the value), the birth decade
    top- and bottom-coded, typed nulls."""

    def keyed(text: str) -> str:
        return f"sha256({sql_string(masking_key + ':')} || {text})"

    decade = f"least(greatest(cast(floor(extract(year from {expression}) / 10) * 10 as integer), 1950), 1990)"
    pseudonym = "'#' || left(" + keyed(f"'customer:' || cast({key} as varchar)") + ", 8)"
    return {
        None: expression,
        Mask.GIVEN_NAME_PSEUDONYM: f"case when {expression} is not null then 'Customer' end",
        Mask.FAMILY_NAME_PSEUDONYM: f"case when {expression} is not null then {pseudonym} end",
        Mask.KEYED_HASH: keyed(f"lower(trim({expression}))"),
        Mask.BIRTH_DECADE: f"case when {expression} is not null then cast(cast({decade} as varchar) || '-01-01' as date) end",
        Mask.REMOVED: f"cast(null as {column.type.value})",
        Mask.FIRST_TWO_WORDS: f"trim(split_part({expression}, ' ', 1) || ' ' || split_part({expression}, ' ', 2))",
    }[column.mask]


def surrogate_key(*columns: str) -> str:
    return "md5(" + " || '|' || ".join(f"coalesce(cast({c} as varchar), '_null_')" for c in columns) + ")"


def scd2(connection: duckdb.DuckDBPyConnection, table: TableContract, model: str) -> None:
    """A version per (key, updated_at) over the runs, valid until the next (macros/gold/scd2.sql)."""
    key, columns = table.key[0], ", ".join(table.column_names)
    connection.execute(
        f"create table {model} as with latest_run_first as (select *, row_number() over"
        f" (partition by {key}, updated_at order by last_extract_date desc) as recency from stg_{table.model_name}),"
        " windowed as (select *, lead(updated_at) over"
        f" (partition by {key} order by updated_at) as next_updated_at from latest_run_first where recency = 1)"
        f" select {surrogate_key(key, 'updated_at')} as {table.model_name.removeprefix('dim_')}_sk, {columns},"
        f" updated_at as valid_from, coalesce(next_updated_at, {END_OF_TIME}) as valid_to,"
        " coalesce(next_updated_at is null, false) as is_current, last_extract_date as extract_date from windowed"
    )


def scd1(connection: duckdb.DuckDBPyConnection, table: TableContract) -> None:
    """Each key's row from the latest extract day (macros/gold/scd1.sql)."""
    columns = ", ".join(table.column_names)
    connection.execute(
        f"create table {table.model_name} as select {columns}, last_extract_date as extract_date from"
        f" (select *, row_number() over (partition by {table.key[0]} order by last_extract_date desc) as recency"
        f" from stg_{table.model_name}) where recency = 1"
    )


def gold(connection: duckdb.DuckDBPyConnection, masking_key: str) -> None:
    for name in TABLES:
        table = contract(name)
        if name in SCD2_TABLES:
            scd2(connection, table, table.model_name + ("_pii" if name == ERASED_TABLE else ""))
        elif not table.is_fact:
            scd1(connection, table)
    customers = contract(ERASED_TABLE)
    shown = ", ".join(f"{masked(c, c.name, masking_key, 'customer_id')} as {c.name}" for c in customers.columns)
    connection.execute(
        f"create table dim_customer as select customer_sk, {shown}, valid_from, valid_to, is_current, extract_date"
        " from dim_customer_pii"
    )
    description = masked(contract("fact_transactions").column("description"), "transactions.description", masking_key)
    at = "transactions.transaction_timestamp"
    connection.execute(
        "create table fact_transaction as select transactions.transaction_id, transactions.account_id,"
        " accounts.customer_id, transactions.date_id, transactions.transaction_timestamp, transactions.channel_id,"
        " transactions.location_id, transactions.currency_id, transactions.transaction_type_id,"
        " transactions.transaction_amount, transactions.transaction_status,"
        f" {description} as description, accounts.account_sk, customers.customer_sk, transactions.partition_date"
        " from stg_fact_transaction as transactions"
        " left join dim_account as accounts on transactions.account_id = accounts.account_id"
        f" and accounts.valid_from <= {at} and {at} < accounts.valid_to"
        " left join dim_customer as customers on accounts.customer_id = customers.customer_id"
        f" and customers.valid_from <= {at} and {at} < customers.valid_to"
    )


# --------------------------------------------------------------------------- the floor, timed


def floor_connection(database: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB file with the warehouse's memory limit, spilling beside it."""
    connection = duckdb.connect(str(database))
    connection.execute("set memory_limit = ?", [settings.duckdb_memory_limit()])
    connection.execute("set temp_directory = ?", [str(database.parent / "spill")])
    return connection


def run_floor(database: Path, lake: Path, day: date, masking_key: str) -> float:
    """Seconds the floor takes for `day` of `lake`, its outputs left in `database`."""
    erased = sorted(LocalLake(root=str(lake)).erased_customers())
    started = time.perf_counter()
    connection = floor_connection(database)
    try:
        connection.execute("create table erased_customers as select unnest(?::bigint[]) as customer_id", [erased])
        for name in TABLES:
            judge(connection, contract(name), lake, day)
        gold(connection, masking_key)
        connection.execute("checkpoint")
    finally:
        connection.close()
    return time.perf_counter() - started


# --------------------------------------------------------------------------- the same outputs as dbt's


FACT_COLUMNS = (
    "transaction_id",
    "account_id",
    "customer_id",
    "date_id",
    "transaction_timestamp",
    "channel_id",
    "location_id",
    "currency_id",
    "transaction_type_id",
    "transaction_amount",
    "transaction_status",
    "description",
    "account_sk",
    "customer_sk",
    "partition_date",
)


def digest(columns: list[str]) -> str:
    """SQL of an order-free digest of rows: every column's text, hashed, xor-ed over the rows."""
    return f"bit_xor(hash({', '.join(f'cast({c} as varchar)' for c in columns)}))"


def outputs(connection: duckdb.DuckDBPyConnection, silver: str, fact: str, day: date) -> dict[str, object]:
    """What the day produced: each table's good rows, its quarantine by rule (rows and a digest of
    every column, the reason too), and the fact's rows and digest of every column."""
    found: dict[str, object] = {}
    for name in TABLES:
        table = contract(name)
        on_day = "partition_date = ?" if table.is_fact else "first_extract_date <= ? and last_extract_date >= ?"
        arguments = [day] if table.is_fact else [day, day]
        found[f"{name}: good rows"] = connection.execute(
            f"select count(*) from {silver}.stg_{table.model_name} where {on_day}", arguments
        ).fetchone()[0]
        quarantined = connection.execute(
            f"select quarantine_rule, count(*), {digest([*table.column_names, 'quarantine_reason'])}"
            f" from {silver}.quarantine_{table.model_name} where dt = ? group by all order by all",
            [day],
        ).fetchall()
        found[f"{name}: quarantine by rule"] = {rule: (rows, hashed) for rule, rows, hashed in quarantined}
    found["fact_transaction: rows, digest"] = connection.execute(
        f"select count(*), {digest(list(FACT_COLUMNS))} from {fact} where partition_date = ?", [day]
    ).fetchone()
    return found


def compare(database: Path, warehouse: Path, day: date) -> list[str]:
    """Each output of the day whose floor and dbt values differ, as a line; none when equal."""
    connection = duckdb.connect(str(database), read_only=True)
    try:
        connection.execute(f"attach {sql_string(str(warehouse))} as warehouse (read_only)")
        floor = outputs(connection, "main", "main.fact_transaction", day)
        schema = settings.schema_prefix()
        dbt = outputs(connection, f"warehouse.{schema}_silver", f"warehouse.{schema}_gold.fact_transaction", day)
    finally:
        connection.close()
    return [line for name in floor for line in differences(name, floor[name], dbt[name])]


def differences(name: str, floor: object, dbt: object) -> list[str]:
    """`name`'s floor and dbt values where they differ (by rule, for a quarantine)."""
    if isinstance(floor, dict) and isinstance(dbt, dict):
        rules = sorted(set(floor) | set(dbt))
        return [f"{name}, {r}: floor {floor.get(r)} != dbt {dbt.get(r)}" for r in rules if floor.get(r) != dbt.get(r)]
    return [] if floor == dbt else [f"{name}: floor {floor} != dbt {dbt}"]


# --------------------------------------------------------------------------- the report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, help="a fresh day at this scale (without --data-dir)")
    parser.add_argument("--data-dir", type=Path, help="a data directory a run left, the day already built in it")
    parser.add_argument("--day", type=date.fromisoformat, default=date(2024, 3, 15), help="default 2024-03-15")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the floor script (default 3)")
    args = parser.parse_args()
    if (args.transactions is None) == (args.data_dir is None):
        parser.error("give one of --transactions (a fresh day) and --data-dir (a day a run left)")
    day = args.day.isoformat()
    with Home(HERE, args.transactions, data=args.data_dir.resolve() if args.data_dir else None) as home:
        dbt_seconds = home.materialize(day, select="*" if args.transactions else DBT_MODELS).steps[DBT_STEP]
        floor_seconds = []
        key = DuckDBWarehouse(path=str(home.data / "warehouse.duckdb")).masking_key()
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory(prefix=".floor_", dir=home.data) as folder:
                database = Path(folder) / "floor.duckdb"
                floor_seconds.append(run_floor(database, home.data / "lake", args.day, key))
                differences = compare(database, home.data / "warehouse.duckdb", args.day)
            if differences:
                sys.exit("the floor's outputs differ from the dbt step's:\n" + "\n".join(differences))
    floor = statistics.median(floor_seconds)
    scale = f"{args.transactions:,} transactions" if args.transactions else f"the day in {args.data_dir}"
    print(f"| {day} at {scale} | s |\n|---|---|")
    print(f"| dbt step (`{DBT_STEP}`) | {dbt_seconds:.1f} |")
    print(f"| floor script, median ({', '.join(f'{s:.1f}' for s in floor_seconds)}) | {floor:.1f} |")
    print(f"| dbt step / floor | **{dbt_seconds / floor:.2f}** |")
    print(
        "\nThe floor's outputs equal the dbt step's: good rows and quarantine by rule for each table, every column of the fact."
    )


if __name__ == "__main__":
    main()
