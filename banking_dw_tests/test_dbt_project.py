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
import sys
from pathlib import Path

import pytest
import yaml

from banking_dw.contracts import CONTRACTS, contract
from banking_dw.dbt.args import window_environment
from banking_dw.dbt.project import dbt_project
from banking_dw.partitions import DayWindow
from banking_dw.value_rules import CALENDAR_TYPES, VALUE_PATTERNS

# Builds warehouses with dbt: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow


DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
SOURCES_YAML = DBT_PROJECT_DIR / "models" / "bronze" / "_bronze__sources.yml"


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        pytest.fail("dbt is not installed: run `make install`")
    return found


def _dbt(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, target_path: Path | None = None
) -> subprocess.CompletedProcess:
    """Run dbt on the project with target/ and logs/ under tmp_path (never inside the repo).

    dbt re-parses in full when the warehouse path changes (it is part of the profile's state), so
    each warehouse keeps its own target folder, where dbt's partial parse then holds across runs."""
    target = target_path or tmp_path / "target"
    command = [
        _dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(tmp_path / "logs"),
    ]
    return subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env or os.environ.copy(), capture_output=True, text=True)


def _no_credentials_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDSHIFT_")}
    env.pop("BANKING_DW_DBT_TARGET", None)
    return env


# --------------------------------------------------------------------------- the contract, restated


def test_bronze_sources_equal_the_contract():
    sources = yaml.safe_load(SOURCES_YAML.read_text())["sources"]
    assert [s["name"] for s in sources] == ["bronze"]
    bronze = sources[0]
    assert bronze["schema"] == "dev_bronze"
    assert [t["name"] for t in bronze["tables"]] == [c.name for c in CONTRACTS]
    for table in bronze["tables"]:
        c = contract(table["name"])
        meta = table["config"]["meta"]
        assert meta["dagster"]["asset_key"] == ["bronze", c.name]
        # every table is a daily extract: the lake's dt=YYYY-MM-DD partition is a column
        expected = [(col.name, col.type.value) for col in c.columns] + [("dt", "date")]
        assert [(col["name"], col["data_type"]) for col in table["columns"]] == expected, c.name


