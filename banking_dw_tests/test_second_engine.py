"""A second SQL engine: the same dbt project, on the same two generated days, built on PostgreSQL
(dbt-postgres on a throwaway `pgserver`) from the raw files of the DuckDB warehouse that Dagster
built (conftest's `built`), must give the same gold and reports, table by table, and the same
test verdicts.

Redshift cannot be reached from here and redshift_connector cannot talk to PostgreSQL, so
PostgreSQL stands in for the non-DuckDB path: the `default__` / `postgres__` macros Redshift
also dispatches to run for real, against an engine as strict as Redshift or stricter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dagster as dg
import duckdb
import pgserver
import psycopg2
import pytest

from banking_dw.contracts import CONTRACTS
from banking_dw.dbt.completeness import silver_count_sql
from banking_dw.dbt.silver_checks import check_specs as silver_check_specs
from banking_dw.dbt.silver_checks import quarantine_rules_sql
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.layout import BRONZE
from banking_dw.partitions import DayWindow, daily_partitions
from banking_dw.settings import MASKING_KEY_ENV, layer_schema
from banking_dw_tests.support import run_dbt

# Builds warehouses with dbt: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow


# The published layers compared across engines (reports join gold once they are dbt models).
COMPARED_SCHEMAS = ("dev_gold", "dev_reports")
# The asset groups (key prefixes) of the dbt models, whose checks are the dbt tests.
DBT_GROUPS = {"silver", "gold", "restricted", "reports"}
NULL = "<null>"


# --------------------------------------------------------------------------- the two warehouses


@pytest.fixture(scope="session")
def postgres_env() -> Iterator[dict[str, str]]:
    """A PostgreSQL server for the session (pgserver: bundled binaries, unix socket only), as the
    libpq variables the `postgres` dbt profile reads.

    Its data directory is outside pytest's basetemp: run as root, pgserver starts PostgreSQL as
    an unprivileged user, who cannot enter the 0700 directory pytest keeps its temp dirs in."""
    with tempfile.TemporaryDirectory(prefix="banking-dw-postgres-") as parent:
        server = pgserver.get_server(Path(parent) / "data", cleanup_mode="delete")
        try:
            yield _libpq_env(server.get_uri())
        finally:
            server.cleanup()


def _libpq_env(uri_text: str) -> dict[str, str]:
    """postgresql://user:@/db?host=/socket/dir as PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE."""
    uri = urlparse(uri_text)
    return {
        "PGHOST": parse_qs(uri.query)["host"][0],
        "PGPORT": str(uri.port or 5432),
        "PGUSER": uri.username or "postgres",
        "PGPASSWORD": "",
        "PGDATABASE": uri.path.lstrip("/") or "postgres",
    }


def _postgres(env: dict[str, str]):
    return psycopg2.connect(host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], dbname=env["PGDATABASE"])


def _load_postgres_bronze(env: dict[str, str], raw_root: Path) -> None:
    """Bronze as Glue/Spectrum present it: every contract column as text, plus `dt date`."""
    with _postgres(env) as connection, connection.cursor() as cursor:
        cursor.execute(f"create schema if not exists {layer_schema(BRONZE)}")
        for contract in CONTRACTS:
            columns = ", ".join(f'"{name}"' for name in contract.column_names)
            table = f'{layer_schema(BRONZE)}."{contract.name}"'
            typed = ", ".join(f'"{name}" text' for name in contract.column_names)
            cursor.execute(f"drop table if exists {table}")
            cursor.execute(f"create table {table} ({typed}, dt date)")
            for path in sorted((raw_root / contract.name).glob("dt=*/*.csv")):
                with path.open() as source:
                    # HEADER MATCH: PostgreSQL checks the header names the contract's columns, in order.
                    cursor.copy_expert(f"copy {table} ({columns}) from stdin with (format csv, header match)", source)
                cursor.execute(f"update {table} set dt = %s where dt is null", [path.parent.name.removeprefix("dt=")])


def _base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "REDSHIFT_"))}
    env.pop("BANKING_DW_TARGET", None)
    env.update(extra)
    return env


