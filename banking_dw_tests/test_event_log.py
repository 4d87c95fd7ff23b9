"""The instance's pooled event log: what one process writes, every process reads, whatever the threads."""

import importlib.metadata
import inspect
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
from dagster._core.events import (
    AssetMaterializationPlannedData,
    DagsterEvent,
    DagsterEventBatchMetadata,
    generate_event_batch_id,
)

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
    overridden_methods = (
        "run_connection",
        "index_connection",
        "has_table",
        "_has_asset_key_col_on_connection",
        "store_event_batch",
        "dispose",
    )
    for overridden in overridden_methods:
        assert callable(getattr(ConsolidatedSqliteEventLogStorage, overridden, None)), overridden


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
