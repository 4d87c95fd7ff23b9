"""The dbt asset's own logic: what a dbt test says, the parse state it keeps, the dbt it runs, and
the pins on the dagster-dbt and dbt internals it relies on."""

import importlib.metadata
import inspect
import subprocess
import sys
from datetime import date
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import dagster_dbt.core.resource
import dbt.include.global_project
import pytest
import yaml
from dagster_dbt import DagsterDbtTranslator, DbtCliResource
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from packaging import version

from banking_dw.dbt.assets import described
from banking_dw.dbt.completeness import unjudged
from banking_dw.dbt.invocation import PARTIAL_PARSE_FILE, build_folder, keep_partial_parse, seed_partial_parse
from banking_dw.dbt.metadata import NOT_PER_DAY, TableMetadata, asset_events
from banking_dw.dbt.project import dbt_manifest, dbt_project
from banking_dw.dbt.resources import dbt_resource
from banking_dw.dbt.translator import BankingDbtTranslator, check_description
from banking_dw.definitions import defs
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.partitions import DayWindow, daily_partitions

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
# The metadata key dagster-dbt puts on every check spec it makes from a dbt test.
DBT_UNIQUE_ID = "dagster_dbt/unique_id"


def _failed(**metadata) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False,
        asset_key=dg.AssetKey(["silver", "quarantine_fact_transaction"]),
        check_name="quarantine_is_empty",
        metadata=metadata,
    )


def test_a_failed_dbt_test_names_asset_days_rows_and_where_to_look(tmp_path):
    result = described(
        _failed(**{"dagster_dbt/failed_row_count": 3, "failing_rows_query": "select * from dev_test_failures.q"}),
        DayWindow(date(2024, 1, 2), date(2024, 1, 4)),
    )
    assert result.description == (
        "silver/quarantine_fact_transaction 2024-01-02...2024-01-03: dbt test quarantine_is_empty failed"
        " on 3 row(s); the rows: select * from dev_test_failures.q"
    )
    assert described(_failed(), DayWindow(date(2024, 1, 2), date(2024, 1, 3))).description.startswith(
        "silver/quarantine_fact_transaction 2024-01-02: "
    )
    passed = dg.AssetCheckResult(passed=True, asset_key=dg.AssetKey("a"), check_name="c")
    assert described(passed, DayWindow(date(2024, 1, 2), date(2024, 1, 3))) is passed


def test_the_parse_state_of_a_run_becomes_the_next_runs_on_the_same_warehouse(tmp_path):
    first_run, next_run = tmp_path / "target" / "first", tmp_path / "target" / "next"
    state = tmp_path / "data" / "warehouse.duckdb.dbt_partial_parse.msgpack"
    seed_partial_parse(state, first_run)  # a new warehouse: dagster-dbt seeds the project's state
    assert not first_run.exists()
    keep_partial_parse(first_run, state)  # a failed dbt left nothing: nothing changes
    assert not state.exists()
    first_run.mkdir(parents=True)
    (first_run / PARTIAL_PARSE_FILE).write_bytes(b"state")
    keep_partial_parse(first_run, state)
    assert sorted(p.name for p in state.parent.iterdir()) == [state.name]
    seed_partial_parse(state, next_run)
    assert (next_run / PARTIAL_PARSE_FILE).read_bytes() == b"state"


def test_a_successful_builds_files_are_removed_and_a_failed_builds_stay(tmp_path):
    with build_folder(tmp_path, "0123456789abcdef") as succeeded:
        (succeeded / "compiled").mkdir(parents=True)
        (succeeded / "compiled" / "model.sql").write_text("select 1")
    assert succeeded.name.startswith("dbt_models-0123456-")
    assert not succeeded.exists()

    with pytest.raises(RuntimeError), build_folder(tmp_path, "0123456789abcdef") as failed:
        (failed / "compiled").mkdir(parents=True)
        raise RuntimeError("dbt build failed")
    assert failed != succeeded
    assert (failed / "compiled").is_dir()


