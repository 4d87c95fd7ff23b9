"""The floor under the dbt step: what plain DuckDB needs for the dbt step's work on the transaction
fact, on the same landed day, against what the dbt step takes.

    .venv/bin/python scripts/benchmark_floor.py --transactions 100000
    .venv/bin/python scripts/benchmark_floor.py --transactions 10000000 --repeats 1
    .venv/bin/python scripts/benchmark_floor.py --data-dir PATH --day 2024-03-15

The floor is one DuckDB script over the day's landed files of `fact_transactions` and the tables it
references, directly or through its account: dim_accounts, dim_customers, dim_dates, dim_channels,
dim_transaction_types, dim_locations and dim_currencies. Parents first, it reads each file as text
as bronze does, types every value by the contract's rule and judges every row once by silver's
rules, in silver's order (dbt_project/macros/silver/rules.sql and validation.sql): null or empty,
type, length, date range, allowed values, sign, date_id and timestamp on the partition day, a
foreign key known the same day (a quarantined parent named), exact and conflicting duplicates,
with the erasure list applied. It writes silver's good rows and the quarantine with silver's rule
and reason, the dimensions as gold builds them (SCD2 accounts and customers, customers masked for
analysts; SCD1 for the rest) and the fact with its point-in-time join, into a DuckDB file with the
warehouse's memory limit. Its outputs are then compared with what the dbt step wrote for the day
(good rows and quarantine by rule for each table, a digest of every column of the fact), so the
floor is the same work, not a shortcut; a difference ends the script with an error.

Without --data-dir, the day is built in a fresh data directory and DAGSTER_HOME, as
benchmark_pipeline.py's scenarios build it: the whole graph through the Dagster CLI, whose
`dbt_models` step is the dbt step's time. With --data-dir, the lake and warehouse a run left there
(the day already built): the dbt step runs again on the day (silver, gold and reports, with a fresh
DAGSTER_HOME) and is timed the same way. Either way the floor then runs --repeats times on the same
landed day. Prints Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from benchmark_pipeline import HERE, Home

from banking_dw import settings
from banking_dw.contracts import Column, Mask, Sign, TableContract, contract
from banking_dw.erasure.placeholders import ERASED_KEY, ERASED_TABLE, erased_columns, erased_value
from banking_dw.landing.local_lake import LocalLake
from banking_dw.layout import object_key
from banking_dw.value_rules import VALUE_PATTERNS, ColumnType

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
DBT_GROUPS = "group:silver or group:gold or group:reports"
CONFLICTING = "conflicting copies of the key"
EXACT_DUPLICATE = "exact duplicate"
END_OF_TIME = "cast('9999-12-31 00:00:00' as timestamp)"


# --------------------------------------------------------------------------- SQL pieces


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def concat(*parts: str) -> str:
    return " || ".join(parts)


def as_text(expression: str) -> str:
    return f"cast({expression} as varchar)"


def typed(expression: str, type: ColumnType) -> str:
    """The text `expression` (trimmed, blank as null) as `type`, or null where it is not a valid
    value: the contract's pattern, then the cast (silver's safe_cast_text on DuckDB)."""
    if type is ColumnType.VARCHAR:
        return expression
    matches = f"regexp_full_match({expression}, {literal(VALUE_PATTERNS[type])})"
    value = f"lower({expression}) = 'true'" if type is ColumnType.BOOLEAN else f"try_cast({expression} as {type.value})"
    return f"case when {matches} then {value} end"


def typed_column(column: Column) -> str:
    if column.type is ColumnType.VARCHAR:
        return f"nullif({column.name}, '')"
    return typed(f"nullif(trim({column.name}), '')", column.type)


def entity_word(table: str) -> str:
    """What a reason calls a row of `table`: dim_transaction_types -> transaction type."""
    return contract(table).model_name.replace("dim_", "").replace("fact_", "").replace("_", " ")


def type_word(type: ColumnType) -> str:
    if type in (ColumnType.DECIMAL, ColumnType.RATE):
        return "a decimal"
    if type in (ColumnType.BIGINT, ColumnType.INTEGER):
        return "an integer"
    return f"a {type.value}"


# --------------------------------------------------------------------------- silver's rules


@dataclass(frozen=True)
class Rule:
    condition: str
    reason: str
    rule: str


@dataclass(frozen=True)
class Lookup:
    """A foreign key, joined to its parent's outcome on the same day."""

    column: Column
    parent: str
    parent_column: str

    @property
    def alias(self) -> str:
        return f"{self.column.name}__parent"


