"""The code location loads, and the graph has the shape users rely on."""

import itertools
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from banking_dw.contracts import CONTRACTS
from banking_dw.definitions import defs
from banking_dw.governance import OWNERS
from banking_dw.landing.checks import FILE_STRUCTURE_VALID
from banking_dw.partitions import daily_partitions
from banking_dw_tests.support import set_required_aws_settings

LAYERS = {"raw", "landing", "bronze", "silver", "gold", "restricted", "reports", "analysts"}
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


def test_groups_are_exactly_the_layers(graph):
    groups = Counter(graph.get(key).group_name for key in graph.get_all_asset_keys())
    assert set(groups) == LAYERS
    assert groups["raw"] == groups["landing"] == groups["bronze"] == 14


def test_every_asset_shares_one_daily_partitioning_and_backfill_policy(graph):
    # Dagster's backfill daemon keeps parent and child in one run only when both agree.
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.partitions_def == daily_partitions(), key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key


def test_the_partitions_begin_on_the_banks_first_day_read_when_the_location_loads(monkeypatch):
    first_keys = {defs().resolve_asset_graph().get(key).partitions_def.get_first_partition_key() for key in _sample()}
    assert first_keys == {"2024-01-01"}
    monkeypatch.setenv("BANKING_DW_FIRST_DAY", "2024-03-01")
    graph = defs().resolve_asset_graph()
    assert {graph.get(key).partitions_def.get_first_partition_key() for key in _sample()} == {"2024-03-01"}
    # Every check is partitioned with its asset, so each day's verdict has its place.
    assert {
        graph.get(check).partitions_def.get_first_partition_key()
        for check in graph.asset_check_keys
        if graph.get(check).partitions_def
    } == {"2024-03-01"}
    monkeypatch.setenv("BANKING_DW_FIRST_DAY", "2019-12-31")
    with pytest.raises(ValueError, match="BANKING_DW_FIRST_DAY=2019-12-31 is outside the calendar"):
        defs()


def _sample() -> list[dg.AssetKey]:
    return [
        _key("raw", "dim_customers"),
        _key("bronze", "fact_loans"),
        _key("gold", "fact_transaction"),
        _key("reports", "charts_page"),
    ]


def test_every_group_has_owners_and_every_asset_its_code_references(graph):
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners == OWNERS[node.group_name], key
        references = node.metadata["dagster/code_references"].code_references
        assert references, key
        assert all(Path(r.file_path).is_file() for r in references), key
    # A dbt model points at its SQL as well as at the Python step that builds it.
    dbt = [
        Path(r.file_path).name
        for r in graph.get(_key("gold", "fact_transaction")).metadata["dagster/code_references"].code_references
    ]
    assert dbt == ["fact_transaction.sql", "assets.py"]


def test_the_clear_personal_values_are_their_own_restricted_group(graph):
    assert graph.get(_key("restricted", "dim_customer_pii")).group_name == "restricted"
    assert [key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "restricted"] == [
        _key("restricted", "dim_customer_pii")
    ]


PERSONAL = {
    ("raw", "dim_customers"): {
        "first_name": {"personal": "direct identifier"},
        "city": {"personal": "quasi-identifier"},
    },
    ("landing", "fact_transactions"): {"description": {"personal": "direct identifier"}},
    ("bronze", "dim_customers"): {"email": {"personal": "direct identifier"}},
    ("silver", "stg_dim_customer"): {"phone": {"personal": "direct identifier"}},
    ("silver", "quarantine_fact_transaction"): {"description": {"personal": "direct identifier"}},
    ("restricted", "dim_customer_pii"): {"address": {"personal": "direct identifier"}},
    ("gold", "dim_customer"): {
        "first_name": {"personal": "direct identifier", "masked": "given-name pseudonym"},
        "email": {"personal": "direct identifier", "masked": "keyed hash"},
        "city": {"personal": "quasi-identifier", "masked": "removed"},
        "country": {"personal": "quasi-identifier"},
    },
    ("gold", "fact_transaction"): {"description": {"personal": "direct identifier", "masked": "first two words"}},
}


