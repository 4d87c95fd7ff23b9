"""Layer `landing`: each day's CSVs audited, then published to the lake together under
`<prefix>/<table>/dt=YYYY-MM-DD/` with the day's manifest (write-audit-publish, per day)."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg

from banking_dw import settings
from banking_dw.check_outcomes import check_results
from banking_dw.contracts import CONTRACTS, TableContract
from banking_dw.landing.audit import Audit, audit_file
from banking_dw.landing.checks import landing_check_specs, structure_outcome, verify_landed
from banking_dw.landing.resources import Delivery, LakeResource
from banking_dw.layout import LANDING, csv_path, landing_key, raw_key, rejected_key
from banking_dw.partitions import daily_partitions
from banking_dw.selection import layer_selection


def _spec(table: TableContract) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=landing_key(table.name),
        group_name=LANDING,
        deps=[raw_key(table.name)],
        description=f"`{table.name}` landed in the lake, partition `dt` only in the object path.",
        partitions_def=daily_partitions,
        kinds={"csv"},
        # A table with a rejected day is not materialised; its blocking check fails the step.
        skippable=True,
    )


def _audit(data_dir: Path, table: TableContract, day: date) -> Audit | None:
    """The bank's file as it stands; None when there is none."""
    source = csv_path(data_dir, table.name, day)
    return audit_file(source, table) if source.is_file() else None


def _require(audit: Audit | None, table: TableContract, day: date) -> Audit:
    if audit is None:
        raise dg.Failure(
            f"cannot land {table.name} {day}: its raw file is missing;"
            f" materialise {raw_key(table.name).to_user_string()} for {day} first"
        )
    return audit


@dg.multi_asset(
    name="landed_objects",
    specs=[_spec(t) for t in CONTRACTS],
    check_specs=[s for t in CONTRACTS for s in landing_check_specs(landing_key(t.name))],
    can_subset=True,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def landed_objects(
    context: dg.AssetExecutionContext, lake: LakeResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    data_dir = settings.data_dir()
    selection = layer_selection(context)
    audits: dict[str, dict[date, Audit | None]] = {t.name: {} for t in CONTRACTS}
    rejected: set[str] = set()
    for day in selection.days if selection.materialize else []:
        day_audits = {t.name: _require(_audit(data_dir, t, day), t, day) for t in selection.materialize}
        for name, audit in day_audits.items():
            audits[name][day] = audit
        failing = sorted(name for name, audit in day_audits.items() if not audit.passed)
        if failing:
            # Nothing of the day is published: a day is visible downstream whole or not at all.
            for name in failing:
                kept = lake.put(csv_path(data_dir, name, day), rejected_key(name, day), day_audits[name].md5)
                context.log.error(
                    f"{name} {day}: rejected ({'; '.join(day_audits[name].problems)}); kept at {kept.uri}"
                )
            context.log.error(f"{day}: not published, {', '.join(failing)} failed the audit")
            rejected.update(day_audits)
            continue
        deliveries = [
            Delivery(name, csv_path(data_dir, name, day), audit.rows, audit.size_bytes, audit.md5)
            for name, audit in day_audits.items()
        ]
        lake.publish_day(day, deliveries, context.log.info)
        for delivery in deliveries:
            context.add_asset_metadata(
                {"dagster/row_count": delivery.rows, "byte_size": delivery.size_bytes},
                asset_key=landing_key(delivery.table),
                partition_key=day.isoformat(),
            )
    for table in selection.materialize:
        if table.name not in rejected:
            yield dg.MaterializeResult(asset_key=landing_key(table.name))

    manifests = {day: lake.manifest(day) for day in selection.days} if selection.check else {}
    for table in selection.check:
        # A check-only run audits the files as they stand.
        window = {day: audits[table.name].get(day) or _audit(data_dir, table, day) for day in selection.days}
        outcomes = [structure_outcome(table, window), *verify_landed(table, window, manifests, lake)]
        yield from check_results(context, landing_key(table.name), outcomes)
