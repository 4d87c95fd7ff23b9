"""The whole graph, materialised in-process into temporary data directories on DuckDB."""

import csv
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pandas.testing as pdt
import pytest

from banking_dw.contracts import TABLE_NAMES, contract
from banking_dw.dbt.project import dbt_manifest, dbt_project
from banking_dw.layout import csv_path
from banking_dw.reports.__main__ import report_names
from banking_dw.settings import layer_schema

from .support import copy_data_dir, failed_checks, materialize, query, warehouse_environment

# Builds warehouses with dbt: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow


FACTS = [t for t in TABLE_NAMES if t.startswith("fact_")]
# Every table a consumer reads: each gold model (one per contract table) and each report.
PUBLISHED_TABLES = [f"dev_gold.{contract(t).model_name}" for t in TABLE_NAMES] + [
    f"{layer_schema('reports')}.{name}" for name in report_names()
]


def _published(data_dir: Path, table: str) -> pd.DataFrame:
    frame = query(data_dir, f"select * from {table}")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_every_check_passes_on_a_clean_window(built, window):
    _, result = built
    assert result.success
    from banking_dw.definitions import defs

    # Every check of the graph ran, once per day it judged, naming the day: none skipped, none
    # evaluated twice for a day.
    graph = defs().resolve_asset_graph()
    evaluated = Counter((e.asset_key, e.check_name, e.partition) for e in result.get_asset_check_evaluations())
    expected = Counter(
        (key.asset_key, key.name, day)
        for key in graph.asset_check_keys
        for day in (list(window) if graph.get(key).partitions_def else [None])
    )
    assert evaluated == expected
    assert all(graph.get(key).partitions_def for key in graph.asset_check_keys)
    assert failed_checks(result) == {}


def test_a_successful_run_leaves_no_dbt_build_files_behind(built):
    _, result = built
    project_target = dbt_project().project_dir / dbt_project().target_path
    assert list(project_target.glob(f"dbt_models-{result.run_id[:7]}-*")) == []
    assert (project_target / "manifest.json").is_file()


DBT_LAYERS = {"silver", "gold", "restricted", "reports"}
# How many rows of each kind of model belong to a day: the facts' and quarantines' rows of the
# day, the silver dimensions' runs the day's extract is in, the SCD2 versions valid at its end.
DAY_ROWS = {
    "rows of the day": "select count(*) as n from {table} where {column} = cast(? as date)",
    "rows in the day's extract": (
        "select count(*) as n from {table} where first_extract_date <= cast(? as date)"
        " and last_extract_date >= cast($1 as date)"
    ),
    "versions valid at the end of the day": (
        "select count(*) as n from {table} where valid_from <= cast(? as date) + interval 86399 second"
        " and cast($1 as date) + interval 86399 second < valid_to"
    ),
}


def test_every_dbt_tables_days_show_their_own_row_counts_and_the_warehouses_columns(built, window):
    data_dir, result = built
    models = {node["name"]: node for node in dbt_manifest()["nodes"].values() if node["resource_type"] == "model"}
    materializations = [
        e for e in result.materializations if e.asset_key.path[0] in DBT_LAYERS and e.asset_key.path[-1] in models
    ]
    assert {e.partition for e in materializations} == set(window)
    per_day = 0
    for event in materializations:
        model, metadata = models[event.asset_key.path[-1]], event.metadata
        table = model["relation_name"]
        total = query(data_dir, f"select count(*) as n from {table}")["n"][0]
        assert metadata["table_row_count"].value == total, event.asset_key
        columns = metadata["dagster/column_schema"].value.columns
        assert [c.name for c in columns] == list(query(data_dir, f"select * from {table} limit 0").columns)
        # Types as DuckDB names them, not dbt's sized aliases.
        assert not [c.type for c in columns if "character varying" in c.type], event.asset_key
        if "rows_per_day" in metadata:
            assert "dagster/row_count" not in metadata, event.asset_key
            continue
        meaning = metadata["day_row_count_is"].value
        sql = DAY_ROWS[meaning].format(table=table, column=model["config"]["meta"].get("window_column"))
        sql = sql.replace("$1", "?")
        expected = query(data_dir, sql, [event.partition] * sql.count("?"))["n"][0]
        assert metadata["dagster/row_count"].value == expected, (event.asset_key, event.partition)
        per_day += 1
    assert per_day >= 40