def _build(target_path: Path, target: str, window: tuple[str, str], env: dict[str, str]) -> dict[str, str]:
    """`dbt run`, then `dbt test`, of the window (half-open: max_date is the day after the last
    day); returns each node's status. Not `dbt build`: a failing test there skips everything
    downstream, and the point is to compare what the engines build and what their tests say."""
    max_date = (dt.date.fromisoformat(window[1]) + dt.timedelta(days=1)).isoformat()
    arguments = json.dumps({"min_date": window[0], "max_date": max_date})
    statuses: dict[str, str] = {}
    # One target folder for both commands: the test command reuses the run's parse.
    for command in ("run", "test"):
        result = run_dbt(target_path, command, "--target", target, "--vars", arguments, env=env)
        results_file = target_path / "run_results.json"
        assert results_file.is_file(), result.stdout[-4000:] + result.stderr[-2000:]
        statuses |= {r["unique_id"]: r["status"] for r in json.loads(results_file.read_text())["results"]}
    return statuses


ROLES = ("analyst", "reporting", "pii_reader")
# dbt connects as a user that owns what it builds and nothing else: no superuser.
DBT_USER = "dbt_runner"


def _create_roles(env: dict[str, str]) -> None:
    """The roles the project grants to, and dbt's own non-superuser, as the README's SQL creates them."""
    with _postgres(env) as connection, connection.cursor() as cursor:
        for role in ROLES:
            cursor.execute(f"drop role if exists {role}")
            cursor.execute(f"create role {role}")
        # The original project's queries are Redshift SQL: its query 4 rounds a float, which Redshift
        # can and PostgreSQL cannot; this gives PostgreSQL Redshift's function, so they run unchanged.
        cursor.execute(
            "create or replace function public.round(double precision, integer) returns numeric"
            " language sql immutable as 'select round($1::numeric, $2)'"
        )
        cursor.execute(f"drop role if exists {DBT_USER}")
        cursor.execute(f"create user {DBT_USER} nosuperuser nocreaterole")
        cursor.execute(f"grant create on database {env['PGDATABASE']} to {DBT_USER}")
        cursor.execute(f"grant usage on schema {layer_schema(BRONZE)} to {DBT_USER}")
        cursor.execute(f"grant select on all tables in schema {layer_schema(BRONZE)} to {DBT_USER}")


@pytest.fixture(scope="module")
def on_postgres(tmp_path_factory, window, built, postgres_env) -> dict[str, str]:
    """The window built on PostgreSQL, by a non-superuser, from the raw files Dagster built DuckDB
    from; node statuses."""
    data_dir, _ = built
    _load_postgres_bronze(postgres_env, data_dir / "raw")
    _create_roles(postgres_env)
    # The key DuckDB's gold was masked with (beside its warehouse), so the pseudonyms compare equal.
    key = DuckDBWarehouse(path=str(data_dir / "warehouse.duckdb")).masking_key()
    as_dbt_user = {**postgres_env, "PGUSER": DBT_USER, MASKING_KEY_ENV: key}
    return _build(tmp_path_factory.mktemp("dbt_postgres"), "postgres", window, _base_env(**as_dbt_user))


# --------------------------------------------------------------------------- comparing tables


