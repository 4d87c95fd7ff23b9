"""The instance's pooled event log: what one process writes, every process reads, whatever the threads."""

import importlib.metadata
import inspect
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import sqlalchemy
from dagster import DagsterEventType, EventLogEntry
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluationPlanned
from dagster._core.events import (
    AssetMaterializationPlannedData,
    DagsterEvent,
    DagsterEventBatchMetadata,
    StepMaterializationData,
    generate_event_batch_id,
)

from banking_dw.check_days import TargetMaterialization
from banking_dw.event_log import (
    EVENT_BATCH_SIZE_VARIABLE,
    ConsolidatedSqliteEventLogStorage,
    PooledSqliteEventLogStorage,
)
from banking_dw_tests.live_dagster import open_instance, write_instance_yaml


def _materialised_partitions(instance: dg.DagsterInstance, asset: str) -> set[str]:
    return instance.get_materialized_partitions(dg.AssetKey(asset))


def _report(dagster_home: Path, asset: str, partitions: list[str]) -> None:
    with open_instance(dagster_home) as instance:
        for partition in partitions:
            instance.report_runless_asset_event(dg.AssetMaterialization(asset, partition=partition))


def test_the_deployed_instance_uses_the_pooled_event_log(tmp_path):
    write_instance_yaml(tmp_path)
    with open_instance(tmp_path) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        # The engine is built from the connection string Dagster's storage keeps.
        assert instance.event_log_storage._conn_string.startswith("sqlite:///")


def test_the_private_storage_it_extends_is_still_what_it_overrides():
    """banking_dw/event_log.py subclasses a private Dagster class: an upgrade must be read against it."""
    assert importlib.metadata.version("dagster") == "1.13.27", (
        "Dagster was upgraded: check banking_dw/event_log.py against its ConsolidatedSqliteEventLogStorage,"
        " then pin the new version here"
    )
    assert list(inspect.signature(ConsolidatedSqliteEventLogStorage.__init__).parameters) == [
        "self",
        "base_dir",
        "inst_data",
    ]
    # What it overrides, and the row builders its own writes share with Dagster's store_event.
    overridden_or_called = (
        "run_connection",
        "index_connection",
        "has_table",
        "_has_asset_key_col_on_connection",
        "store_event",
        "store_event_batch",
        "_event_to_row",
        "_store_asset_event_tags",
        "_get_asset_entry_values",
        "_has_asset_key_index_cols_on_connection",
        "dispose",
    )
    for method in overridden_or_called:
        assert callable(getattr(ConsolidatedSqliteEventLogStorage, method, None)), method


def test_events_written_by_one_instance_are_read_by_another(tmp_path):
    """`make run` writes the history that `make dev`, a separate process, shows."""
    write_instance_yaml(tmp_path)
    _report(tmp_path, "stg_dim_customer", ["2024-01-01", "2024-01-02"])
    with open_instance(tmp_path) as reader:
        assert _materialised_partitions(reader, "stg_dim_customer") == {"2024-01-01", "2024-01-02"}


def test_threads_writing_at_once_lose_no_event(tmp_path):
    write_instance_yaml(tmp_path)
    days = [f"2024-01-{day:02d}" for day in range(1, 29)]
    with open_instance(tmp_path) as instance, ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda day: instance.report_runless_asset_event(
                    dg.AssetMaterialization("fact_transaction", partition=day)
                ),
                days,
            )
        )
        assert _materialised_partitions(instance, "fact_transaction") == set(days)


def _planned_events(assets: int, days: list[str]) -> list[DagsterEvent]:
    return [
        DagsterEvent.build_asset_materialization_planned_event(
            "job", "step", AssetMaterializationPlannedData(dg.AssetKey(f"asset_{n}"), partition=day)
        )
        for n in range(assets)
        for day in days
    ]


def _report_batch(instance: dg.DagsterInstance, run_id: str, events: list[DagsterEvent]) -> None:
    """As Dagster reports a run's planned events: one batch, its last event closing it."""
    batch = generate_event_batch_id()
    for number, event in enumerate(events):
        instance.report_dagster_event(
            event, run_id, batch_metadata=DagsterEventBatchMetadata(batch, number == len(events) - 1)
        )