def test_a_gold_facts_days_of_different_sizes_carry_their_own_counts(built, window, tmp_path, monkeypatch):
    """The UI's row count of a fact's day is that day's, not the table's total under every day:
    a day the bank sent fewer transactions shows fewer (read back through the instance)."""
    data_dir = copy_data_dir(built[0], tmp_path / "data")
    # Every day has the scale's number of transactions: a smaller day is another scale's, loaded a
    # month away from the window so no balance test compares it with a neighbour of another scale.
    smaller = (date.fromisoformat(window[1]) + timedelta(days=30)).isoformat()
    with warehouse_environment(data_dir), dg.instance_for_test() as instance:
        monkeypatch.setenv("BANKING_DW_TRANSACTIONS_PER_DAY", "150")
        assert materialize("*", smaller, instance=instance).success
        materialize("group:gold", *window, instance=instance)
        shown = {
            record.partition_key: record.asset_materialization.metadata["dagster/row_count"].value
            for record in instance.fetch_materializations(dg.AssetKey(["gold", "fact_transaction"]), limit=10).records
        }
    rows = query(
        data_dir,
        "select cast(partition_date as varchar) as day, count(*) as n from dev_gold.fact_transaction group by 1",
    )
    assert shown == dict(zip(rows.day, rows.n, strict=True))
    assert shown[smaller] == 150 and shown[window[0]] == shown[window[1]] == 400


@pytest.mark.parametrize("table", FACTS)
def test_fact_rows_reconcile_from_csv_to_gold(built, window, table):
    data_dir, _ = built
    model = contract(table).model_name
    for day in window:
        csv_rows = len(pd.read_csv(csv_path(data_dir, table, date.fromisoformat(day))))
        bronze = query(data_dir, f"select count(*) as n from dev_bronze.{table} where dt = ?", [day]).n[0]
        silver = query(data_dir, f"select count(*) as n from dev_silver.stg_{model} where partition_date = ?", [day]).n[
            0
        ]
        quarantined = query(data_dir, f"select count(*) as n from dev_silver.quarantine_{model} where dt = ?", [day]).n[
            0
        ]
        gold = query(data_dir, f"select count(*) as n from dev_gold.{model} where partition_date = ?", [day]).n[0]
        assert csv_rows == bronze == silver + quarantined == gold, (table, day)
        assert quarantined == 0


@pytest.mark.parametrize(("table", "key"), [("dim_customer", "customer_id"), ("dim_account", "account_id")])
def test_scd2_versions_tile_time_with_one_current_row(built, table, key):
    data_dir, _ = built
    history = query(data_dir, f"select * from dev_gold.{table} order by {key}, valid_from")
    assert history.groupby(key).is_current.sum().eq(1).all()
    current = history[history.is_current]
    assert (current.valid_to == pd.Timestamp("9999-12-31")).all()
    following = history.groupby(key).valid_from.shift(-1)
    closed = history[~history.is_current]
    assert (closed.valid_to == following[closed.index]).all(), "versions overlap or leave gaps"
    assert (history.valid_from < history.valid_to).all()
    assert history[f"{key.removesuffix('_id')}_sk"].is_unique


@pytest.mark.parametrize("table", ["dim_customer", "dim_account"])
def test_the_window_really_changes_entities_so_scd2_has_history(built, table):
    data_dir, _ = built
    closed_versions = query(data_dir, f"select count(*) as n from dev_gold.{table} where not is_current").n[0]
    assert closed_versions > 0


def test_facts_point_at_the_version_valid_at_the_event(built):
    data_dir, _ = built
    mismatched = query(
        data_dir,
        """
        select count(*) as n
        from dev_gold.fact_transaction as f
        join dev_gold.dim_account as a on a.account_sk = f.account_sk
        where a.account_id <> f.account_id
           or not (f.transaction_timestamp >= a.valid_from and f.transaction_timestamp < a.valid_to)
        """,
    ).n[0]
    unmatched = query(data_dir, "select count(*) as n from dev_gold.fact_transaction where account_sk is null").n[0]
    assert (mismatched, unmatched) == (0, 0)


@pytest.mark.parametrize("table", PUBLISHED_TABLES)
def test_gold_and_reports_do_not_depend_on_the_order_days_were_loaded(built, built_backwards, table):
    in_order, _ = built
    pdt.assert_frame_equal(_published(in_order, table), _published(built_backwards, table))


