"""Layers `silver`, `gold`, `restricted` and `reports`: the whole dbt project as one daily-partitioned step."""

from collections.abc import Iterator, Mapping
from datetime import date
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from banking_dw import settings
from banking_dw.alerts.evidence import failed_row_count, failing_rows_evidence
from banking_dw.check_days import evaluations
from banking_dw.dbt.args import build_args, build_threads, target_environment, window_environment
from banking_dw.dbt.chunks import ChunkEvents, chunk_finished_message, finished_in_parent_runs
from banking_dw.dbt.completeness import describe, lake_gaps, silver_gaps, unjudged, upstream_of
from banking_dw.dbt.invocation import (
    build_folder,
    keep_partial_parse,
    parse_state,
    project_target,
    seed_partial_parse,
    subprocess_environment,
)
from banking_dw.dbt.metadata import asset_events
from banking_dw.dbt.project import dbt_manifest, dbt_project
from banking_dw.dbt.translator import BankingDbtTranslator
from banking_dw.landing.resources import DayManifest, LakeResource
from banking_dw.partitions import DayWindow, window_for_context
from banking_dw.warehouse import WarehouseResource


def dbt_models_for(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The whole dbt project as one step, with the same partitioning and backfill policy as every
    other asset, so a whole-graph backfill over a window is one run."""
    return _dbt_models(partitions, dbt_project().manifest_path.stat().st_mtime)


@cache
def _dbt_models(partitions: dg.PartitionsDefinition, manifest_version: float) -> dg.AssetsDefinition:
    """Built once per partitioning and manifest in a process: `dagster asset materialize` loads the
    code location twice (to name it, then to run it), and translating the manifest is most of a load."""

    @dbt_assets(
        manifest=dbt_project().manifest_path,
        project=dbt_project(),
        name="dbt_models",
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        dagster_dbt_translator=BankingDbtTranslator(partitions),
    )
    def dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, lake: LakeResource
    ) -> Iterator[Any]:
        yield from build_window(context, dbt, warehouse, lake)

    return dbt_models


def build_window(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, lake: LakeResource
) -> Iterator[Any]:
    """`dbt build` over the run's window, chunk after chunk; then each test's verdict per day."""
    window = window_for_context(context)
    finished = finished_in_parent_runs(context.instance, context.run)
    environment = {**warehouse.dbt_environment(), **target_environment(warehouse.dbt_target())}
    state = parse_state(warehouse)
    events = ChunkEvents()
    with (
        warehouse.exclusive_writer(context.run.run_id, context.log.info) as lock,
        lake.reading(context.log.info),
        subprocess_environment(environment),
        build_folder(project_target(), context.run.run_id) as invocation_target,
    ):
        manifests = {day: lake.manifest(day) for day in window.days()}
        require_whole_window(context, warehouse, lake, window, manifests)
        landed_rows = {day: manifest.rows for day, manifest in manifests.items()}
        chunks = window.chunks(settings.days_per_chunk(), settings.rows_per_chunk(), landed_rows)
        seed_partial_parse(state, invocation_target)
        chunk = window
        try:
            for number, chunk in enumerate(chunks, start=1):
                if str(chunk) in finished:
                    context.log.info(f"dbt chunk {number} of {len(chunks)} ({chunk}): finished by a parent run")
                    continue
                if len(chunks) > 1:
                    context.log.info(f"dbt chunk {number} of {len(chunks)}: {chunk}")
                rows = sum(landed_rows[day] for day in chunk.days())
                threads = build_threads(warehouse.dbt_target(), rows)
                if threads is not None:
                    context.log.info(f"dbt chunk {chunk}: {rows:,} landed rows, {threads} model(s) at a time")
                with subprocess_environment(window_environment(chunk)):
                    invocation = dbt.cli(build_args(threads), context=context, target_path=invocation_target)
                    lock.adopt(invocation.process.pid)
                    yield from events.keep(asset_events(invocation), chunk, last=number == len(chunks))
                context.log.info(chunk_finished_message(chunk))
        except Exception as error:
            failure = held_back(error, events, chunk)
            yield from day_verdicts(context, events)
            raise failure from error
        keep_partial_parse(invocation_target, state)
        yield from events.published()
    yield from day_verdicts(context, events)


def held_back(error: Exception, events: ChunkEvents, chunk: DayWindow) -> Exception:
    """A chunk whose error-severity tests failed published nothing: say which tests, and where their
    failing rows are (each check's description names the query), instead of dbt's exit code."""
    failed = events.failed_errors()
    if not failed:
        return error
    named = "; ".join(described(result, chunk).description or result.check_name for result in failed)
    return dg.Failure(
        description=(
            f"{chunk}: nothing was published, every published table is as it was before this run;"
            f" {len(failed)} error-severity dbt test(s) failed on the candidates: {named}"
        ),
        metadata={"failed_tests": len(failed), "window": str(chunk)},
    )


def day_verdicts(context: dg.AssetExecutionContext, events: ChunkEvents) -> Iterator[dg.AssetCheckEvaluation]:
    """Each dbt test's result over its chunk, as one evaluation per day of the chunk: a test judges
    its chunk as a whole, so each day has the chunk's verdict."""
    yield from evaluations(
        context, ((described(result, chunk), list(chunk.days()), None) for result, chunk in events.judged())
    )


def require_whole_window(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    lake: LakeResource,
    window: DayWindow,
    manifests: Mapping[date, DayManifest],
) -> None:
    """Fail before dbt replaces anything when a day the selected models read is not whole."""
    selected = {key.path[-1] for key in context.selected_asset_keys}
    if missing := unjudged(selected):
        raise dg.Failure(
            "silver's verdict is built with the models that read it: " + "; ".join(missing) + ". Select it too."
        )
    upstream = upstream_of(dbt_manifest(), selected)
    gaps = lake_gaps(lake, upstream.bronze_tables, manifests)
    gaps += silver_gaps(warehouse, dbt_manifest(), upstream.silver_models, manifests, window)
    if gaps:
        raise dg.Failure(describe(gaps), metadata={"gaps": len(gaps)})


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