def with_value(rule: str, column: Column) -> str:
    """The reason `rule`, followed by the value in quotes unless the column is personal data."""
    return concat(literal(rule), *([] if column.personal else [literal(" '"), column.name, literal("'")]))


def lookups(table: TableContract) -> list[Lookup]:
    return [Lookup(c, *c.references) for c in table.columns if c.references]


def row_rules(table: TableContract) -> list[Rule]:
    """Rules 1-9 of silver for `table`, in silver's order: the first that holds is the row's."""
    columns, rules = table.columns, []
    for c in (c for c in columns if not c.nullable):
        rules.append(
            Rule(f"nullif(trim({c.name}), '') is null", literal(f"{c.name}: null or empty"), f"{c.name}: null or empty")
        )
    for c in (c for c in columns if c.type is not ColumnType.VARCHAR):
        rule = f"{c.name}: not {type_word(c.type)}"
        rules.append(
            Rule(f"nullif(trim({c.name}), '') is not null and {c.name}__typed is null", with_value(rule, c), rule)
        )
    for c in (c for c in columns if c.max_length):
        rule = f"{c.name}: longer than {c.max_length} characters"
        reason = concat(literal(f"{rule} ("), as_text(f"length({c.name})"), "')'")
        rules.append(Rule(f"length({c.name}) > {c.max_length}", reason, rule))
    for c in (c for c in columns if c.earliest):
        rule = f"{c.name}: before {c.earliest}"
        rules.append(Rule(f"{c.name}__typed < cast({literal(c.earliest)} as date)", with_value(rule, c), rule))
    for c in (c for c in columns if c.not_after_extract_day):
        rule = f"{c.name}: after the extract day"
        reason = concat(
            literal(f"{rule} "), as_text("dt"), *([] if c.personal else [literal(" '"), c.name, literal("'")])
        )
        rules.append(Rule(f"{c.name}__typed > dt", reason, rule))
    for c in (c for c in columns if c.allowed_values):
        text = f"{c.name}__typed" if c.type is ColumnType.VARCHAR else as_text(f"{c.name}__typed")
        allowed = ", ".join(literal(v) for v in c.allowed_values)
        rule = f"{c.name}: not an allowed value"
        rules.append(Rule(f"{c.name}__typed is not null and {text} not in ({allowed})", with_value(rule, c), rule))
    for c in (c for c in columns if c.sign):
        rules.append(
            Rule(
                f"{c.name}__typed < 0",
                concat(literal(f"{c.name}: negative "), f"trim({c.name})"),
                f"{c.name}: negative",
            )
        )
    for c in (c for c in columns if c.sign is Sign.POSITIVE):
        rules.append(
            Rule(f"{c.name}__typed = 0", concat(literal(f"{c.name}: zero "), f"trim({c.name})"), f"{c.name}: zero")
        )
    if table.is_fact and any(lookup.column.name == "date_id" for lookup in lookups(table)):
        day_id = "cast(extract(year from dt) * 10000 + extract(month from dt) * 100 + extract(day from dt) as integer)"
        reason = concat("'date_id: '", "trim(date_id)", "' is not the partition day '", as_text("dt"))
        rules.append(Rule(f"date_id__typed <> {day_id}", reason, "date_id: not the partition day"))
    for c in (c for c in columns if table.is_fact and c.type is ColumnType.TIMESTAMP):
        reason = concat(literal(f"{c.name}: "), f"trim({c.name})", "' is not on the partition day '", as_text("dt"))
        rules.append(Rule(f"cast({c.name}__typed as date) <> dt", reason, f"{c.name}: not on the partition day"))
    for lookup in lookups(table):
        name, entity, alias = lookup.column.name, entity_word(lookup.parent), lookup.alias
        unknown = f"{alias}_runs.lookup_key is null and {alias}_conflicted.lookup_key is null"
        on_day = [f"trim({name})", "' on '", as_text("dt")]
        quarantined = concat(
            literal(f"{name}: {entity} "), *on_day, "' is quarantined ('", f"{alias}_quarantined.parent_reason", "')'"
        )
        rules.append(
            Rule(
                f"{unknown} and {alias}_quarantined.parent_reason is not null",
                quarantined,
                f"{name}: {entity} quarantined",
            )
        )
        rules.append(Rule(unknown, concat(literal(f"{name}: unknown {entity} "), *on_day), f"{name}: unknown {entity}"))
    return rules