def test_the_instance_batches_and_a_batch_is_written_whole(tmp_path, monkeypatch):
    """A run's planned events reach the storage as one batch, and every row of each is written:
    the event, and the asset's index that the UI's asset list reads."""
    monkeypatch.delenv(EVENT_BATCH_SIZE_VARIABLE, raising=False)
    write_instance_yaml(tmp_path)
    with open_instance(tmp_path) as instance:
        assert os.environ[EVENT_BATCH_SIZE_VARIABLE] == "1000"
        run = instance.add_run(dg.DagsterRun(job_name="job", run_id="batched"))
        batches = []
        storage = instance.event_log_storage
        monkeypatch.setattr(
            storage,
            "store_event_batch",
            lambda events, write=storage.store_event_batch: [batches.append(len(events)), write(events)],
        )
        _report_batch(instance, run.run_id, _planned_events(30, ["2024-01-01", "2024-01-02"]))
        planned = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
        assert batches == [60]
        assert len(planned.records) == 60
        assert {key.path[0] for key in instance.get_asset_keys()} == {f"asset_{n}" for n in range(30)}


def test_a_batch_that_fails_half_way_leaves_nothing_and_dagster_writes_it_event_by_event(tmp_path, monkeypatch):
    """Two events of a batch were written when the third failed: they are not in the event log
    twice, once from the batch and once from Dagster's event-by-event retry."""
    monkeypatch.setenv(EVENT_BATCH_SIZE_VARIABLE, "1000")
    write_instance_yaml(tmp_path)
    with open_instance(tmp_path) as instance:
        run = instance.add_run(dg.DagsterRun(job_name="job", run_id="broken"))
        storage = instance.event_log_storage
        written_in_batch = []
        store_event = storage.store_event

        def failing_on_the_third_of_a_batch(event):
            if getattr(storage._batch, "connection", None) is not None:
                written_in_batch.append(event)
                if len(written_in_batch) == 3:
                    raise RuntimeError("the disk is full")
            store_event(event)

        monkeypatch.setattr(storage, "store_event", failing_on_the_third_of_a_batch)
        _report_batch(instance, run.run_id, _planned_events(5, ["2024-01-01"]))
        assert len(written_in_batch) == 3
        assert len(instance.get_records_for_run(run.run_id).records) == 5


DAYS = dg.DailyPartitionsDefinition(start_date="2024-01-01")


def _check_evaluations(run_id: str) -> list[EventLogEntry]:
    """A run's planned checks and their evaluations: by day and not, passed and failed, with and
    without the materialisation they judged, and one that was never planned."""
    planned = []
    evaluations = []
    for check, partition, passed, storage_id in [
        ("rows_match", "2024-01-01", True, 11),
        ("rows_match", "2024-01-02", False, None),
        ("keys_unique", None, True, 12),
        ("never_planned", "2024-01-01", False, 13),
    ]:
        key = dg.AssetCheckKey(dg.AssetKey(["silver", "stg_dim_customer"]), check)
        if check != "never_planned":
            planned.append(
                DagsterEvent(
                    DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED.value,
                    "job",
                    event_specific_data=AssetCheckEvaluationPlanned(
                        asset_key=key.asset_key,
                        check_name=check,
                        partitions_subset=DAYS.subset_with_partition_keys([partition]).to_serializable_subset()
                        if partition
                        else None,
                    ),
                    step_key="step",
                )
            )
        target = TargetMaterialization(run_id=run_id, storage_id=storage_id, timestamp=1.0) if storage_id else None
        evaluations.append(
            DagsterEvent(
                DagsterEventType.ASSET_CHECK_EVALUATION.value,
                "job",
                event_specific_data=dg.AssetCheckEvaluation(
                    asset_key=key.asset_key,
                    check_name=check,
                    passed=passed,
                    metadata={"failing_rows": 0 if passed else 3},
                    target_materialization_data=target,
                    partition=partition,
                ),
                step_key="step",
            )
        )
    return _entries(run_id, planned + evaluations)


