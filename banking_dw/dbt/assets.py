"""Layers `silver`, `gold` and `reports`: the whole dbt project as one daily-partitioned asset."""

import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from banking_dw import settings
from banking_dw.alerts.evidence import failed_row_count, failing_rows_evidence
from banking_dw.dbt.analysts import publish_for_analysts
from banking_dw.dbt.args import build_args, target_environment, window_environment
from banking_dw.dbt.chunks import ChunkEvents, chunk_finished_message, finished_in_parent_runs
from banking_dw.dbt.completeness import describe, lake_gaps, silver_gaps, upstream_of
from banking_dw.dbt.metadata import asset_events
from banking_dw.dbt.project import dbt_manifest, dbt_project
from banking_dw.dbt.translator import BankingDbtTranslator
from banking_dw.landing.resources import LakeResource
from banking_dw.partitions import DayWindow, daily_partitions, window_for_context
from banking_dw.warehouse import WarehouseResource


# The same partitioning and backfill policy as every other asset, so a whole-graph backfill
# over a window is one run.
@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    name="dbt_models",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=BankingDbtTranslator(),
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, lake: LakeResource
) -> Iterator[Any]:
    window = window_for_context(context)
    chunks = window.chunks(settings.days_per_chunk())
    finished = finished_in_parent_runs(context.instance, context.run)
    environment = {**warehouse.dbt_environment(), **target_environment(warehouse.dbt_target())}
    project_target = dbt_project().project_dir / dbt_project().target_path
    parse_state = warehouse.dbt_parse_state_path() or project_target / PARTIAL_PARSE_FILE
    events = ChunkEvents()
    with (
        warehouse.exclusive_writer(context.run.run_id, context.log.info) as lock,
        lake.reading(context.log.info),
        _environment(environment),
        build_folder(project_target, context.run.run_id) as invocation_target,
    ):
        require_whole_window(context, warehouse, lake, window)
        seed_partial_parse(parse_state, invocation_target)
        try:
            for number, chunk in enumerate(chunks, start=1):
                if str(chunk) in finished:
                    context.log.info(f"dbt chunk {number} of {len(chunks)} ({chunk}): finished by a parent run")
                    continue
                if len(chunks) > 1:
                    context.log.info(f"dbt chunk {number} of {len(chunks)}: {chunk}")
                with _environment(window_environment(chunk)):
                    invocation = dbt.cli(build_args(), context=context, target_path=invocation_target)
                    lock.adopt(invocation.process.pid)
                    chunk_events = (
                        described(event, chunk) if isinstance(event, dg.AssetCheckResult) else event
                        for event in asset_events(invocation)
                    )
                    yield from events.stream_last(chunk_events) if number == len(chunks) else events.keep(chunk_events)
                context.log.info(chunk_finished_message(chunk))
        except Exception:
            yield from events.checks_so_far()
            raise
        keep_partial_parse(invocation_target, parse_state)
        publish_for_analysts(context, warehouse, window)


def require_whole_window(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, lake: LakeResource, window: DayWindow
) -> None:
    """Fail before dbt replaces anything when a day the selected models read is not whole."""
    selected = {key.path[-1] for key in context.selected_asset_keys}
    upstream = upstream_of(dbt_manifest(), selected)
    manifests = {day: lake.manifest(day) for day in window.days()}
    gaps = lake_gaps(lake, upstream.bronze_tables, manifests)
    gaps += silver_gaps(warehouse, dbt_manifest(), upstream.silver_models, manifests, window)
    if gaps:
        raise dg.Failure(describe(gaps), metadata={"gaps": len(gaps)})


@contextmanager
def build_folder(project_target: Path, run_id: str) -> Iterator[Path]:
    """A folder of its own for one dbt build's files (manifest, compiled SQL, results), removed when
    the build succeeds: every build writes one (about 19 MB here), so a daily schedule would fill
    the disk. A failed or killed build's folder stays, for reading what dbt compiled and ran."""
    folder = project_target / f"dbt_models-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def seed_partial_parse(state: Path, invocation_target: Path) -> None:
    """Start dbt from the parse state of the last run on this warehouse.

    dagster-dbt gives each invocation its own target folder and, when that folder has no state
    yet, copies the project's (the one `make install` parsed); a first run on a warehouse starts
    from that."""
    if state.is_file():
        invocation_target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, invocation_target / PARTIAL_PARSE_FILE)


def keep_partial_parse(invocation_target: Path, state: Path) -> None:
    """Make this run's parse state the one the next run on this warehouse starts from."""
    produced = Path(invocation_target) / PARTIAL_PARSE_FILE
    if not produced.is_file():
        return
    state.parent.mkdir(parents=True, exist_ok=True)
    staging = state.with_name(f".{state.name}.{os.getpid()}")
    shutil.copyfile(produced, staging)
    os.replace(staging, state)


def described(result: dg.AssetCheckResult, window: DayWindow) -> dg.AssetCheckResult:
    """dbt tests arrive with no description: say what failed, where, how often, and where to look."""
    if result.passed or result.description:
        return result
    metadata = {key: getattr(value, "value", value) for key, value in (result.metadata or {}).items()}
    rows = failed_row_count(metadata)
    evidence = failing_rows_evidence(metadata)
    return result._replace(
        description=(
            f"{result.asset_key.to_user_string()} {window}: dbt test {result.check_name} failed"
            + ("" if rows is None else f" on {rows} row(s)")
            + (f"; the rows: {evidence}" if evidence else "")
        )
    )


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    """`variables` set for the dbt subprocess, which DbtCliResource starts with this process's
    environment; restored afterwards so no later step sees this run's window."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
