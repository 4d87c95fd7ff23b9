"""A window longer than BANKING_DW_DAYS_PER_CHUNK is built by dbt one chunk after another, reported
as one step, and a re-execution from failure skips the chunks that finished."""

import csv
from datetime import date

import dagster as dg
import pandas as pd
import pandas.testing as pdt
import pytest

from banking_dw.dbt.chunks import ChunkEvents
from banking_dw.dbt.metadata import PUBLISHED
from banking_dw.layout import csv_path
from banking_dw.partitions import DayWindow

from .support import copy_data_dir, materialize, query, warehouse_environment

OUTPUT = dg.Output(None, output_name="gold_fact_transaction")
DAY_1 = DayWindow(date(2024, 1, 1), date(2024, 1, 2))
DAY_2 = DayWindow(date(2024, 1, 2), date(2024, 1, 3))


def _check(passed: bool, description: str | None = None) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["gold", "fact_transaction"]),
        check_name="transaction__transaction_id_is_unique",
        passed=passed,
        description=description,
    )


def test_each_output_is_yielded_once_after_every_chunk_and_each_check_is_kept_with_its_days():
    events = ChunkEvents()
    log_line = dg.AssetObservation(asset_key="anything")
    first, second = _check(False, "day 1: 2 rows"), _check(True)
    assert list(events.keep([OUTPUT, first, log_line], DAY_1)) == [log_line]
    assert list(events.keep([OUTPUT, second], DAY_2)) == []
    assert list(events.published()) == [OUTPUT]
    assert list(events.published()) == []
    assert events.judged() == [(first, DAY_1), (second, DAY_2)]
    assert events.judged() == []


def test_the_last_chunks_outputs_are_yielded_where_its_publish_committed_and_no_earlier_chunks():
    events = ChunkEvents()
    log_line = dg.AssetObservation(asset_key="anything")
    assert list(events.keep([OUTPUT, PUBLISHED, log_line], DAY_1)) == [log_line]
    assert list(events.keep([OUTPUT, _check(True), PUBLISHED, log_line], DAY_2, last=True)) == [OUTPUT, log_line]
    assert list(events.published()) == []


def test_a_chunk_whose_publish_never_committed_yields_no_output():
    events = ChunkEvents()
    assert list(events.keep([OUTPUT, _check(False, "day 1: 2 rows")], DAY_1, last=True)) == []
    assert events.failed_errors() and events.outputs


def test_a_failed_chunk_leaves_the_checks_so_far_and_names_the_errors_that_held_it_back():
    events = ChunkEvents()
    warned = _check(False, "a warning")._replace(severity=dg.AssetCheckSeverity.WARN)
    failed = _check(False, "day 1: 2 rows")
    list(events.keep([OUTPUT, _check(True), warned, failed], DAY_1))
    assert events.failed_errors() == [failed]
    assert [(c.passed, chunk) for c, chunk in events.judged()] == [(True, DAY_1), (False, DAY_1), (False, DAY_1)]


# The rest builds warehouses with dbt: `make test` runs it, `make test-fast` does not.


def _reuse_a_first_day_transaction_id(data_dir, first: str, second: str) -> bytes:
    later = csv_path(data_dir, "fact_transactions", date.fromisoformat(second))
    original = later.read_bytes()
    reused_id = pd.read_csv(
        csv_path(data_dir, "fact_transactions", date.fromisoformat(first)), dtype=str
    ).transaction_id[0]
    frame = pd.read_csv(later, dtype=str, keep_default_na=False)
    frame.loc[0, "transaction_id"] = reused_id
    frame.to_csv(later, index=False, quoting=csv.QUOTE_NONNUMERIC)
    return original


def _gold(data_dir, table: str) -> pd.DataFrame:
    frame = query(data_dir, f"select * from dev_gold.{table}")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.mark.slow
