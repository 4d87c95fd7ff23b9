"""Cost of one event in the Dagster instance's event log: Dagster's storages against the project's.

    .venv/bin/python scripts/benchmark_event_log.py [--events 300] [--repeats 3]

Each repeat writes `--events` events into a fresh DAGSTER_HOME, in a fresh subprocess per storage:
partitioned asset materialisations one by one (`report_runless_asset_event`, the same storage path
a run's events take), then a run's planned materialisations as Dagster reports them before the run
starts, one batch (DAGSTER_EVENT_BATCH_SIZE as the storage leaves it: unset for Dagster's, so
event by event), then a run's check evaluations, each of a check and a day that the run planned,
one by one. Prints the median milliseconds per event as Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from banking_dw.event_log import EVENT_BATCH_SIZE_VARIABLE

STORAGES = {
    "Dagster's default (a database per run, plus an index)": None,
    "Dagster's consolidated SQLite": ("dagster.core.storage.event_log", "ConsolidatedSqliteEventLogStorage"),
    "banking_dw's pooled SQLite (deploy/dagster.yaml)": ("banking_dw.event_log", "PooledSqliteEventLogStorage"),
}
WARM_UP_EVENTS = 5
MATERIALISED = "partitioned materialisations, one by one"
PLANNED = "a run's planned materialisations, one batch"
CHECKED = "a run's planned check evaluations, one by one"
CHECKS = 60


def write_events(events: int, kind: str) -> float:
    """Milliseconds per event of `kind` on the instance of $DAGSTER_HOME, after a few to open the
    storage."""
    import dagster as dg

    instance = dg.DagsterInstance.get()
    for partition in range(WARM_UP_EVENTS):
        instance.report_runless_asset_event(dg.AssetMaterialization("warm_up", partition=str(partition)))
    if kind == PLANNED:
        return write_planned_batch(instance, events)
    if kind == CHECKED:
        return write_check_evaluations(instance, events)
    started = time.perf_counter()
    for partition in range(events):
        asset = f"asset_{partition % 20}"
        instance.report_runless_asset_event(dg.AssetMaterialization(asset, partition=str(partition)))
    return (time.perf_counter() - started) / events * 1000


def write_planned_batch(instance, events: int) -> float:
    """A run's planned materialisations, `events` of them, reported as Dagster reports them."""
    import dagster as dg
    from dagster._core.events import (
        AssetMaterializationPlannedData,
        DagsterEvent,
        DagsterEventBatchMetadata,
        generate_event_batch_id,
    )

    run = instance.add_run(dg.DagsterRun(job_name="benchmark", run_id="benchmark"))
    planned = [
        DagsterEvent.build_asset_materialization_planned_event(
            run.job_name, "step", AssetMaterializationPlannedData(dg.AssetKey(f"asset_{n % 150}"), partition=str(n))
        )
        for n in range(events)
    ]
    batch = generate_event_batch_id()
    started = time.perf_counter()
    for number, event in enumerate(planned):
        metadata = DagsterEventBatchMetadata(batch, number == len(planned) - 1)
        instance.report_dagster_event(event, run.run_id, batch_metadata=metadata)
    return (time.perf_counter() - started) / events * 1000


def write_check_evaluations(instance, events: int) -> float:
    """`events` evaluations of CHECKS checks, each of a day, as a step reports them; the run's
    planned checks (one row per check and day) are written first, untimed."""
    import dagster as dg
    from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluationPlanned
    from dagster._core.events import DagsterEvent

    run = instance.add_run(dg.DagsterRun(job_name="benchmark", run_id="checked"))
    days = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    keys = days.get_partition_keys()[: -(-events // CHECKS)]
    asset = dg.AssetKey(["silver", "stg_dim_customer"])

    def event(event_type: dg.DagsterEventType, data) -> DagsterEvent:
        return DagsterEvent(event_type.value, run.job_name, event_specific_data=data, step_key="step")

    subset = days.subset_with_partition_keys(keys).to_serializable_subset()
    for check in range(CHECKS):
        planned = AssetCheckEvaluationPlanned(asset_key=asset, check_name=f"check_{check}", partitions_subset=subset)
        instance.report_dagster_event(event(dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED, planned), run.run_id)
    evaluations = [
        event(
            dg.DagsterEventType.ASSET_CHECK_EVALUATION,
            dg.AssetCheckEvaluation(
                asset_key=asset,
                check_name=f"check_{n % CHECKS}",
                passed=True,
                metadata={"failing_rows": 0, "judged_days": keys[n // CHECKS]},
                partition=keys[n // CHECKS],
            ),
        )
        for n in range(events)
    ]
    started = time.perf_counter()
    for evaluation in evaluations:
        instance.report_dagster_event(evaluation, run.run_id)
    return (time.perf_counter() - started) / events * 1000


def measure(storage: tuple[str, str] | None, events: int, kind: str) -> float:
    with tempfile.TemporaryDirectory(prefix="banking_dw_events_") as home:
        config: dict = {"telemetry": {"enabled": False}}
        if storage:
            module, class_name = storage
            config["event_log_storage"] = {"module": module, "class": class_name, "config": {"base_dir": home}}
        Path(home, "dagster.yaml").write_text(yaml.safe_dump(config))
        completed = subprocess.run(
            [sys.executable, __file__, "--child", str(events), "--kind", kind],
            env={**{k: v for k, v in os.environ.items() if k != EVENT_BATCH_SIZE_VARIABLE}, "DAGSTER_HOME": home},
            capture_output=True,
            text=True,
            check=True,
        )
        return float(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--kind", default=MATERIALISED, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(write_events(args.child, args.kind))
        return
    print(f"machine: {os.cpu_count()} cores; {args.events} events; repeats: {args.repeats}\n")
    print("| event log storage | events | median ms per event | runs |\n|---|---|---|---|")
    for kind in (MATERIALISED, PLANNED, CHECKED):
        for label, storage in STORAGES.items():
            runs = [measure(storage, args.events, kind) for _ in range(args.repeats)]
            shown = ", ".join(f"{run:.2f}" for run in runs)
            print(f"| {label} | {kind} | {statistics.median(runs):.2f} | {shown} |")


if __name__ == "__main__":
    main()