@pytest.mark.parametrize("key", PERSONAL, ids=lambda key: "/".join(key))
def test_personal_columns_are_tagged_with_their_class_on_every_layer(graph, key):
    table = next(t for t in CONTRACTS if t.model_name in key[1] or t.name == key[1])
    schema = graph.get(_key(*key)).metadata["dagster/column_schema"]
    tagged = {column.name: dict(column.tags) for column in schema.columns if column.tags}
    for column, tags in PERSONAL[key].items():
        assert tagged[column] == tags, (key, column)
    # Exactly the contract's personal columns are tagged, no other.
    assert set(tagged) == set(table.personal_columns) & {c.name for c in schema.columns}, key


def test_the_whole_dbt_project_is_one_asset_step_with_no_pool():
    by_step = {a.node_def.name: a for a in defs().assets}
    assert set(by_step) == {
        "raw_csv_files",
        "landed_objects",
        "crawled_bronze_tables",
        "dbt_models",
        "reports__charts_page",
        "analysts_file",
    }
    dbt_groups = {by_step["dbt_models"].specs_by_key[k].group_name for k in by_step["dbt_models"].keys}
    assert dbt_groups == {"silver", "gold", "restricted", "reports"}
    # A killed run never releases a pool slot; the warehouse is guarded by a file lock instead.
    assert all(a.node_def.pool is None for a in by_step.values())


@pytest.mark.parametrize("table", CONTRACTS, ids=lambda t: t.name)
def test_each_table_has_one_path_from_csv_to_gold(graph, table):
    path = [
        _key("raw", table.name),
        _key("landing", table.name),
        _key("bronze", table.name),
        # judged once: the typed good rows and the quarantine both read the one verdict
        _key("silver", f"validated_{table.model_name}"),
        _key("silver", f"stg_{table.model_name}"),
        # A customer's personal data reaches the analysts' dimension only through the restricted model.
        *([_key("restricted", "dim_customer_pii")] if table.name == "dim_customers" else []),
        _key("gold", table.model_name),
    ]
    for upstream, downstream in itertools.pairwise(path):
        assert upstream in graph.get(downstream).parent_keys, f"{upstream} -> {downstream}"


def test_reports_depend_on_gold(graph):
    """Directly, or through the per-day aggregates of gold's facts (reports/daily/)."""
    for name in REPORTS:
        parents = graph.get(_key("reports", name)).parent_keys
        assert parents, name
        for parent in parents:
            if parent.path[0] == "reports":
                grandparents = graph.get(parent).parent_keys
                assert grandparents and all(p.path[0] == "gold" for p in grandparents), (name, parent)
            else:
                assert parent.path[0] == "gold", (name, parent)
    assert graph.get(_key("reports", "charts_page")).parent_keys == {_key("reports", name) for name in REPORTS}


def test_the_analysts_file_follows_every_gold_and_report_model_analysts_read_and_nothing_restricted(graph):
    parents = graph.get(_key("analysts", "analysts_file")).parent_keys
    assert {_key("reports", name) for name in REPORTS} <= parents
    assert {_key("gold", table.model_name) for table in CONTRACTS} <= parents
    assert {key.path[0] for key in parents} == {"gold", "reports"}
    checks = {check.name for check in graph.asset_check_keys if check.asset_key == _key("analysts", "analysts_file")}
    assert checks == {"equals_the_warehouse"}


def test_every_raw_landing_and_bronze_asset_has_checks(graph):
    checks_by_asset = Counter(check.asset_key for check in graph.asset_check_keys)
    for table in CONTRACTS:
        for layer in ("raw", "landing", "bronze"):
            assert checks_by_asset[_key(layer, table.name)] >= 3, (layer, table.name)
    assert any(c.name == "balance_identity_holds" for c in graph.asset_check_keys)


def test_the_structural_audit_of_every_landed_table_is_blocking():
    specs = {(s.asset_key, s.name): s for a in defs().assets for s in a.check_specs}
    for table in CONTRACTS:
        assert specs[(_key("landing", table.name), FILE_STRUCTURE_VALID)].blocking, table.name


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