def _text(value: object) -> str:
    """One engine-neutral text per value: numbers without trailing zeros (numeric(18,2) 1.50 ==
    DuckDB's decimal 1.5 == 1.50), ISO dates and timestamps, true/false."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        normalised = Decimal(value).normalize()
        return format(normalised if normalised != 0 else Decimal(0), "f")
    if isinstance(value, float):
        return _text(Decimal(repr(round(value, 9))))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _tables(cursor, schemas: tuple[str, ...]) -> dict[str, list[str]]:
    """schema.table -> its column names (sorted), from information_schema, so new models are compared too."""
    listed = ", ".join(f"'{schema}'" for schema in schemas)
    cursor.execute(
        "select table_schema || '.' || table_name, column_name from information_schema.columns"
        f" where table_schema in ({listed})"
    )
    tables: dict[str, list[str]] = {}
    for table, column in cursor.fetchall():
        tables.setdefault(table, []).append(column)
    return {table: sorted(columns) for table, columns in tables.items()}


def _rows(cursor, table: str, columns: list[str]) -> list[tuple[str, ...]]:
    schema, name = table.split(".")
    quoted = ", ".join(f'"{column}"' for column in columns)
    cursor.execute(f'select {quoted} from {schema}."{name}"')
    return sorted(tuple(_text(v) for v in row) for row in cursor.fetchall())


def _first_differences(left: list[tuple], right: list[tuple], limit: int = 5) -> tuple[list, list]:
    only_left = list((Counter(left) - Counter(right)).elements())
    only_right = list((Counter(right) - Counter(left)).elements())
    return sorted(only_left)[:limit], sorted(only_right)[:limit]


# --------------------------------------------------------------------------- the tests


def test_every_model_builds_on_postgres(on_postgres):
    models = {node: status for node, status in on_postgres.items() if node.startswith("model.")}
    assert models
    assert {node: status for node, status in models.items() if status != "success"} == {}


def _dagster_verdict(evaluation: dg.AssetCheckEvaluation) -> str:
    """A dbt test's asset check evaluation as dbt's own test status."""
    if evaluation.passed:
        return "pass"
    return "warn" if evaluation.severity == dg.AssetCheckSeverity.WARN else "fail"


def test_data_tests_give_the_same_verdicts_on_both_engines(on_postgres, built):
    """A test that fails on one engine and passes on the other means the SQL means different things."""
    _, run = built
    computed_by_dagster = {spec.name for spec in silver_check_specs(daily_partitions())}
    on_duckdb = {
        e.check_name: _dagster_verdict(e)
        for e in run.check_evaluations
        if e.asset_key.path[0] in DBT_GROUPS and e.check_name not in computed_by_dagster
    }
    # dbt's unique id is test.<project>.<test name>[.<hash>]; the test name is the asset check's.
    postgres = {node.split(".")[2]: status for node, status in on_postgres.items() if node.startswith("test.")}
    assert postgres.keys() == on_duckdb.keys()
    assert {n: (s, on_duckdb[n]) for n, s in postgres.items() if s != on_duckdb[n]} == {}


def test_gold_on_postgres_equals_gold_on_duckdb(on_postgres, built, postgres_env):
    data_dir, _ = built
    with (
        _postgres(postgres_env) as pg,
        pg.cursor() as pg_cursor,
        duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as duck,
    ):
        duck_cursor = duck.cursor()
        pg_tables, duck_tables = _tables(pg_cursor, COMPARED_SCHEMAS), _tables(duck_cursor, COMPARED_SCHEMAS)
        assert sorted(pg_tables) == sorted(duck_tables)
        assert any(table.startswith("dev_gold.fact_") for table in duck_tables)
        for table, columns in sorted(duck_tables.items()):
            assert pg_tables[table] == columns, table
            on_postgres, on_duckdb = _rows(pg_cursor, table, columns), _rows(duck_cursor, table, columns)
            only_postgres, only_duckdb = _first_differences(on_postgres, on_duckdb)
            assert (len(on_postgres), only_postgres, only_duckdb) == (len(on_duckdb), [], []), (
                f"{table} differs; columns {columns}"
            )


def test_the_silver_checks_queries_count_the_same_on_postgres(on_postgres, built, postgres_env, window):
    """The set-based queries behind reconciles_with_landed, quarantine_is_empty and the completeness
    gate run through the warehouse resource on either target: the same SQL counts the same rows."""
    data_dir, _ = built
    days = DayWindow.from_key_range(*window)
    counted = {
        f"stg_{c.model_name}": (f"dev_silver.stg_{c.model_name}", "partition_date" if c.is_fact else None)
        for c in CONTRACTS
    }
    counted |= {f"quarantine_{c.model_name}": (f"dev_silver.quarantine_{c.model_name}", "dt") for c in CONTRACTS}
    quarantines = {f"quarantine_{c.model_name}": f"dev_silver.quarantine_{c.model_name}" for c in CONTRACTS}
    queries = [silver_count_sql(counted, days), quarantine_rules_sql(quarantines, days)]
    with (
        _postgres(postgres_env) as pg,
        pg.cursor() as pg_cursor,
        duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as duck,
    ):
        for sql in queries:
            pg_cursor.execute(sql)
            on_postgres = sorted(tuple(_text(v) for v in row) for row in pg_cursor.fetchall())
            on_duckdb = sorted(tuple(_text(v) for v in row) for row in duck.execute(sql).fetchall())
            assert on_postgres == on_duckdb, sql[:200]
            # The clean build has silver rows to count, and nothing quarantined.
            assert bool(on_duckdb) == (sql is queries[0]), sql[:200]


def original_queries() -> list[str]:
    text = (Path(__file__).parent / "data" / "original_queries.sql").read_text()
    return [query.strip() for query in text.split(";") if "select" in query.lower()]


def _reads(cursor, role: str, sql: str) -> bool:
    """Whether `role` may run `sql`; False on permission denied (42501), raising anything else."""
    cursor.execute("savepoint probe")
    cursor.execute(f"set role {role}")
    try:
        cursor.execute(sql)
        cursor.fetchall()
        return True
    except psycopg2.errors.InsufficientPrivilege:
        return False
    finally:
        cursor.execute("rollback to savepoint probe")
        cursor.execute("reset role")


def test_each_role_reads_what_it_may_and_nothing_else_on_postgres(on_postgres, postgres_env):
    """Grants from dbt's grants config and the schema USAGE hook: analysts run the original
    project's six queries on masked gold and read the reports; reporting reads only the reports;
    pii_reader only the restricted model; silver, bronze and the test failures are the engineers'."""
    with _postgres(postgres_env) as pg, pg.cursor() as cursor:
        cursor.execute("select table_name from information_schema.tables where table_schema = 'dev_reports'")
        reports = [f"select * from dev_reports.{name}" for (name,) in cursor.fetchall()]
        cursor.execute(
            "select table_name from information_schema.tables where table_schema = 'dev_test_failures' limit 1"
        )
        [(failures_view,)] = cursor.fetchall()
        restricted = "select * from dev_restricted.dim_customer_pii"
        engineers_only = [
            "select * from dev_silver.stg_dim_customer",
            "select * from dev_silver.quarantine_dim_customer",
            f'select * from {layer_schema(BRONZE)}."dim_customers"',
            f'select * from dev_test_failures."{failures_view}"',
        ]
        queries = original_queries()
        assert len(queries) == 6 and len(reports) == 6
        for sql in queries + reports:
            assert _reads(cursor, "analyst", sql), sql
        for sql in [restricted, *engineers_only]:
            assert not _reads(cursor, "analyst", sql), sql
        for sql in reports:
            assert _reads(cursor, "reporting", sql), sql
        for sql in [*queries, restricted, *engineers_only]:
            assert not _reads(cursor, "reporting", sql), sql
        assert _reads(cursor, "pii_reader", restricted)
        for sql in [*queries, *reports, *engineers_only]:
            assert not _reads(cursor, "pii_reader", sql), sql


