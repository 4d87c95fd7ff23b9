"""The instance's pooled event log: what one process writes, every process reads, whatever the threads."""

import importlib.metadata
import inspect
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg

from banking_dw.event_log import ConsolidatedSqliteEventLogStorage, PooledSqliteEventLogStorage
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
    for overridden in ("run_connection", "index_connection", "has_table", "dispose"):
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