def test_a_failed_chunk_is_resumed_from_failure_without_building_the_finished_ones_again(
    built, window, tmp_path, monkeypatch
):
    first, second = window
    data_dir = copy_data_dir(built[0], tmp_path / "data", warehouse=False)
    monkeypatch.setenv("BANKING_DW_DAYS_PER_CHUNK", "1")
    with warehouse_environment(data_dir), dg.instance_for_test() as instance:
        # Day 2 arrives with a transaction id already used on day 1: silver's uniqueness test fails
        # in the second chunk, after the first chunk (day 1) is built.
        original = _reuse_a_first_day_transaction_id(data_dir, first, second)
        assert materialize("group:landing or group:bronze", second, instance=instance).success
        failed = dg.execute_job(dg.reconstructable(silver_and_after), instance=instance, tags=_range(first, second))
        assert not failed.success
        messages = [r.user_message for r in instance.all_logs(failed.run_id)]
        assert f"dbt chunk finished: {first}" in messages
        assert f"dbt chunk finished: {second}" not in messages
        # The failed chunk published nothing, so the run shows nothing built; the resumed run will
        # (an output of a range run materialises every day of the range).
        assert failed.get_asset_materialization_events() == []

        # The bank sends the day again, correct; the failed run is re-executed from failure.
        csv_path(data_dir, "fact_transactions", date.fromisoformat(second)).write_bytes(original)
        assert materialize("group:landing or group:bronze", second, instance=instance).success
        resumed = dg.execute_job(
            dg.reconstructable(silver_and_after),
            instance=instance,
            reexecution_options=dg.ReexecutionOptions.from_failure(failed.run_id, instance),
            # The tags the UI's "Re-execute from failure" gives its run; execute_job leaves them to us.
            tags={**_range(first, second), "dagster/is_resume_retry": "true"},
        )
        assert resumed.success
        resumed_messages = [r.user_message for r in instance.all_logs(resumed.run_id)]
        assert f"dbt chunk 1 of 2 ({first}): finished by a parent run" in resumed_messages
        assert f"dbt chunk finished: {second}" in resumed_messages
    for table in ("fact_transaction", "fact_daily_balances", "dim_account", "dim_customer"):
        pdt.assert_frame_equal(_gold(data_dir, table), _gold(built[0], table))


@pytest.mark.slow
def test_a_chunk_at_volume_is_built_one_model_at_a_time_into_the_same_gold(built, window, tmp_path, monkeypatch):
    """DuckDB builds a chunk of many landed rows one model at a time (banking_dw.dbt.args): the
    threshold lowered to the test's days, the window built again gives the gold built with the
    profile's threads."""
    data_dir = copy_data_dir(built[0], tmp_path / "data")
    monkeypatch.setattr("banking_dw.dbt.args.ONE_MODEL_AT_A_TIME_ROWS", 1)
    with warehouse_environment(data_dir), dg.instance_for_test() as instance:
        result = materialize("kind:dbt", *window, instance=instance)
        messages = [r.user_message for r in instance.all_logs(result.run_id)]
    assert any(
        m.startswith(f"dbt chunk {window[0]}...{window[1]}: ") and m.endswith(" 1 model(s) at a time") for m in messages
    )
    assert any(m.startswith("Running dbt command:") and "--threads 1" in m for m in messages)
    for table in ("fact_transaction", "fact_daily_balances", "dim_account", "dim_customer"):
        pdt.assert_frame_equal(_gold(data_dir, table), _gold(built[0], table))


def _range(first: str, last: str) -> dict[str, str]:
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def silver_and_after() -> dg.JobDefinition:
    """A job of silver and everything after it, by reference (dg.reconstructable), as a re-execution
    needs: the definitions' own asset job has a reserved name."""
    from banking_dw.definitions import defs

    job = dg.define_asset_job("silver_and_after", selection="group:silver+")
    return dg.Definitions.merge(defs(), dg.Definitions(jobs=[job])).get_job_def("silver_and_after")