def test_a_corrupted_raw_file_fails_the_right_check(tmp_path, window):
    from banking_dw.generator import Scale, expected_row_range
    from banking_dw.raw.checks import BALANCE_IDENTITY, MATCHES_CONTRACT
    from banking_dw.raw.window import evaluate_window

    day = date.fromisoformat(window[0])
    with warehouse_environment(tmp_path):
        materialize("group:raw", window[0])
        scale = Scale.from_env()
    balances = csv_path(tmp_path, "fact_daily_balances", day)
    frame = pd.read_csv(balances, dtype=str, keep_default_na=False)
    frame.loc[3, "closing_balance"] = "not money"
    frame.to_csv(balances, index=False)

    outcomes = {
        o.name: o
        for o in evaluate_window(
            contract("fact_daily_balances"), tmp_path, {day: expected_row_range("fact_daily_balances", day, scale)}
        )
    }
    failing = {name for name, outcome in outcomes.items() if not outcome.passed}
    assert failing == {MATCHES_CONTRACT, BALANCE_IDENTITY}
    sample = outcomes[MATCHES_CONTRACT].metadata["samples"][0]
    assert (sample["partition"], sample["row"], sample["column"], sample["value"]) == (
        window[0],
        4,
        "closing_balance",
        "not money",
    )


def test_checks_alone_judge_the_files_as_they_stand_without_producing_them_again(tmp_path, window):
    day = window[0]
    with warehouse_environment(tmp_path):
        materialize("group:raw or group:landing or group:bronze", day)
        balances = csv_path(tmp_path, "fact_daily_balances", date.fromisoformat(day))
        balances.write_text(balances.read_text().replace(",", ";", 1))  # break the header
        before = balances.read_bytes()
        from banking_dw.definitions import defs

        definitions = defs()
        checks = [
            dg.AssetCheckKey(dg.AssetKey(["raw", "fact_daily_balances"]), "matches_contract"),
            dg.AssetCheckKey(dg.AssetKey(["landing", "fact_daily_balances"]), "checksum_matches_csv"),
            dg.AssetCheckKey(dg.AssetKey(["bronze", "fact_daily_balances"]), "row_count_matches_landed"),
        ]
        result = dg.materialize(
            definitions.assets,
            selection=dg.AssetSelection.checks(*checks),
            resources=definitions.resources,
            tags={"dagster/asset_partition_range_start": day, "dagster/asset_partition_range_end": day},
        )
    assert result.success
    assert result.get_asset_materialization_events() == []
    assert balances.read_bytes() == before, "a check-only run must not regenerate the file"
    outcomes = {(e.asset_key.path[0], e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert outcomes == {
        ("raw", "matches_contract"): False,
        ("landing", "checksum_matches_csv"): False,
        ("bronze", "row_count_matches_landed"): True,
    }


def test_a_transaction_id_reused_on_a_later_day_fails_silver_when_that_day_is_reloaded(built, window, tmp_path):
    """Day 2 reloaded alone, on a copy of the built window, with one id already used on day 1."""
    first, second = window
    data_dir = copy_data_dir(built[0], tmp_path / "data")
    reused_id = pd.read_csv(
        csv_path(data_dir, "fact_transactions", date.fromisoformat(first)), dtype=str
    ).transaction_id[0]
    later = csv_path(data_dir, "fact_transactions", date.fromisoformat(second))
    frame = pd.read_csv(later, dtype=str, keep_default_na=False)
    frame.loc[0, "transaction_id"] = reused_id
    frame.to_csv(later, index=False, quoting=csv.QUOTE_NONNUMERIC)
    # Up to silver, as a user reloads the layer that judges it: dbt builds silver's models and tests only.
    with warehouse_environment(data_dir):
        result = materialize("group:landing or group:bronze or group:silver", second, raise_on_error=False)
    # An error-severity dbt test fails `dbt build`, so the run fails and the check says why.
    assert not result.success
    failures = failed_checks(result)
    assert "silver/stg_fact_transaction:silver_transaction__transaction_id_is_unique" in failures, failures


def test_bronze_shows_each_days_rows_as_the_days_manifest_counts_them(built, window):
    data_dir, result = built
    manifests = {
        day: json.loads((data_dir / "lake" / "banking-data" / "_manifests" / f"dt={day}.json").read_text())
        for day in window
    }
    sent = {(entry["table"], day): entry["rows"] for day, manifest in manifests.items() for entry in manifest["tables"]}
    shown = {
        (e.asset_key.path[1], e.partition): e.metadata["dagster/row_count"].value
        for e in result.materializations
        if e.asset_key.path[0] == "bronze"
    }
    assert shown == sent
    uris = {e.metadata["dagster/uri"].value for e in result.materializations if e.asset_key.path[0] == "bronze"}
    assert all(uri.startswith("duckdb://") and "#dev_bronze." in uri for uri in uris)