def test_each_duckdb_warehouse_keeps_its_own_parse_state(tmp_path):
    first, second = (
        DuckDBWarehouse(path=str(tmp_path / "a" / "w.duckdb")),
        DuckDBWarehouse(path=str(tmp_path / "b" / "w.duckdb")),
    )
    assert first.dbt_parse_state_path().parent == tmp_path / "a"
    assert first.dbt_parse_state_path() != second.dbt_parse_state_path()


def test_the_logged_columns_become_the_warehouses_types_with_the_declared_descriptions_and_tags():
    logged = TableMetadata.from_json(
        '{"row_count": 3, "columns": [["customer_id", "BIGINT"], ["first_name", "VARCHAR"]],'
        ' "rows_by_day": {"2024-01-01": 1, "2024-01-02": 2}, "day_rows_are": "rows of the day"}'
    )
    declared = dg.TableSchema(
        columns=[
            dg.TableColumn("first_name", "varchar", description="Given name.", tags={"personal": "direct identifier"})
        ]
    )
    assert logged.rows_by_day == {"2024-01-01": 1, "2024-01-02": 2}
    assert logged.output_metadata(declared) == {
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn("customer_id", "bigint"),
                dg.TableColumn(
                    "first_name", "varchar", description="Given name.", tags={"personal": "direct identifier"}
                ),
            ]
        ),
        "day_row_count_is": "rows of the day",
        "table_row_count": 3,
    }


def test_a_model_not_per_day_says_so_instead_of_a_row_count_per_day():
    logged = TableMetadata.from_json('{"row_count": 5, "columns": [], "rows_by_day": null, "day_rows_are": null}')
    metadata = logged.output_metadata(None)
    assert "dagster/row_count" not in metadata
    assert (metadata["rows_per_day"], metadata["table_row_count"]) == (NOT_PER_DAY, 5)


def test_the_dbt_resource_knows_the_installed_dbt_version_without_running_dbt(monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_subprocess)
    assert dbt_resource()._cli_version == version.parse(importlib.metadata.version("dbt-core"))


def test_dagster_dbt_still_has_the_startup_steps_the_dbt_resource_skips():
    """banking_dw/dbt/resources.py overrides two private methods; an upgrade that renames them would
    bring their cost back without failing anything else, so an upgrade fails here first."""
    assert importlib.metadata.version("dagster-dbt") == "0.29.27", (
        "dagster-dbt was upgraded: check banking_dw/dbt/resources.py's overrides (and whether a public"
        " API now covers them), then pin the new version here"
    )
    assert isinstance(DbtCliResource.__dict__["_cli_version"], cached_property)
    assert callable(DbtCliResource.__dict__["_initialize_dbt_core_adapter"])
    assert list(inspect.signature(DbtCliResource._initialize_dbt_core_adapter).parameters) == ["self", "args"]
    # Still the steps `cli()` runs before dbt: otherwise the overrides no longer skip anything.
    cli = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in cli and "self._initialize_dbt_core_adapter(args)" in cli


def test_the_dbt_step_runs_dbts_own_command_line_and_it_ends_with_everything_frozen():
    """banking_dw/dbt/entry.py: the same command as `dbt`, so the same answer; at exit every object
    is frozen, so the last collection has (almost) nothing to walk (an atexit handler registered first
    runs last)."""
    executable = Path(dbt_resource().dbt_executable)
    assert executable.name == "banking-dw-dbt" and executable.is_file()
    probe = (
        "import atexit, gc, sys; atexit.register(lambda: print('left to collect', len(gc.get_objects()) < 100));"
        " sys.argv = ['dbt', 'parse', '--help']; from banking_dw.dbt.entry import main; main()"
    )
    ours = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    dbts = subprocess.run([executable.parent / "dbt", "parse", "--help"], capture_output=True, text=True, check=True)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == dbts.stdout + "left to collect True\n"
    assert "Usage: dbt parse" in dbts.stdout


# --------------------------------------------------------------------------- check descriptions