def _entries(run_id: str, events: list[DagsterEvent]) -> list[EventLogEntry]:
    """The events as a run's step logs them, a second apart."""
    return [
        EventLogEntry(
            error_info=None,
            level="debug",
            user_message="",
            run_id=run_id,
            timestamp=1_700_000_000.0 + number,
            step_key="step",
            job_name="job",
            dagster_event=event,
        )
        for number, event in enumerate(events)
    ]


EVENT_ROWS = (
    "select run_id, event, dagster_event_type, timestamp, step_key, asset_key, partition from event_logs order by id"
)


def _rows(storage, query: str) -> list:
    with storage.index_connection() as conn:
        return conn.execute(sqlalchemy.text(query)).fetchall()


def _written_by_dagster_and_pooled(tmp_path: Path, entries: list[EventLogEntry], queries: list[str]) -> dict:
    """Each query's rows after Dagster's consolidated storage, and the pooled one, stored `entries`."""
    written = {}
    for name, storage_class in [
        ("dagster", ConsolidatedSqliteEventLogStorage),
        ("pooled", PooledSqliteEventLogStorage),
    ]:
        storage = storage_class(str(tmp_path / name))
        for entry in entries:
            storage.store_event(entry)
        written[name] = [_rows(storage, query) for query in queries]
        storage.dispose()
    return written


EXECUTION_ROWS = (
    "select asset_key, check_name, partition, run_id, execution_status, evaluation_event,"
    " evaluation_event_timestamp, evaluation_event_storage_id, materialization_event_storage_id"
    " from asset_check_executions order by id"
)


def test_a_check_evaluation_is_written_as_dagsters_own_storage_writes_it(tmp_path):
    """The storage writes a run's check evaluations through its own statements: the rows are the
    ones Dagster's storage writes for the same events, to the byte."""
    written = _written_by_dagster_and_pooled(tmp_path, _check_evaluations("a-run"), [EVENT_ROWS, EXECUTION_ROWS])
    events, executions = written["pooled"]
    assert len(events) == 7
    assert [row.execution_status for row in executions] == ["SUCCEEDED", "FAILED", "SUCCEEDED", "FAILED"]
    assert written["pooled"] == written["dagster"]


def _asset_events(run_id: str) -> list[EventLogEntry]:
    """A run's planned and done materialisations: of a new asset and of one already indexed, by day
    and not, with tags the index keeps and tags it does not."""
    customer, fact = dg.AssetKey(["silver", "stg_dim_customer"]), dg.AssetKey(["gold", "fact_transaction"])
    events = [
        DagsterEvent.build_asset_materialization_planned_event(
            "job", "step", AssetMaterializationPlannedData(key, partition=partition)
        )
        for key, partition in [(customer, "2024-01-01"), (customer, "2024-01-02"), (fact, None)]
    ]
    for key, partition, tags in [
        (customer, "2024-01-01", {"dagster/data_version": "v1", "team": "data"}),
        (customer, "2024-01-02", None),
        (fact, None, {"dagster/code_version": "1"}),
        (fact, None, None),
    ]:
        materialization = dg.AssetMaterialization(
            key, partition=partition, metadata={"dagster/row_count": 3}, tags=tags
        )
        events.append(
            DagsterEvent(
                DagsterEventType.ASSET_MATERIALIZATION.value,
                "job",
                event_specific_data=StepMaterializationData(materialization),
                step_key="step",
            )
        )
    return _entries(run_id, events)


def test_a_materialisation_and_a_planned_one_are_indexed_as_dagsters_own_storage_indexes_them(tmp_path):
    """The storage writes materialisations and planned ones through its own statements: the event
    rows, their tags and the asset index (an asset's last run and materialisation, which the UI's
    asset list reads) are the ones Dagster's storage writes, to the byte."""
    index = (
        "select asset_key, last_materialization, last_run_id, asset_details, wipe_timestamp,"
        " last_materialization_timestamp, tags, cached_status_data from asset_keys order by asset_key"
    )
    tags = "select event_id, asset_key, key, value, event_timestamp from asset_event_tags order by id"
    written = _written_by_dagster_and_pooled(tmp_path, _asset_events("a-run"), [EVENT_ROWS, index, tags])
    events, indexed, tagged = written["pooled"]
    assert len(events) == 7
    assert len(indexed) == 2
    assert tagged
    assert written["pooled"] == written["dagster"]
