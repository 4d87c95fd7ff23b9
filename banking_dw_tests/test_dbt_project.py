"""The dbt project (dbt_project/): its restatements of the contract, both targets parse, and a
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


def _dbt(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run dbt on the project with target/ and logs/ under tmp_path (never inside the repo)."""
    command = [
        _dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
    ]
    return subprocess.run(
        command, cwd=DBT_PROJECT_DIR, env=env or os.environ.copy(), capture_output=True, text=True
    )


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
        assert meta["partitioned"] is c.partitioned
        expected = [(col.name, col.type.value) for col in c.columns]
        if c.partitioned:
            expected.append(("dt", "date"))
        assert [(col["name"], col["data_type"]) for col in table["columns"]] == expected, c.name


def test_bronze_contract_var_equals_the_contract():
    """silver's validation reads the contract from the `bronze_contract` var of dbt_project.yml."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    restated = project["vars"]["bronze_contract"]
    assert list(restated) == [c.name for c in CONTRACTS]
    for c in CONTRACTS:
        entry = restated[c.name]
        assert entry["key"] == list(c.key), c.name
        assert entry["partitioned"] is c.partitioned, c.name
        expected = []
        for col in c.columns:
            item = {"name": col.name, "type": col.type.value}
            if col.nullable:
                item["nullable"] = True
            if col.allowed_values:
                item["allowed_values"] = list(col.allowed_values)
            if col.references:
                item["references"] = f"{col.references[0]}.{col.references[1]}"
            expected.append(item)
        assert entry["columns"] == expected, c.name


def test_singular_tests_state_their_invariant_on_the_first_line():
    tests = sorted((DBT_PROJECT_DIR / "tests").rglob("*.sql"))
    assert tests
    for path in tests:
        first = path.read_text().splitlines()[0]
        assert re.match(r"^-- Invariant: \S.{20,}", first), path


# --------------------------------------------------------------------------- parse, both targets


@pytest.mark.parametrize("target", ["local", "redshift"])
def test_dbt_parse(tmp_path, target):
    result = _dbt(tmp_path, "parse", "--no-partial-parse", "--target", target, env=_no_credentials_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_shape(tmp_path):
    """Schemas, the daily tag Dagster splits on, partition_date windows and one quarantine per stg."""
    result = _dbt(tmp_path, "parse", "--no-partial-parse", env=_no_credentials_env())
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    expected_daily = set()
    for c in CONTRACTS:
        assert {f"stg_{c.model_name}", f"quarantine_{c.model_name}", c.model_name} <= set(models), c.name
        if c.partitioned:
            expected_daily |= {f"stg_{c.model_name}", f"quarantine_{c.model_name}", c.model_name}
    assert {name for name, n in models.items() if "daily" in n["tags"]} == expected_daily
    for name, node in models.items():
        folder = node["fqn"][1]
        assert folder in ("silver", "gold"), name
        assert node["schema"] == f"dev_{folder}", name
        if name.startswith("stg_"):
            assert f"quarantine_{name[4:]}" in models, name
    for name in expected_daily:
        node = models[name]
        if "fact_" in name and not name.startswith("quarantine_"):
            assert node["config"]["meta"]["window_column"] == "partition_date", name
            assert "delete_window('partition_date')" in str(node["config"]["pre-hook"]), name
        if name.startswith("quarantine_"):
            assert node["config"]["meta"]["window_column"] == "dt", name


# --------------------------------------------------------------------------- end to end on DuckDB


def _generator():
    try:
        from banking_dw.generator import Scale, generate_day, generate_reference_tables, write_csv
    except ImportError:  # pragma: no cover - the generator is another module of the project
        pytest.skip("banking_dw.generator is not available")
    return Scale, generate_day, generate_reference_tables, write_csv


def _make_lake(root: Path, days: list[dt.date]) -> Path:
    Scale, generate_day, generate_reference_tables, write_csv = _generator()
    scale = Scale(transactions_per_day=100)
    lake = root / "lake"
    for name, table in generate_reference_tables(scale).items():
        write_csv(table, lake / name / f"{name}.csv")
    for day in days:
        for name, table in generate_day(day, scale).items():
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
            if c.partitioned:
                source = (
                    f"read_csv('{lake}/{c.name}/dt=*/*.csv', header=true, all_varchar=true,"
                    " hive_partitioning=true, hive_types={'dt': 'DATE'})"
                )
                columns += ", dt"
            else:
                source = f"read_csv('{lake}/{c.name}/*.csv', header=true, all_varchar=true)"
            con.execute(f"create or replace view dev_bronze.{c.name} as select {columns} from {source}")
    finally:
        con.close()


def _build(tmp_path: Path, warehouse: Path, min_date: str, max_date: str, command: str = "build"):
    vars_ = f'{{"min_date": "{min_date}", "max_date": "{max_date}", "warehouse_path": "{warehouse}"}}'
    env = _no_credentials_env()
    return _dbt(tmp_path, command, "--target", "local", "--vars", vars_, env=env)


def _snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('dev_silver', 'dev_gold') order by 1"
        ).fetchall()
        return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for (t,) in tables}
    finally:
        con.close()


def _rewrite_csv(path: Path, edit) -> None:
    rows = list(csv.reader(path.open(newline="")))
    edit(rows[0], rows)
    with path.open("w", newline="") as sink:
        csv.writer(sink, lineterminator="\n").writerows(rows)


DAY1, DAY2 = dt.date(2024, 1, 1), dt.date(2024, 1, 2)


def test_gold_is_independent_of_load_order_and_reloads_are_idempotent(tmp_path):
    lake = _make_lake(tmp_path, [DAY1, DAY2])
    in_order, reversed_and_reloaded = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    for warehouse in (in_order, reversed_and_reloaded):
        _create_bronze(warehouse, lake)
    windows = {
        in_order: [("2024-01-01", "2024-01-02"), ("2024-01-02", "2024-01-03")],
        # day 2 first, then a two-day window that reloads day 2 on top of it
        reversed_and_reloaded: [("2024-01-02", "2024-01-03"), ("2024-01-01", "2024-01-03")],
    }
    for warehouse, runs in windows.items():
        for min_date, max_date in runs:
            result = _build(tmp_path, warehouse, min_date, max_date, command="run")
            assert result.returncode == 0, result.stdout[-3000:]
    a, b = _snapshot(in_order), _snapshot(reversed_and_reloaded)
    assert a.keys() == b.keys()
    for table in a:
        assert a[table] == b[table], table
    assert len(a["dev_gold.fact_transaction"]) == 200


def test_bad_rows_are_quarantined_with_their_reason(tmp_path):
    import duckdb

    lake = _make_lake(tmp_path, [DAY1])
    transactions = lake / "fact_transactions" / "dt=2024-01-01" / "fact_transactions.csv"

    def corrupt(header, rows):
        rows[1][header.index("transaction_amount")] = "abc"
        rows[2][header.index("transaction_amount")] = "-5.00"
        rows[3][header.index("account_id")] = "99999"
        rows.append(list(rows[4]))  # the same transaction twice

    _rewrite_csv(transactions, corrupt)
    warehouse = tmp_path / "wh.duckdb"
    _create_bronze(warehouse, lake)
    result = _build(tmp_path, warehouse, "2024-01-01", "2024-01-02")
    # Only the warn-severity quarantine check fails (and the balance reconciliation, whose
    # transactions were quarantined); the good rows flow on to gold.
    assert "WARN 5 quarantine_is_empty_quarantine_fact_transaction" in result.stdout, result.stdout[-3000:]
    errors = re.findall(r"(?:FAIL|ERROR) \d+ (\S+)", result.stdout)
    assert set(errors) <= {"assert_daily_credits_debits_match_transactions"}, errors

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        reasons = sorted(
            r
            for (r,) in con.execute(
                "select quarantine_reason from dev_silver.quarantine_fact_transaction"
            ).fetchall()
        )
        assert reasons == sorted(
            [
                "transaction_amount: not a decimal 'abc'",
                "transaction_amount: negative -5.00",
                "account_id: unknown account 99999 on 2024-01-01",
                "transaction_id: duplicate key",
                "transaction_id: duplicate key",
            ]
        )
        silver = con.execute("select count(*) from dev_silver.stg_fact_transaction").fetchone()[0]
        gold = con.execute("select count(*) from dev_gold.fact_transaction").fetchone()[0]
        assert silver == gold == 100 + 1 - 5
    finally:
        con.close()


def test_safe_cast_accepts_only_the_contract_formats_for_dates_and_timestamps(tmp_path):
    values = ["2024-01-02", "2024-1-2", "2024-01-02 10:00:00", "2024-01-02T09:00:00", "2023-02-30", "2024-02-29"]
    rows = ", ".join(f"({i}, '{v}')" for i, v in enumerate(values))
    inline = (
        "select i, {{ safe_cast_text('v', 'date') }} is not null as is_date,"
        " {{ safe_cast_text('v', 'timestamp') }} is not null as is_timestamp"
        f" from (values {rows}) as t(i, v) order by i"
    )
    result = _dbt(
        tmp_path, "show", "--quiet", "--output", "json", "--limit", "20", "--inline", inline,
        "--vars", json.dumps({"warehouse_path": str(tmp_path / "wh.duckdb")}),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shown = json.loads(result.stdout[result.stdout.index("{"):])["show"]
    judged = {values[row["i"]]: (row["is_date"], row["is_timestamp"]) for row in shown}
    assert judged == {
        "2024-01-02": (True, False),
        "2024-1-2": (False, False),
        "2024-01-02 10:00:00": (False, True),
        "2024-01-02T09:00:00": (False, False),
        "2023-02-30": (False, False),
        "2024-02-29": (True, False),
    }