def lookup_joins(table: TableContract) -> str:
    """Each foreign key's parent that day: its good keys, its conflicting keys (known, only their
    attributes in doubt) and its quarantined keys with the first reason."""
    joins = []
    for lookup in lookups(table):
        alias, child = lookup.alias, f"{lookup.column.name}__typed"
        parent_type = contract(lookup.parent).column(lookup.parent_column).type
        parent_key = typed(f"nullif(trim({lookup.parent_column}), '')", parent_type)
        parent = contract(lookup.parent).model_name
        quarantine = f"quarantine_{parent}"
        joins.append(
            f"left join (select {lookup.parent_column} as lookup_key from stg_{parent}) as {alias}_runs"
            f" on {alias}_runs.lookup_key = typed.{child}"
            f" left join (select distinct {parent_key} as lookup_key, dt as lookup_dt from {quarantine}"
            f" where quarantine_rule = {literal(CONFLICTING)}) as {alias}_conflicted"
            f" on {alias}_conflicted.lookup_key = typed.{child} and {alias}_conflicted.lookup_dt = typed.dt"
            f" left join (select {parent_key} as lookup_key, dt as lookup_dt, min(quarantine_reason) as parent_reason"
            f" from {quarantine} where quarantine_rule not in ({literal(CONFLICTING)}, {literal(EXACT_DUPLICATE)})"
            f" group by all) as {alias}_quarantined"
            f" on {alias}_quarantined.lookup_key = typed.{child} and {alias}_quarantined.lookup_dt = typed.dt"
        )
    return " ".join(joins)


# --------------------------------------------------------------------------- silver, once per row


def source_sql(table: TableContract, lake: Path, day: date) -> str:
    """The day's landed file as bronze shows it: every column text, and `dt`; an erased customer's
    personal values as their placeholders, as silver reads them."""
    columns = ", ".join(f"{literal(c)}: 'VARCHAR'" for c in table.column_names)
    read = (
        f"read_csv({literal(str(lake / object_key(table.name, day)))}, auto_detect=false, header=true, delim=',',"
        f" quote='\"', escape='\"', columns={{{columns}}}, null_padding=true, strict_mode=false)"
    )
    dt = f"cast({literal(day.isoformat())} as date)"
    if table.name != ERASED_TABLE:
        return f"select *, {dt} as dt from {read}"
    erased = {c.name: erased_value(c) for c in erased_columns(table)}
    selected = ", ".join(
        f"case when erased.customer_id is not null then {literal(erased[c])} else arrived.{c} end as {c}"
        if c in erased
        else f"arrived.{c}"
        for c in table.column_names
    )
    key = typed(f"nullif(trim(arrived.{ERASED_KEY}), '')", table.column(ERASED_KEY).type)
    return (
        f"select {selected}, {dt} as dt from {read} as arrived"
        f" left join (select distinct customer_id from erased_customers) as erased on erased.customer_id = {key}"
    )


