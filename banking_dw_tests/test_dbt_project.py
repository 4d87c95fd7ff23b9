"""The dbt project (dbt_project/): its restatements of the contract, its parsed shape, and a
small end-to-end build (silver validation and quarantine, windows, SCD2, gold) on DuckDB."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from banking_dw.contracts import CONTRACTS
from banking_dw.dbt.args import build_args, window_environment
from banking_dw.dbt.contract_files import JINJA_HEADER, stale_files, written_files
from banking_dw.dbt.project import dbt_project
from banking_dw.partitions import DayWindow
from banking_dw.settings import MASKING_KEY_ENV
from banking_dw.value_rules import ColumnType, Dialect, typed_sql
from banking_dw_tests.support import DBT_PROJECT_DIR, TEST_MASKING_KEY, run_dbt

# Builds warehouses with dbt: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow


def _dbt(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, target_path: Path | None = None
) -> subprocess.CompletedProcess:
    """Run dbt on the project with target/ and logs/ under tmp_path (never inside the repo).

    dbt re-parses in full when the warehouse path changes (it is part of the profile's state), so
    each warehouse keeps its own target folder, where dbt's partial parse then holds across runs."""
    return run_dbt(target_path or tmp_path / "target", *args, env=env or os.environ, log_path=tmp_path / "logs")


def _no_credentials_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDSHIFT_")}
    env.pop("BANKING_DW_TARGET", None)
    env.setdefault(MASKING_KEY_ENV, TEST_MASKING_KEY)
    return env


# --------------------------------------------------------------------------- the contract, restated


def test_every_written_file_is_what_make_contract_writes_now():
    """A written file edited by hand, or a contract changed without `make contract`, fails here."""
    assert stale_files(DBT_PROJECT_DIR) == [], "run `make contract`"


def test_a_written_file_edited_by_hand_is_caught(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    assert stale_files(project) == []
    edited = project / "models" / "silver" / "facts" / "stg_fact_loan.yml"
    edited.write_text(edited.read_text().replace("loan_amount", "loan_amount_usd"))
    leftover = project / "models" / "silver" / "facts" / "stg_fact_gone.sql"
    leftover.write_text(JINJA_HEADER)
    assert stale_files(project) == ["models/silver/facts/stg_fact_gone.sql", "models/silver/facts/stg_fact_loan.yml"]


def test_every_written_file_says_it_is_written_and_by_what():
    for path in written_files():
        first = (DBT_PROJECT_DIR / path).read_text().splitlines()[0]
        assert "Written by `make contract` (banking_dw/dbt/contract_files.py)" in first, path


def _contract_macro() -> tuple[dict, dict]:
    """The two dicts macros/generated/contract.sql returns, read back as JSON."""
    text = (DBT_PROJECT_DIR / "macros" / "generated" / "contract.sql").read_text()
    returned = re.findall(r"\{\{ return\((\{.*?\})\) \}\}", text, re.S)
    return json.loads(returned[0]), json.loads(returned[1])


def test_the_contract_macro_restates_every_table_and_value_rule():
    """silver's casts read the value rule's SQL as value_rules renders it; silver's runs, gold's
    masks and the erasure each table's key, columns and masks (the rules themselves are in
    validated_<model>)."""
    tables, casts = _contract_macro()
    assert casts == {
        dialect.value: {t.value: typed_sql("{text}", t, dialect) for t in ColumnType if t is not ColumnType.VARCHAR}
        for dialect in Dialect
    }
    assert list(tables) == [c.name for c in CONTRACTS]
    for c in CONTRACTS:
        entry = tables[c.name]
        assert (entry["model_name"], entry["key"]) == (c.model_name, list(c.key)), c.name
        assert [column["name"] for column in entry["columns"]] == list(c.column_names), c.name
        for column, restated in zip(c.columns, entry["columns"], strict=True):
            assert restated["type"] == column.type.value
            assert restated.get("personal", False) == (column.personal is not None)
            assert restated.get("mask") == (column.mask.name.lower() if column.mask else None)


def test_the_gold_columns_are_the_contracts_and_personal_ones_say_how_they_are_masked():
    for c in CONTRACTS:
        folder = "facts" if c.is_fact else "dimensions"
        [model] = yaml.safe_load((DBT_PROJECT_DIR / "models" / "gold" / folder / f"{c.model_name}.yml").read_text())[
            "models"
        ]
        columns = {column["name"]: column for column in model["columns"]}
        assert set(c.column_names) <= set(columns), c.name
        for column in c.columns:
            assert columns[column.name]["description"].startswith(column.description), (c.name, column.name)
            assert ("Masked:" in columns[column.name]["description"]) == (column.mask is not None), column.name


def test_every_check_has_a_short_name_and_a_description():
    manifest = json.loads(dbt_project().manifest_path.read_text())
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert tests
    for test in tests:
        assert len(test["name"]) <= 60, test["name"]
        assert test["description"] or test["original_file_path"].startswith("tests/"), test["name"]


def test_singular_tests_state_their_invariant_on_the_first_line():
    tests = sorted((DBT_PROJECT_DIR / "tests").rglob("*.sql"))
    assert tests
    for path in tests:
        first = path.read_text().splitlines()[0]
        assert re.match(r"^-- Invariant: \S.{20,}", first), path


# --------------------------------------------------------------------------- the parsed project
# (the redshift target's parse and compile: test_redshift_sql.py)


def test_manifest_shape():
    """Schemas = layers after the prefix, one validated model and one quarantine per stg, every
    model built as a candidate and published by a passing build: dimensions stored as runs, facts,
    quarantines and the reports' per-day aggregates per window, the rest whole; validated models
    among the candidates, never published. Read from the manifest Dagster builds its graph from,
    which `make install` parses."""
    manifest = json.loads(dbt_project().manifest_path.read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for c in CONTRACTS:
        judged = {f"validated_{c.model_name}", f"stg_{c.model_name}", f"quarantine_{c.model_name}", c.model_name}
        assert judged <= set(models), c.name
    assert {n for n, node in models.items() if node["fqn"][1] == "reports"} == {
        path.stem for path in (DBT_PROJECT_DIR / "models" / "reports").rglob("*.sql")
    }
    for name, node in models.items():
        layer, folder = node["fqn"][1], node["fqn"][2]
        assert layer in ("silver", "gold", "reports"), name
        schema = {"restricted": "restricted", "daily": "reports_daily", "validated": "silver_candidate"}.get(
            folder, layer
        )
        assert node["schema"] == f"dev_{schema}", name
        assert node["tags"] == [layer], name
        config = node["config"]
        assert config["pre-hook"] == [], name
        if layer == "silver" and folder == "dimensions":
            expected = "candidate_runs"
        elif (layer == "silver" and folder != "validated") or folder in ("facts", "daily"):
            expected = "windowed"
            window_column = "dt" if name.startswith("quarantine_") else "partition_date"
            assert config["meta"]["window_column"] == window_column, name
        else:
            expected = "candidate_table"
        assert config["materialized"] == expected, name
        assert config["post-hook"][-1]["sql"] == "{{ log_table_metadata() }}", name
    assert manifest["macros"]["macro.banking_dw.ref"]


def test_each_bronze_row_is_typed_and_judged_by_one_model():
    """Each bronze table is read by one model, validated_<model>, and only those models type text
    (safe_cast_text) or judge it: stg_ and quarantine_ read its verdict."""
    manifest = json.loads(dbt_project().manifest_path.read_text())
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    for c in CONTRACTS:
        readers = [n["name"] for n in nodes if f"source.banking_dw.bronze.{c.name}" in n["depends_on"]["nodes"]]
        assert readers == [f"validated_{c.model_name}"], c.name
        for model in (f"stg_{c.model_name}", f"quarantine_{c.model_name}"):
            [node] = [n for n in nodes if n["name"] == model]
            assert node["depends_on"]["nodes"] == [f"model.banking_dw.validated_{c.model_name}"], model
    typing = {n["name"] for n in nodes if "macro.banking_dw.safe_cast_text" in n["depends_on"]["macros"]}
    assert typing == {f"validated_{c.model_name}" for c in CONTRACTS}


# --------------------------------------------------------------------------- end to end on DuckDB


def _generator():
    try:
        from banking_dw.generator import Scale, generate_day, generate_reference_tables, write_csv
    except ImportError:  # pragma: no cover - the generator is another module of the project
        pytest.skip("banking_dw.generator is not available")
    return Scale, generate_day, generate_reference_tables, write_csv


def _make_lake(root: Path, days: list[dt.date]) -> Path:
    """Every table is a daily extract: <lake>/<table>/dt=YYYY-MM-DD/<table>.csv, reference data included."""
    Scale, generate_day, generate_reference_tables, write_csv = _generator()
    scale = Scale(transactions_per_day=100)
    lake = root / "lake"
    for day in days:
        for name, table in {**generate_reference_tables(scale), **generate_day(day, scale)}.items():
            write_csv(table, lake / name / f"dt={day.isoformat()}" / f"{name}.csv")
    return lake


def _create_bronze(warehouse: Path, lake: Path) -> None:
    """Bronze as the crawl step builds it: one all-VARCHAR view per table, plus dt DATE."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists dev_bronze")
        for c in CONTRACTS:
            columns = ", ".join(f'"{n}"' for n in c.column_names)
            source = (
                f"read_csv('{lake}/{c.name}/dt=*/*.csv', header=true, all_varchar=true,"
                " hive_partitioning=true, hive_types={'dt': 'DATE'})"
            )
            con.execute(f"create or replace view dev_bronze.{c.name} as select {columns}, dt from {source}")
    finally:
        con.close()


def _build(tmp_path: Path, warehouse: Path, min_date: str, max_date: str):
    """As the Dagster asset runs dbt (the warehouse and the window from the environment, no unit
    tests); then dbt's unit tests, which read the published models' columns for their fixtures."""
    env = {
        **_no_credentials_env(),
        "BANKING_DW_WAREHOUSE_PATH": str(warehouse),
        **window_environment(DayWindow(dt.date.fromisoformat(min_date), dt.date.fromisoformat(max_date))),
    }
    target_path = tmp_path / f"target-{warehouse.stem}"
    result = _dbt(tmp_path, *build_args(), "--target", "local", env=env, target_path=target_path)
    if result.returncode == 0:
        unit = _dbt(
            tmp_path, "test", "--select", "test_type:unit", "--target", "local", env=env, target_path=target_path
        )
        assert unit.returncode == 0 and "PASS=" in unit.stdout, unit.stdout[-5000:]
    return result


def _fetch(warehouse: Path, sql: str) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _rewrite_csv(path: Path, edit) -> None:
    rows = list(csv.reader(path.open(newline="")))
    edit(rows[0], rows)
    with path.open("w", newline="") as sink:
        csv.writer(sink, lineterminator="\n").writerows(rows)


def _csv(lake: Path, table: str, day: dt.date) -> Path:
    return lake / table / f"dt={day.isoformat()}" / f"{table}.csv"


DAY1, DAY2 = dt.date(2024, 1, 1), dt.date(2024, 1, 2)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """One warehouse path and target folder for this module's dbt commands: the path is part of
    dbt's profile, so a command on the same path starts from the previous one's partial parse
    instead of parsing the whole project again."""
    return tmp_path_factory.mktemp("dbt_scratch")


def test_row_rules_quarantine_with_reasons_and_only_warn(tmp_path, scratch):
    """One two-day build covering every row rule. Day 2: bad values, an unknown account, an event
    off its day, exact and conflicting duplicate transactions, a conflicting account and an exactly
    duplicated customer. The build passes every dbt test (the quarantines are Dagster's checks),
    though a quarantined Completed transaction leaves its account's balances unreconciled; the
    conflicting account's transactions still reach gold; reports build."""
    lake = _make_lake(tmp_path, [DAY1, DAY2])
    tx_rows = list(csv.DictReader(_csv(lake, "fact_transactions", DAY2).open()))
    accounts_day1 = {r["account_id"]: r for r in csv.DictReader(_csv(lake, "dim_accounts", DAY1).open())}
    accounts_day2 = {r["account_id"]: r for r in csv.DictReader(_csv(lake, "dim_accounts", DAY2).open())}
    # an account with transactions on day 2 whose version is unchanged since day 1
    conflicted = next(
        r["account_id"]
        for r in tx_rows
        if r["account_id"] in accounts_day1 and accounts_day1[r["account_id"]] == accounts_day2[r["account_id"]]
    )
    others = [i for i, r in enumerate(tx_rows) if r["account_id"] != conflicted]
    completed = next(i for i in others if tx_rows[i]["transaction_status"] == "Completed")
    # a Completed transaction moved to an unknown account no longer says whose balance it explains
    unknown = next(i for i in others if tx_rows[i]["transaction_status"] != "Completed")
    bad_amount, negative, off_day, exact, conflicting = [
        completed,
        *[i for i in others if i not in (completed, unknown)][:4],
    ]
    ids = {name: tx_rows[i]["transaction_id"] for name, i in [("exact", exact), ("conflicting", conflicting)]}

    def corrupt_transactions(header, rows):
        body = rows[1:]
        body[bad_amount][header.index("transaction_amount")] = "abc"
        body[negative][header.index("transaction_amount")] = "-5.00"
        body[unknown][header.index("account_id")] = "99999"
        body[off_day][header.index("transaction_timestamp")] = "2024-01-03 00:10:00"
        rows.append(list(body[exact]))
        clash = list(body[conflicting])
        clash[header.index("description")] = "a different description"
        rows.append(clash)

    def conflict_account(header, rows):
        row = next(r for r in rows[1:] if r[header.index("account_id")] == conflicted)
        clash = list(row)
        clash[header.index("account_status")] = (
            "Frozen" if row[header.index("account_status")] != "Frozen" else "Active"
        )
        rows.append(clash)

    def duplicate_customer(header, rows):
        rows.append(list(rows[1]))

    _rewrite_csv(_csv(lake, "fact_transactions", DAY2), corrupt_transactions)
    _rewrite_csv(_csv(lake, "dim_accounts", DAY2), conflict_account)
    _rewrite_csv(_csv(lake, "dim_customers", DAY2), duplicate_customer)
    duplicated_customer = next(csv.DictReader(_csv(lake, "dim_customers", DAY2).open()))["customer_id"]

    warehouse = scratch / "wh.duckdb"
    _create_bronze(warehouse, lake)
    result = _build(scratch, warehouse, "2024-01-01", "2024-01-03")
    assert result.returncode == 0, result.stdout[-5000:]
    assert not re.findall(r"(?:FAIL|ERROR|WARN) \d+ \S+", result.stdout), result.stdout[-5000:]
    quarantined = {
        model
        for c in CONTRACTS
        if _fetch(warehouse, f"select count(*) from dev_silver.{(model := f'quarantine_{c.model_name}')}")[0][0]
    }
    assert quarantined == {"quarantine_fact_transaction", "quarantine_dim_account", "quarantine_dim_customer"}
    # Dimensions are stored as runs of equal rows: the calendar, sent unchanged both days, is one run a date.
    assert _fetch(
        warehouse, "select count(*), min(first_extract_date), max(last_extract_date) from dev_silver.stg_dim_date"
    ) == [(4018, DAY1, DAY2)]

    reasons = sorted(
        r for (r,) in _fetch(warehouse, "select quarantine_reason from dev_silver.quarantine_fact_transaction")
    )
    assert reasons == sorted(
        [
            "transaction_amount: not a decimal 'abc'",
            "transaction_amount: negative -5.00",
            "account_id: unknown account 99999 on 2024-01-02",
            "transaction_timestamp: 2024-01-03 00:10:00 is not on the partition day 2024-01-02",
            f"transaction_id {ids['exact']}: exact duplicate of a row kept in silver",
            f"transaction_id {ids['conflicting']}: conflicting copies of the key (different values), all quarantined",
            f"transaction_id {ids['conflicting']}: conflicting copies of the key (different values), all quarantined",
        ]
    )
    assert (
        _fetch(warehouse, "select account_id, quarantine_reason from dev_silver.quarantine_dim_account")
        == [(conflicted, f"account_id {conflicted}: conflicting copies of the key (different values), all quarantined")]
        * 2
    )
    assert _fetch(warehouse, "select customer_id, quarantine_reason from dev_silver.quarantine_dim_customer") == [
        (duplicated_customer, f"customer_id {duplicated_customer}: exact duplicate of a row kept in silver")
    ]
    # 200 bronze rows + 2 appended copies - 7 quarantined; the exact duplicate keeps one copy
    assert _fetch(warehouse, "select count(*) from dev_gold.fact_transaction") == [(200 + 2 - 7,)]
    assert _fetch(
        warehouse, f"select count(*) from dev_gold.fact_transaction where transaction_id = {ids['exact']}"
    ) == [(1,)]
    # the conflicting account's day-2 transactions are not knocked out: gold finds its day-1 version
    resolved = _fetch(
        warehouse,
        f"""
        select count(*), count(f.account_sk), min(a.extract_date)
        from dev_gold.fact_transaction as f left join dev_gold.dim_account as a on a.account_sk = f.account_sk
        where f.account_id = {conflicted} and f.partition_date = date '2024-01-02'""",
    )
    assert resolved[0][0] > 0 and resolved[0][0] == resolved[0][1] and resolved[0][2] == DAY1
    reports = _fetch(warehouse, "select table_name from information_schema.tables where table_schema = 'dev_reports'")
    assert len(reports) == 6


def test_safe_cast_accepts_only_the_contract_formats_for_dates_and_timestamps(scratch):
    values = ["2024-01-02", "2024-1-2", "2024-01-02 10:00:00", "2024-01-02T09:00:00", "2023-02-30", "2024-02-29"]
    rows = ", ".join(f"({i}, '{v}')" for i, v in enumerate(values))
    inline = (
        "select i, {{ safe_cast_text('v', 'date') }} is not null as is_date,"
        " {{ safe_cast_text('v', 'timestamp') }} is not null as is_timestamp"
        f" from (values {rows}) as t(i, v) order by i"
    )
    warehouse = scratch / "wh.duckdb"
    result = _dbt(
        scratch,
        "show",
        "--target",
        "local",
        "--quiet",
        "--output",
        "json",
        "--limit",
        "20",
        "--inline",
        inline,
        env={**_no_credentials_env(), "BANKING_DW_WAREHOUSE_PATH": str(warehouse)},
        target_path=scratch / f"target-{warehouse.stem}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shown = json.loads(result.stdout[result.stdout.index("{") :])["show"]
    judged = {values[row["i"]]: (row["is_date"], row["is_timestamp"]) for row in shown}
    assert judged == {
        "2024-01-02": (True, False),
        "2024-1-2": (False, False),
        "2024-01-02 10:00:00": (False, True),
        "2024-01-02T09:00:00": (False, False),
        "2023-02-30": (False, False),
        "2024-02-29": (True, False),
    }


def test_the_publish_commits_every_statement_or_none(scratch):
    """The publish's statements (macros/publish/candidates.sql) as the on-run-end hook runs them on
    DuckDB: a statement that fails leaves nothing of the ones before it; all that succeed commit."""
    warehouse = scratch / "publish.duckdb"
    env = {**_no_credentials_env(), "BANKING_DW_WAREHOUSE_PATH": str(warehouse)}
    target = scratch / f"target-{warehouse.stem}"
    published = ["create table main.published as select 1 as version", "insert into main.published values (2)"]

    def publish(statements: list[str]) -> subprocess.CompletedProcess:
        arguments = json.dumps({"statements": statements})
        return _dbt(
            scratch, "run-operation", "run_publish_statements", "--args", arguments, env=env, target_path=target
        )

    failed = publish([*published, "insert into main.published values ('not a version')"])
    assert failed.returncode != 0 and "not a version" in failed.stdout, failed.stdout[-3000:]
    assert _fetch(warehouse, "select count(*) from information_schema.tables where table_name = 'published'") == [(0,)]

    passed = publish(published)
    assert passed.returncode == 0, passed.stdout[-3000:]
    assert _fetch(warehouse, "select version from main.published order by version") == [(1,), (2,)]


def test_generic_tests_on_a_daily_model_see_only_the_runs_window(scratch):
    """dbt compiles every generic test with the project's get_where_subquery (macros/tests/), not its
    own: a test on a daily model reads the window's days, a `whole_table` one the whole table."""
    windowed, whole_table = "transaction__transaction_id_is_unique", "silver_transaction__transaction_id_is_unique"
    warehouse = scratch / "wh.duckdb"
    target = scratch / f"target-{warehouse.stem}"
    env = {
        **_no_credentials_env(),
        "BANKING_DW_WAREHOUSE_PATH": str(warehouse),
        **window_environment(DayWindow(dt.date(2024, 1, 2), dt.date(2024, 1, 3))),
    }
    result = _dbt(
        scratch, "compile", "--target", "local", "--select", windowed, whole_table, env=env, target_path=target
    )
    assert result.returncode == 0, result.stdout[-5000:]
    compiled = {
        path.stem: path.read_text()
        for name in (windowed, whole_table)
        for path in (target / "compiled").rglob(f"{name}.sql")
    }
    window = "partition_date >= cast('2024-01-02' as date) and partition_date < cast('2024-01-03' as date)"
    assert re.search(
        rf"\(select \* from \S+fact_transaction\S* where \({re.escape(window)}\)\) dbt_subquery", compiled[windowed]
    )
    assert "dbt_subquery" not in compiled[whole_table]