def _shape(definitions: dg.Definitions) -> dict[str, object]:
    graph = definitions.resolve_asset_graph()
    return {
        "assets": {key: graph.get(key).group_name for key in graph.get_all_asset_keys()},
        "deps": {key: graph.get(key).parent_keys for key in graph.get_all_asset_keys()},
        "checks": set(graph.asset_check_keys),
    }


def test_the_aws_target_has_the_same_graph_with_its_own_resources(monkeypatch):
    local = defs()
    monkeypatch.setenv("BANKING_DW_TARGET", "aws")
    set_required_aws_settings(monkeypatch)
    aws = defs()
    assert _shape(aws) == _shape(local)
    assert {name: type(r).__name__ for name, r in aws.resources.items()} == {
        "raw_files": "RawFiles",
        "lake": "S3Lake",
        "catalog": "GlueCatalog",
        "warehouse": "RedshiftWarehouse",
        "alert_sinks": "AlertSinks",
        "dbt": "InstalledDbtCliResource",
    }
    assert type(aws.resources["alert_sinks"].ledger).__name__ == "S3AlertLedger"
    assert aws.executor is dg.multiprocess_executor and local.executor is dg.in_process_executor


def test_a_missing_aws_setting_or_an_unknown_target_fails_in_one_line(monkeypatch):
    monkeypatch.setenv("BANKING_DW_TARGET", "aws")
    set_required_aws_settings(monkeypatch)
    monkeypatch.delenv("BANKING_DW_S3_BUCKET")
    with pytest.raises(ValueError, match=r"^BANKING_DW_S3_BUCKET is not set: [^\n]*$"):
        defs()
    monkeypatch.setenv("BANKING_DW_TARGET", "azure")
    with pytest.raises(ValueError, match="'azure' is not a known target"):
        defs()


def _printed_by_a_local_process(code: str) -> str:
    """What a new Python process on the local target prints when it runs `code`."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env={k: v for k, v in os.environ.items() if k != "BANKING_DW_TARGET"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_loading_the_local_target_loads_no_aws_library():
    """boto3, botocore and dagster-aws cost seconds to import; a local code location never needs them."""
    printed = _printed_by_a_local_process(
        "import sys; from banking_dw.definitions import defs; defs();"
        " print(sorted(m for m in ('boto3', 'botocore', 'dagster_aws') if m in sys.modules))"
    )
    assert printed.strip() == "[]"


def test_a_process_that_loads_the_definitions_freezes_its_objects_at_exit_not_before():
    """So the interpreter's last collection walks nothing (banking_dw/process_exit.py). A handler
    registered before the definitions load runs after theirs (atexit runs last in, first out)."""
    printed = _printed_by_a_local_process(
        "import atexit, gc; atexit.register(lambda: print('at exit', gc.get_freeze_count() > 10_000));"
        " from banking_dw.definitions import defs; defs(); defs();"
        " print('loaded', gc.get_freeze_count())"
    )
    assert printed.split("\n")[:2] == ["loaded 0", "at exit True"]


def test_every_dbt_data_test_is_an_asset_check_so_its_failure_alerts(graph):
    """A singular test over several models needs `meta.dagster.ref`, or dagster-dbt only logs it."""
    import json

    from banking_dw.dbt.project import dbt_project

    manifest = json.loads(dbt_project().manifest_path.read_text())
    tests = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    assert tests - {key.name for key in graph.asset_check_keys} == set()


def test_a_new_day_arrives_as_one_run_of_the_whole_graph_for_yesterday():
    """The schedule (off until an operator turns it on) asks at 06:00 UTC for yesterday's partition
    of the named whole-graph job: one run, as a UI backfill of one day is."""
    definitions = defs()
    schedule = definitions.get_schedule_def("daily_warehouse_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert (schedule.cron_schedule, schedule.job_name) == ("0 6 * * *", "daily_warehouse")
    job = definitions.resolve_job_def("daily_warehouse")
    graph = definitions.resolve_asset_graph()
    assert job.asset_layer.selected_asset_keys == set(graph.get_all_asset_keys())
    with dg.build_schedule_context(scheduled_execution_time=datetime(2024, 3, 2, 6, 0, tzinfo=UTC)) as context:
        [request] = schedule.evaluate_tick(context).run_requests or []
    assert request.partition_key == "2024-03-01"