def judge(connection: duckdb.DuckDBPyConnection, table: TableContract, lake: Path, day: date) -> None:
    """`stg_<model>` (good rows, typed) and `quarantine_<model>` (the others, as text, with rule and
    reason), named as silver names them, from one judgement of each row of the day's file."""
    name, model, rules = table.name, table.model_name, row_rules(table)
    typed_columns = ", ".join(f"{typed_column(c)} as {c.name}__typed" for c in table.columns)
    reasons = " ".join(f"when {r.condition} then {r.reason}" for r in rules)
    rule_names = " ".join(f"when {r.condition} then {literal(r.rule)}" for r in rules)
    connection.execute(
        f"create table judged_{name} as with source as ({source_sql(table, lake, day)}),"
        f" typed as (select source.*, {typed_columns} from source)"
        f" select typed.*, case {reasons} end as row_reason, case {rule_names} end as row_rule"
        f" from typed {lookup_joins(table)}"
    )
    mark_duplicates(connection, table)
    raw = ", ".join(table.column_names)
    outcome = f"judged_{name} as judged left join duplicates_{name} as duplicates on duplicates.row_id = judged.rowid"
    connection.execute(
        f"create table quarantine_{model} as select {raw}, dt,"
        " coalesce(row_rule, duplicate_rule) as quarantine_rule, coalesce(row_reason, duplicate_reason) as quarantine_reason"
        f" from {outcome} where row_reason is not null or duplicate_reason is not null"
    )
    days = "dt as partition_date" if table.is_fact else "dt as first_extract_date, dt as last_extract_date"
    good = ", ".join(f"{c}__typed as {c}" for c in table.column_names)
    connection.execute(
        f"create table stg_{model} as select {good}, {days} from {outcome}"
        " where row_reason is null and duplicate_reason is null"
    )
    connection.execute(f"drop table judged_{name}")


def mark_duplicates(connection: duckdb.DuckDBPyConnection, table: TableContract) -> None:
    """`duplicates_<table>`: among the good rows whose key repeats (per day for a dimension), every
    copy of a key with different values is quarantined, and each extra copy of an exact one."""
    name, raw = table.name, ", ".join(table.column_names)
    key = [f"{k}__typed" for k in table.key] + ([] if table.is_fact else ["dt"])
    by_key = ", ".join(key)
    label = concat(
        literal(", ".join(table.key) + " "), *[part for k in table.key for part in ("', '", f"trim({k})")][1:]
    )
    connection.execute(
        f"create table duplicates_{name} as"
        f" with repeated as (select {by_key} from judged_{name} where row_reason is null group by all having count(*) > 1),"
        f" copies as (select judged.rowid as row_id, {by_key},"
        f" dense_rank() over (partition by {by_key} order by {raw}, dt) as value_rank,"
        f" row_number() over (partition by {raw}, dt order by dt) as copy_number,"
        f" {label} as key_text"
        f" from judged_{name} as judged semi join repeated using ({by_key}) where judged.row_reason is null),"
        f" versions as (select *, max(value_rank) over (partition by {by_key}) as versions from copies)"
        " select row_id,"
        f" case when versions > 1 then key_text || ': conflicting copies of the key (different values), all quarantined'"
        " when copy_number > 1 then key_text || ': exact duplicate of a row kept in silver' end as duplicate_reason,"
        f" case when versions > 1 then {literal(CONFLICTING)} when copy_number > 1 then {literal(EXACT_DUPLICATE)} end"
        " as duplicate_rule from versions"
    )


# --------------------------------------------------------------------------- gold