def _dbt_check_specs() -> dict[tuple[str, str], dg.AssetCheckSpec]:
    return {
        (spec.asset_key.to_user_string(), spec.name): spec
        for assets_def in defs().assets
        for spec in assets_def.check_specs
        if DBT_UNIQUE_ID in spec.metadata
    }


def _yaml_test_description(yaml_path: Path, test_name: str) -> str:
    [model] = yaml.safe_load(yaml_path.read_text())["models"]
    tests = [*model.get("data_tests", []), *(t for c in model["columns"] for t in c.get("data_tests", []))]
    [arguments] = [args for test in tests for args in test.values() if args["name"] == test_name]
    return arguments["description"]


def test_every_dbt_check_says_in_one_line_what_it_guarantees():
    specs = _dbt_check_specs()
    tests = [n for n in dbt_manifest()["nodes"].values() if n["resource_type"] == "test"]
    assert len(specs) == len(tests)
    for (asset, name), spec in specs.items():
        assert spec.description and spec.description.strip() and "\n" not in spec.description, (asset, name)

    unique = specs[("gold/fact_transaction", "transaction__transaction_id_is_unique")]
    yaml_path = DBT_PROJECT_DIR / "models" / "gold" / "facts" / "fact_transaction.yml"
    assert unique.description == _yaml_test_description(yaml_path, "transaction__transaction_id_is_unique")
    assert unique.description == "One row per transaction_id."

    singular = specs[("gold/fact_daily_balances", "balance_closes_at_open_plus_credits_minus_debits")]
    sql = DBT_PROJECT_DIR / "tests" / "gold" / "balance_closes_at_open_plus_credits_minus_debits.sql"
    assert singular.description == sql.read_text().splitlines()[0].removeprefix("-- ")
    assert singular.description.startswith("Invariant: for every account and day in the window, closing_balance")


def test_a_check_description_is_the_tests_or_the_comment_its_sql_starts_with():
    assert check_description({"description": " Unique. ", "raw_code": "-- Ignored.\nselect 1"}) == "Unique."
    assert check_description({"description": "", "raw_code": "\n-- Invariant: no gap.\nselect 1"}) == (
        "Invariant: no gap."
    )
    assert check_description({"description": "", "raw_code": "select 1\n-- a step, not the test"}) is None
    assert check_description({"description": "", "raw_code": "--\nselect 1"}) is None
    assert check_description({}) is None


def test_a_dbt_checks_spec_is_dagster_dbts_but_for_its_description():
    """The spec is rebuilt to set its description: every other attribute (blocking, dependencies,
    metadata, and any attribute a Dagster upgrade adds) stays as dagster-dbt made it."""
    manifest, translator = dbt_manifest(), BankingDbtTranslator()
    fields = [name for name in dg.AssetCheckSpec.__annotations__ if name != "description"]
    compared = 0
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] != "model":
            continue
        asset_spec = translator.get_asset_spec(manifest, unique_id, dbt_project())
        for test_id in manifest["child_map"][unique_id]:
            if not test_id.startswith("test."):
                continue
            ours = translator.get_asset_check_spec(asset_spec, manifest, test_id, dbt_project())
            theirs = DagsterDbtTranslator.get_asset_check_spec(translator, asset_spec, manifest, test_id, dbt_project())
            assert (ours is None) == (theirs is None), test_id
            if ours is not None:
                assert {f: getattr(ours, f) for f in fields} == {f: getattr(theirs, f) for f in fields}, test_id
                compared += 1
    assert compared == len(_dbt_check_specs())


def test_every_dbt_check_is_partitioned_like_its_model():
    """Each day's verdict of a dbt test has its place in the UI (banking_dw.check_days)."""
    for spec in _dbt_check_specs().values():
        assert spec.partitions_def == daily_partitions(), spec.key


