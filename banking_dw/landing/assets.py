"""Layer `landing`: each day's CSV audited, then published to the lake under
`<prefix>/<table>/dt=YYYY-MM-DD/` (write-audit-publish)."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg

from banking_dw import settings
from banking_dw.check_outcomes import check_results
from banking_dw.contracts import CONTRACTS, TableContract
from banking_dw.generator import csv_path
from banking_dw.landing.audit import audit_csv
from banking_dw.landing.checks import landing_check_specs, structure_outcome, verify_landed
from banking_dw.landing.resources import LakeResource, LandedObject, object_key, rejected_key
from banking_dw.partitions import daily_partitions
from banking_dw.raw.assets import raw_key
from banking_dw.selection import layer_selection

GROUP = "landing"


def landing_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([GROUP, table])


def _spec(table: TableContract) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=landing_key(table.name),
        group_name=GROUP,
        deps=[raw_key(table.name)],
        description=f"`{table.name}` landed in the lake, partition `dt` only in the object path.",
        partitions_def=daily_partitions,
        kinds={"csv"},
        # A table with a rejected file is not materialised; its blocking check fails the step.
        skippable=True,
    )


def _source(data_dir: Path, table: TableContract, day: date) -> Path:
    source = csv_path(data_dir, table.name, day)
    if not source.is_file():
        raise FileNotFoundError(
            f"cannot land {table.name} {day}: raw file {source} is missing;"
            f" materialise {raw_key(table.name).to_user_string()} for it first"
        )
    return source


def _audit(data_dir: Path, table: TableContract, days: list[date]) -> dict[date, list[str]]:
    return {day: audit_csv(_source(data_dir, table, day).read_bytes(), table) for day in days}


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
    audits: dict[str, dict[date, list[str]]] = {}
    for table in selection.materialize:
        audits[table.name] = _audit(data_dir, table, selection.days)
        landed: list[LandedObject] = []
        for day, problems in audits[table.name].items():
            source = csv_path(data_dir, table.name, day)
            if problems:
                rejected = lake.put(source, rejected_key(table, day))
                context.log.error(f"{table.name} {day}: not landed ({'; '.join(problems)}); kept at {rejected.uri}")
            else:
                landed.append(lake.put(source, object_key(table, day)))
        if any(audits[table.name].values()):
            continue
        yield dg.MaterializeResult(
            asset_key=landing_key(table.name),
            metadata={
                "objects": len(landed),
                "byte_size": sum(o.size_bytes for o in landed),
                "uri": dg.MetadataValue.url(landed[-1].uri),
            },
        )
    for table in selection.check:
        # A check-only run audits the files as they stand.
        problems = audits[table.name] if table.name in audits else _audit(data_dir, table, selection.days)
        outcomes = [structure_outcome(table, problems), *verify_landed(table, selection.days, lake, data_dir)]
        yield from check_results(context, landing_key(table.name), outcomes)
