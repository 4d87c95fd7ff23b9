"""The dbt asset's own logic: what a failed dbt test says, and the parse state it keeps."""

from datetime import date

import dagster as dg

from banking_dw.dbt.assets import PARTIAL_PARSE_FILE, described, keep_partial_parse
from banking_dw.dbt.metadata import table_metadata
from banking_dw.partitions import DayWindow


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


def test_the_parse_state_of_a_run_becomes_the_next_runs(tmp_path):
    run_target, project_target = tmp_path / "run", tmp_path / "project"
    keep_partial_parse(run_target, project_target)  # a failed dbt left nothing: nothing changes
    assert not (project_target / PARTIAL_PARSE_FILE).exists()
    run_target.mkdir()
    (run_target / PARTIAL_PARSE_FILE).write_bytes(b"state")
    keep_partial_parse(run_target, project_target)
    assert (project_target / PARTIAL_PARSE_FILE).read_bytes() == b"state"
    assert sorted(p.name for p in project_target.iterdir()) == [PARTIAL_PARSE_FILE]


def test_the_logged_row_count_and_columns_become_dagster_table_metadata():
    metadata = table_metadata('{"row_count": 3, "columns": [["customer_id", "BIGINT"], ["first_name", "VARCHAR"]]}')
    assert metadata["dagster/row_count"] == 3
    assert metadata["dagster/column_schema"] == dg.TableSchema(
        columns=[dg.TableColumn("customer_id", "bigint"), dg.TableColumn("first_name", "varchar")]
    )