SAFE_CAST_CASES = [
    ("2024-02-29", "date", "2024-02-29"),
    ("2023-02-29", "date", NULL),
    ("2023-02-30", "date", NULL),
    ("1900-02-29", "date", NULL),
    ("2000-02-29", "date", "2000-02-29"),
    ("2023-04-31", "date", NULL),
    ("2023-02-30 10:00:00", "timestamp", NULL),
    ("2024-01-31 23:59:59", "timestamp", "2024-01-31 23:59:59"),
    ("1.234", "decimal(18,2)", NULL),
    ("-12.5", "decimal(18,2)", "-12.5"),
    ("1.5", "integer", NULL),
    ("TRUE", "boolean", "true"),
]


def test_safe_cast_text_on_postgres_never_raises(tmp_path, postgres_env):
    """Impossible days are null, not an error (PostgreSQL's to_date raises where Redshift's rolls
    over), and only the contract's formats cast. All cases in one query, one dbt invocation; the
    texts come from a two-row VALUES scan, as from a bronze column (PostgreSQL folds a cast of a
    bare literal at plan time, before CASE could guard it)."""
    count = len(SAFE_CAST_CASES)
    casts = ", ".join(
        "{{ safe_cast_text('c" + str(i) + "', '" + type_ + "') }} as case_" + str(i)
        for i, (_, type_, _) in enumerate(SAFE_CAST_CASES)
    )
    texts = ", ".join("'" + text + "'" for text, _, _ in SAFE_CAST_CASES)
    names = ", ".join(f"c{i}" for i in range(count))
    sql = f"select {casts} from (values (1, {texts}), (2{', null' * count})) as cases(n, {names}) where n = 1"
    result = run_dbt(
        tmp_path,
        "show",
        "--target",
        "postgres",
        "--inline",
        sql,
        "--output",
        "json",
        "--quiet",
        env=_base_env(**postgres_env),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    (row,) = json.loads(result.stdout)["show"]
    # dbt show's JSON: ISO timestamps with a T, numbers as numbers, booleans as booleans.
    got = [_text(row[f"case_{i}"]).replace("T", " ") for i in range(count)]
    assert got == [case[2] for case in SAFE_CAST_CASES], SAFE_CAST_CASES


# --------------------------------------------------------------------------- a check is a gate

# Every schema readers see on a server target.
PUBLISHED_SCHEMAS = ("dev_silver", "dev_gold", "dev_restricted", "dev_reports", "dev_reports_daily")


def _published_digest(cursor) -> dict[str, tuple[int, str]]:
    """schema.table -> (rows, sha256 of its rows, sorted) for every published relation."""
    digests = {}
    for table, columns in sorted(_tables(cursor, PUBLISHED_SCHEMAS).items()):
        rows = _rows(cursor, table, columns)
        digests[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return digests


# A re-delivery of the second day's transactions that is well formed but wrong, as SQL on bronze.
WRONG_REDELIVERIES = {
    "truncated": (
        "delete from {table} where dt = %(day)s and transaction_id in (select transaction_id from {table}"
        " where dt = %(day)s order by transaction_id limit (select count(*) / 2 from {table} where dt = %(day)s))"
    ),
    "unbalanced": (
        "update {table} set transaction_amount = '999999.99' where dt = %(day)s and transaction_id = (select"
        " min(transaction_id) from {table} where dt = %(day)s and lower(transaction_status) = 'completed')"
    ),
}


@pytest.mark.parametrize("redelivery", sorted(WRONG_REDELIVERIES))
def test_a_wrong_redelivery_fails_the_build_and_changes_nothing_published_on_postgres(
    on_postgres, postgres_env, built, window, tmp_path, redelivery
):
    """Half of the second day's transactions re-sent, or one amount changed: `dbt build` of that day
    fails its balance test on the candidates, and no published relation changes (the publish, one
    transaction, never runs)."""
    data_dir, _ = built
    _, second = window
    transactions = f'{layer_schema(BRONZE)}."fact_transactions"'
    with _postgres(postgres_env) as pg, pg.cursor() as cursor:
        before = _published_digest(cursor)
        assert before["dev_gold.fact_transaction"][0] > 0
        cursor.execute(f"create temporary table kept as select * from {transactions} where dt = %s", [second])
        cursor.execute(WRONG_REDELIVERIES[redelivery].format(table=transactions), {"day": second})
        assert cursor.rowcount > 0
        pg.commit()
        try:
            key = DuckDBWarehouse(path=str(data_dir / "warehouse.duckdb")).masking_key()
            max_date = (dt.date.fromisoformat(second) + dt.timedelta(days=1)).isoformat()
            arguments = json.dumps({"min_date": second, "max_date": max_date})
            env = _base_env(**{**postgres_env, "PGUSER": DBT_USER, MASKING_KEY_ENV: key})
            result = run_dbt(tmp_path, "build", "--target", "postgres", "--vars", arguments, env=env)
            statuses = {
                r["unique_id"].split(".")[2]: r["status"]
                for r in json.loads((tmp_path / "run_results.json").read_text())["results"]
            }
            assert result.returncode != 0
            failed = {
                r["unique_id"]: r["message"]
                for r in json.loads((tmp_path / "run_results.json").read_text())["results"]
                if r["status"] == "error"
            }
            assert statuses["balance_credits_and_debits_match_transactions"] == "fail", failed
            assert "nothing published" in result.stdout
            assert _published_digest(cursor) == before
        finally:
            cursor.execute(f"delete from {transactions} where dt = %s", [second])
            cursor.execute(f"insert into {transactions} select * from kept")
            pg.commit()


# --------------------------------------------------------------------------- erasure, last: it changes the warehouse


def test_an_erasure_updates_every_relation_and_free_text_on_postgres(on_postgres, postgres_env, built, tmp_path):
    """The erasure job's run-operation on the second engine, as dbt's own user: the customer's
    personal values replaced in silver, the restricted model and analysts' gold (masked again), their
    name redacted from a transaction's description in silver and gold; a second run changes
    nothing. Runs last in this module: it changes the warehouse the tests above compare."""
    data_dir, _ = built
    key = DuckDBWarehouse(path=str(data_dir / "warehouse.duckdb")).masking_key()
    with _postgres(postgres_env) as pg, pg.cursor() as cursor:
        cursor.execute(
            "select customer_id, first_name || ' ' || last_name, email from dev_restricted.dim_customer_pii"
            " where is_current order by customer_id limit 1"
        )
        [(customer, name, email)] = cursor.fetchall()
        # Their name first, so analysts' gold (the first two words) shows it too.
        cursor.execute(
            "update dev_silver.stg_fact_transaction set description = %s || ' paid'"
            " where transaction_id = (select min(transaction_id) from dev_silver.stg_fact_transaction)",
            [name],
        )
        cursor.execute(
            "update dev_gold.fact_transaction set description = %s"
            " where transaction_id = (select min(transaction_id) from dev_silver.stg_fact_transaction)",
            [name],
        )
    arguments = json.dumps(
        {"customer_ids": [customer], "free_text": [["fact_transactions", "description"]], "placeholder": "[erased]"}
    )
    texts = json.dumps(sorted({name, email}, key=len, reverse=True))
    as_dbt_user = {**postgres_env, "PGUSER": DBT_USER, MASKING_KEY_ENV: key, "BANKING_DW_ERASED_TEXTS": texts}
    env = _base_env(**as_dbt_user)

    def erase() -> dict[str, int | None]:
        result = run_dbt(
            tmp_path, "run-operation", "erase_customers", "--args", arguments, "--target", "postgres", env=env
        )
        assert result.returncode == 0, result.stdout[-3000:]
        [counts] = re.findall(r"erasure counts (\{.*\})", result.stdout)
        return json.loads(counts)

    first = erase()
    assert first["silver"] >= 1 and first["gold_restricted"] >= 1 and first["gold"] >= 1, first
    assert (first["text_silver"], first["text_gold"], first["text_quarantine"]) == (1, 1, 0), first
    assert set(erase().values()) == {0}, "a second run changes nothing"
    with _postgres(postgres_env) as pg, pg.cursor() as cursor:
        for relation in ("dev_silver.stg_fact_transaction", "dev_gold.fact_transaction"):
            cursor.execute(f"select count(*) from {relation} where description ilike %s", [f"%{name}%"])
            assert cursor.fetchone() == (0,), relation
        cursor.execute(
            "select distinct first_name from dev_restricted.dim_customer_pii where customer_id = %s", [customer]
        )
        assert cursor.fetchall() == [("[erased]",)]
        cursor.execute("select distinct email from dev_gold.dim_customer where customer_id = %s", [customer])
        assert cursor.fetchall() == [(hashlib.sha256(f"{key}:erased@erased.invalid".encode()).hexdigest(),)]
