"""The code location loads, and the graph has the shape users rely on."""

from collections import Counter

import dagster as dg
import pytest

from banking_dw.contracts import CONTRACTS
from banking_dw.definitions import defs
from banking_dw.partitions import daily_partitions

GROUPS = {"raw", "landing", "bronze", "silver", "gold", "reports"}
REPORTS = {
    "top_customers_by_transaction_volume",
    "monthly_transactions_by_channel",
    "investment_roi_by_type",
    "loan_approval_rate_by_type",
    "balance_trend",
    "geographic_distribution",
}


@pytest.fixture(scope="module")
def graph():
    return defs().resolve_asset_graph()


def _key(*path: str) -> dg.AssetKey:
    return dg.AssetKey(list(path))


def test_groups_are_exactly_the_six_layers(graph):
    groups = Counter(graph.get(key).group_name for key in graph.get_all_asset_keys())
    assert set(groups) == GROUPS
    assert groups["raw"] == groups["landing"] == groups["bronze"] == 14
    assert groups["reports"] == 6


@pytest.mark.parametrize("table", CONTRACTS, ids=lambda t: t.name)
def test_each_table_has_one_path_from_csv_to_gold(graph, table):
    path = [
        _key("raw", table.name),
        _key("landing", table.name),
        _key("bronze", table.name),
        _key("silver", f"stg_{table.model_name}"),
        _key("gold", table.model_name),
    ]
    for upstream, downstream in zip(path, path[1:]):
        assert upstream in graph.get(downstream).parent_keys, f"{upstream} -> {downstream}"
    expected = daily_partitions if table.partitioned else None
    for key in path:
        assert graph.get(key).partitions_def == expected, key


def test_every_asset_single_run_backfills_so_the_cli_takes_ranges(graph):
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable:
            assert node.backfill_policy == dg.BackfillPolicy.single_run(), key


def test_reports_depend_on_gold(graph):
    for name in REPORTS:
        parents = graph.get(_key("reports", name)).parent_keys
        assert parents and all(p.path[0] == "gold" for p in parents), name


def test_every_raw_landing_and_bronze_asset_has_checks(graph):
    checks_by_asset = Counter(check.asset_key for check in graph.asset_check_keys)
    for table in CONTRACTS:
        for layer in ("raw", "landing", "bronze"):
            assert checks_by_asset[_key(layer, table.name)] >= 3, (layer, table.name)
    assert any(c.name == "balance_identity_holds" for c in graph.asset_check_keys)


def test_dbt_tests_become_checks_on_silver_and_gold(graph):
    checked = {check.asset_key for check in graph.asset_check_keys}
    for table in CONTRACTS:
        assert _key("silver", f"stg_{table.model_name}") in checked, table.name
        assert _key("gold", table.model_name) in checked, table.name
        # A quarantine with rows for the window is itself a failing (warning) check.
        assert _key("silver", f"quarantine_{table.model_name}") in checked, table.name


def test_definitions_include_schedule_and_alert_sensors():
    definitions = defs()
    assert [s.name for s in definitions.schedules] == ["daily_warehouse_schedule"]
    sensors = {s.name for s in definitions.sensors}
    assert {"alert_on_failed_checks_after_success", "alert_on_failed_checks_after_failure"} <= sensors
    for sensor in definitions.sensors:
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_an_unbuilt_target_is_refused_rather_than_half_used(monkeypatch):
    monkeypatch.setenv("BANKING_DW_TARGET", "aws")
    with pytest.raises(NotImplementedError, match="BANKING_DW_TARGET=aws"):
        defs()
    monkeypatch.setenv("BANKING_DW_TARGET", "azure")
    with pytest.raises(ValueError, match="'azure' is not a known target"):
        defs()
