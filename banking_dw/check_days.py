"""Check evaluations that name their day, in a run over a range of days.

Dagster names an evaluation's partition only in a single-day run: a single-run backfill covers a
range, and its `AssetCheckResult`s would carry no day, so "did day X pass?" would have no answer.
Each check is therefore recorded once per day of what it judged, as an `AssetCheckEvaluation`
naming the day (the checks' specs are partitioned like their assets) and targeting that day's
latest materialisation, which is how the UI knows the verdict is about the data the day holds now.

A check that can tell which days failed (`failed_days`) passes the others; one that judges its
window as a whole gives each day the window's verdict, and its metadata names the days judged.

The one module besides banking_dw/event_log.py that imports Dagster's private API: the target
materialisation's type has no public name. banking_dw_tests/test_check_days.py fails when an
upgrade moves it.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData as TargetMaterialization,
)


def latest_materializations(
    instance: dg.DagsterInstance, asset_key: dg.AssetKey, days: Collection[date]
) -> dict[date, TargetMaterialization]:
    """Each day's latest materialisation of the asset, newest first, read a page at a time (a run
    that just materialised the days finds them all on its first page)."""
    wanted = {day.isoformat(): day for day in days}
    found: dict[date, TargetMaterialization] = {}
    cursor = None
    while len(found) < len(wanted):
        page = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=asset_key, asset_partitions=list(wanted)),
            limit=max(len(wanted), 100),
            cursor=cursor,
        )
        for record in page.records:
            day = wanted.get(record.partition_key or "")
            if day is not None and day not in found:
                found[day] = TargetMaterialization(
                    run_id=record.run_id, storage_id=record.storage_id, timestamp=record.timestamp
                )
        if not page.has_more:
            break
        cursor = page.cursor
    return found


def day_evaluations(
    result: dg.AssetCheckResult,
    days: Iterable[date],
    failed_days: Collection[date] | None,
    blocking: bool,
    targets: Mapping[date, TargetMaterialization],
) -> Iterator[dg.AssetCheckEvaluation]:
    """`result` (a check over `days`) as one evaluation per day. `failed_days` are the days it
    found failing; None when it cannot tell, and then every day has the window's verdict."""
    if result.asset_key is None or result.check_name is None:
        raise ValueError(f"a check result names its asset and check: {result}")
    days = sorted(days)
    named = sorted(failed_days or ())
    judged = {"judged_days": f"{days[0]}...{days[-1]}" if len(days) > 1 else days[0].isoformat()} if days else {}
    for day in days:
        failed = not result.passed and (failed_days is None or day in failed_days)
        if failed or result.passed:
            # The result's own words; a verdict over several days says which in its metadata.
            description, metadata = result.description, {**result.metadata, **judged}
        else:
            description = f"{day} passed; failed on {', '.join(d.isoformat() for d in named)}"
            metadata = judged
        yield dg.AssetCheckEvaluation(
            asset_key=result.asset_key,
            check_name=result.check_name,
            passed=not failed,
            metadata=metadata,
            target_materialization_data=targets.get(day),
            severity=result.severity,
            description=description,
            blocking=blocking,
            partition=day.isoformat(),
        )


def partitioned(spec: dg.AssetCheckSpec, partitions: dg.PartitionsDefinition) -> dg.AssetCheckSpec:
    """The spec with its asset's partitioning, so each day's verdict has its place in the UI; every
    other attribute as given. (Dagster calls a check's partitioning a preview and warns about it
    once per spec; it is relied on here knowingly.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(
            spec.name,
            asset=spec.asset_key,
            description=spec.description,
            additional_deps=spec.additional_deps,
            blocking=spec.blocking,
            metadata=spec.metadata,
            automation_condition=spec.automation_condition,
            partitions_def=partitions,
        )


def evaluations(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
    verdicts: Iterable[tuple[dg.AssetCheckResult, Sequence[date], Collection[date] | None]],
) -> Iterator[dg.AssetCheckEvaluation]:
    """Each (check result, the days it judged, the days it found failing or None) as one
    evaluation per day, each targeting its day's latest materialisation (read once per asset)."""
    verdicts = list(verdicts)
    specs = (
        context.check_specs if isinstance(context, dg.AssetCheckExecutionContext) else context.assets_def.check_specs
    )
    blocking = {spec.key: spec.blocking for spec in specs}
    days_by_asset: dict[dg.AssetKey, set[date]] = {}
    for result, days, _failed in verdicts:
        days_by_asset.setdefault(dg.AssetKey.from_coercible(result.asset_key), set()).update(days)
    targets = {key: latest_materializations(context.instance, key, days) for key, days in days_by_asset.items()}
    for result, days, failed in verdicts:
        key = dg.AssetCheckKey(dg.AssetKey.from_coercible(result.asset_key), result.check_name or "")
        yield from day_evaluations(result, days, failed, blocking.get(key, False), targets[key.asset_key])