def masked(column: Column, expression: str, key: str | None = None) -> str:
    """Analysts' view of a personal column, as gold writes it (dbt_project/macros/gold/masking.sql)."""
    pseudonym = f"'#' || left(md5('customer:' || cast({key} as varchar)), 8)"
    return {
        None: expression,
        Mask.GIVEN_NAME_PSEUDONYM: f"case when {expression} is not null then 'Customer' end",
        Mask.FAMILY_NAME_PSEUDONYM: f"case when {expression} is not null then {pseudonym} end",
        Mask.HASH: f"md5(lower(trim({expression})))",
        Mask.LAST_DIGITS: f"'***' || right({expression}, 4)",
        Mask.BIRTH_YEAR: f"cast(date_trunc('year', {expression}) as date)",
        Mask.REMOVED: "cast(null as varchar)",
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


def gold(connection: duckdb.DuckDBPyConnection) -> None:
    for name in TABLES:
        table = contract(name)
        if name in SCD2_TABLES:
            scd2(connection, table, table.model_name + ("_pii" if name == ERASED_TABLE else ""))
        elif not table.is_fact:
            scd1(connection, table)
    customers = contract(ERASED_TABLE)
    shown = ", ".join(f"{masked(c, c.name, 'customer_id')} as {c.name}" for c in customers.columns)
    connection.execute(
        f"create table dim_customer as select customer_sk, {shown}, valid_from, valid_to, is_current, extract_date"
        " from dim_customer_pii"
    )
    description = masked(contract("fact_transactions").column("description"), "transactions.description")
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


def run_floor(database: Path, lake: Path, day: date) -> float:
    """Seconds the floor takes for `day` of `lake`, its outputs left in `database`."""
    erased = sorted(LocalLake(root=str(lake)).erased_customers())
    started = time.perf_counter()
    connection = floor_connection(database)
    try:
        connection.execute("create table erased_customers as select unnest(?::bigint[]) as customer_id", [erased])
        for name in TABLES:
            judge(connection, contract(name), lake, day)
        gold(connection)
        connection.execute("checkpoint")
    finally:
        connection.close()
    return time.perf_counter() - started


# --------------------------------------------------------------------------- the same outputs as dbt's


FACT_COLUMNS = (
    "transaction_id, account_id, customer_id, date_id, transaction_timestamp, channel_id, location_id, currency_id,"
    " transaction_type_id, transaction_amount, transaction_status, description, account_sk, customer_sk, partition_date"
)


def outputs(connection: duckdb.DuckDBPyConnection, silver: str, fact: str, day: date) -> dict[str, object]:
    """What the day produced: good rows and quarantine by rule per table, and the fact's digest."""
    found: dict[str, object] = {}
    for name in TABLES:
        table = contract(name)
        model = table.model_name
        on_day = "partition_date = ?" if table.is_fact else "first_extract_date <= ? and last_extract_date >= ?"
        arguments = [day] if table.is_fact else [day, day]
        found[f"{name}: good rows"] = connection.execute(
            f"select count(*) from {silver}.stg_{model} where {on_day}", arguments
        ).fetchone()[0]
        quarantined = connection.execute(
            f"select quarantine_rule, count(*) from {silver}.quarantine_{model} where dt = ? group by all order by all",
            [day],
        ).fetchall()
        found[f"{name}: quarantine by rule"] = dict(quarantined)
    digest = f"hash({', '.join(f'cast({c.strip()} as varchar)' for c in FACT_COLUMNS.split(','))})"
    found["fact_transaction: rows, digest of every column"] = connection.execute(
        f"select count(*), bit_xor({digest}) from {fact} where partition_date = ?", [day]
    ).fetchone()
    return found


def compare(database: Path, warehouse: Path, day: date) -> list[str]:
    """Each output of the day whose floor and dbt values differ, as a line; none when equal."""
    connection = duckdb.connect(str(database), read_only=True)
    try:
        connection.execute(f"attach {literal(str(warehouse))} as warehouse (read_only)")
        floor = outputs(connection, "main", "main.fact_transaction", day)
        schema = settings.schema_prefix()
        dbt = outputs(connection, f"warehouse.{schema}_silver", f"warehouse.{schema}_gold.fact_transaction", day)
    finally:
        connection.close()
    return [f"{name}: floor {floor[name]} != dbt {dbt[name]}" for name in floor if floor[name] != dbt[name]]


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
        dbt_seconds = home.materialize(day, select="*" if args.transactions else DBT_GROUPS).steps[DBT_STEP]
        floor_seconds = []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory(prefix=".floor_", dir=home.data) as folder:
                database = Path(folder) / "floor.duckdb"
                floor_seconds.append(run_floor(database, home.data / "lake", args.day))
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