def test_a_passing_dbt_test_leaves_the_checks_description_to_its_spec():
    """A passing dbt test's result has no description of its own (None, not empty text), so the UI
    shows the check's, and `described` leaves it so."""
    manifest = dbt_manifest()
    [(unique_id, test)] = [
        (uid, n) for uid, n in manifest["nodes"].items() if n["name"] == "transaction__transaction_id_is_unique"
    ]
    check_key = dg.AssetCheckKey(dg.AssetKey(["gold", "fact_transaction"]), test["name"])
    message = DbtCoreCliEventMessage(
        raw_event={
            "info": {"name": "LogTestResult", "msg": "PASS", "invocation_id": "test"},
            "data": {"node_info": {"unique_id": unique_id, "node_status": "pass"}, "status": "pass", "num_failures": 0},
        },
        event_history_metadata={},
    )
    invocation = SimpleNamespace(
        stream_raw_events=lambda: iter([message]),
        manifest=manifest,
        dagster_dbt_translator=BankingDbtTranslator(),
        context=SimpleNamespace(
            has_assets_def=True,
            assets_def=next(a for a in defs().assets if a.node_def.name == "dbt_models"),
            selected_asset_keys={check_key.asset_key},
            selected_asset_check_keys={check_key},
        ),
        target_path=None,
        project=dbt_project(),
    )
    [result] = asset_events(invocation)
    assert isinstance(result, dg.AssetCheckResult)
    assert (result.check_name, result.passed, result.description) == (check_key.name, True, None)
    assert described(result, DayWindow(date(2024, 1, 2), date(2024, 1, 3))) is result


# --------------------------------------------------------------------------- dbt's get_where_subquery

# dbt's global get_where_subquery (dbt/include/global_project, shipped by dbt-adapters), as
# macros/tests/get_where_subquery.sql replaces it: one argument, the tested relation, and the
# `where` config wrapped as `(...) dbt_subquery`, which the override keeps doing.
BUILTIN_WHERE_SUBQUERY = """{% macro get_where_subquery(relation) -%}
    {% do return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) %}
{%- endmacro %}

{% macro default__get_where_subquery(relation) -%}
    {% set where = config.get('where', '') %}
    {% if where %}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {% do return(filtered) %}
    {%- else -%}
        {% do return(relation) %}
    {%- endif -%}
{%- endmacro %}
"""


def test_dbt_still_has_the_get_where_subquery_the_project_overrides():
    """macros/tests/get_where_subquery.sql replaces a dbt global macro and reads test nodes'
    attached_node: a dbt upgrade must be read against both before it is pinned here."""
    upgraded = "dbt was upgraded: check dbt_project/macros/tests/get_where_subquery.sql against dbt's, then pin it here"
    assert version.parse(importlib.metadata.version("dbt-core")).release[:2] == (1, 11), upgraded
    builtin = Path(dbt.include.global_project.PACKAGE_PATH) / "macros" / "materializations" / "tests"
    assert (builtin / "where_subquery.sql").read_text() == BUILTIN_WHERE_SUBQUERY, upgraded

    manifest = dbt_manifest()
    root = manifest["metadata"]["project_name"]
    override = manifest["macros"][f"macro.{root}.get_where_subquery"]
    # The root project's macro of the same name and argument wins over dbt's.
    assert "macro.dbt.get_where_subquery" in manifest["macros"]
    assert override["original_file_path"] == "macros/tests/get_where_subquery.sql"
    assert "{% macro get_where_subquery(relation) -%}" in override["macro_sql"]
    generic = [n for n in manifest["nodes"].values() if n["resource_type"] == "test" and n.get("test_metadata")]
    assert generic
    for test in generic:
        # dbt still hands every generic test its relation through get_where_subquery, and says which
        # model the test is attached to (the override reads that model's meta.window_column).
        assert test["test_metadata"]["kwargs"]["model"].startswith("{{ get_where_subquery("), test["name"]
        assert test["attached_node"] in manifest["nodes"], test["name"]


def test_a_selection_of_silver_without_its_verdict_is_refused_naming_both():
    assert unjudged({"stg_fact_transaction", "validated_fact_transaction", "fact_transaction"}) == []
    assert unjudged({"validated_fact_loan"}) == []
    assert unjudged({"quarantine_dim_customer", "stg_dim_customer", "dim_customer"}) == [
        "quarantine_dim_customer and stg_dim_customer read(s) validated_dim_customer, which this selection does not build"
    ]