def test_contract_vars_equal_the_contract():
    """silver's casts read each type's value rule from the `contract_types` var, its validation
    the tables (model name, key, columns) from `bronze_contract`."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["vars"]["contract_types"] == {
        t.value: {"pattern": pattern, "calendar": t in CALENDAR_TYPES} for t, pattern in VALUE_PATTERNS.items()
    }
    restated = project["vars"]["bronze_contract"]
    assert list(restated) == [c.name for c in CONTRACTS]
    for c in CONTRACTS:
        entry = restated[c.name]
        assert entry["model_name"] == c.model_name, c.name
        assert entry["key"] == list(c.key), c.name
        expected = []
        for col in c.columns:
            item = {"name": col.name, "type": col.type.value}
            if col.nullable:
                item["nullable"] = True
            if col.allowed_values:
                item["allowed_values"] = list(col.allowed_values)
            if col.references:
                item["references"] = f"{col.references[0]}.{col.references[1]}"
            if col.sign:
                item["sign"] = col.sign.name.lower()
            if col.max_length:
                item["max_length"] = col.max_length
            if col.earliest:
                item["earliest"] = col.earliest
            if col.not_after_extract_day:
                item["not_after_extract_day"] = True
            if col.personal:
                item["personal"] = True
            expected.append(item)
        assert entry["columns"] == expected, c.name


def _accepted_values(models_yaml: Path) -> dict[tuple[str, str], list[str]]:
    """(model, column) -> the values of its accepted_values test, as text."""
    found = {}
    for model in yaml.safe_load(models_yaml.read_text())["models"]:
        for column in model.get("columns", []):
            for test in column.get("data_tests", []):
                if isinstance(test, dict) and "accepted_values" in test:
                    values = test["accepted_values"]["arguments"]["values"]
                    found[(model["name"], column["name"])] = [str(v) for v in values]
    return found


def test_accepted_values_equal_the_contract():
    """Silver tests every closed set of the contract with exactly its values; gold's tests, on the
    columns it keeps from the contract, say the same."""
    by_model = {f"stg_{c.model_name}": c for c in CONTRACTS} | {c.model_name: c for c in CONTRACTS}
    silver = _accepted_values(DBT_PROJECT_DIR / "models" / "silver" / "_silver__models.yml")
    gold = _accepted_values(DBT_PROJECT_DIR / "models" / "gold" / "_gold__models.yml")
    assert gold
    for (model, column), values in {**silver, **gold}.items():
        assert values == list(by_model[model].column(column).allowed_values), (model, column)
    assert set(silver) == {
        (f"stg_{c.model_name}", col.name) for c in CONTRACTS for col in c.columns if col.allowed_values
    }


def test_singular_tests_state_their_invariant_on_the_first_line():
    tests = sorted((DBT_PROJECT_DIR / "tests").rglob("*.sql"))
    assert tests
    for path in tests:
        first = path.read_text().splitlines()[0]
        assert re.match(r"^-- Invariant: \S.{20,}", first), path


# --------------------------------------------------------------------------- the parsed project
# (the redshift target's parse and compile: test_redshift_sql.py)


def test_manifest_shape():
    """Schemas = folders, one quarantine per stg, the folder-level window config, reports as tables.

    Read from the manifest Dagster builds its graph from, which `make install` parses."""
    manifest = json.loads(dbt_project().manifest_path.read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for c in CONTRACTS:
        assert {f"stg_{c.model_name}", f"quarantine_{c.model_name}", c.model_name} <= set(models), c.name
    assert {n for n, node in models.items() if node["fqn"][1] == "reports"} == {
        path.stem for path in (DBT_PROJECT_DIR / "models" / "reports").glob("*.sql")
    }
    for name, node in models.items():
        layer = node["fqn"][1]
        assert layer in ("silver", "gold", "reports"), name
        assert node["schema"] == f"dev_{layer}", name
        assert node["tags"] == [layer], name
        config = node["config"]
        if config["materialized"] == "incremental":
            assert config["incremental_strategy"] == "append", name
            window_column = "dt" if name.startswith("quarantine_") else "partition_date"
            assert config["meta"]["window_column"] == window_column, name
            assert [hook["sql"] for hook in config["pre-hook"]] == ["{{ delete_window() }}"], name
        else:
            assert not config["pre-hook"], name
        expected = "table" if layer == "reports" or node["fqn"][2] == "dimensions" else "incremental"
        assert config["materialized"] == expected, name


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
    """As the Dagster asset runs dbt: the warehouse and the window come from the environment."""
    env = {
        **_no_credentials_env(),
        "BANKING_DW_WAREHOUSE_PATH": str(warehouse),
        **window_environment(DayWindow(dt.date.fromisoformat(min_date), dt.date.fromisoformat(max_date))),
    }
    return _dbt(tmp_path, "build", "--target", "local", env=env, target_path=tmp_path / f"target-{warehouse.stem}")


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
    duplicated customer. The build succeeds with only warnings (quarantines non-empty), though a
    quarantined Completed transaction leaves its account's balances unreconciled; every bronze row is
    in silver or quarantine; the conflicting account's transactions still reach gold; reports build."""
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
    assert not re.findall(r"(?:FAIL|ERROR) \d+ \S+", result.stdout), result.stdout[-5000:]
    warned = set(re.findall(r"WARN \d+ (quarantine_is_empty_\S+)", result.stdout))
    assert warned == {
        "quarantine_is_empty_quarantine_fact_transaction_",
        "quarantine_is_empty_quarantine_dim_account_",
        "quarantine_is_empty_quarantine_dim_customer_",
    }, result.stdout[-5000:]

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
