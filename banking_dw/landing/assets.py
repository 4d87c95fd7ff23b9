"""Layer `landing`: each day's CSV copied to the lake under `<prefix>/<table>/dt=YYYY-MM-DD/`."""


from collections.abc import Iterator

import dagster as dg

from banking_dw import settings
from banking_dw.check_outcomes import check_results
from banking_dw.contracts import CONTRACTS, TableContract
from banking_dw.generator import csv_path
from banking_dw.landing.checks import landing_check_specs, verify_landed
from banking_dw.landing.resources import LocalLake, object_key
from banking_dw.partitions import daily_partitions
from banking_dw.selection import layer_selection
from banking_dw.raw.assets import raw_key

GROUP = "landing"


def landing_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([GROUP, table])


def _spec(table: TableContract) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=landing_key(table.name),
        group_name=GROUP,
        deps=[raw_key(table.name)],
        description=f"`{table.name}` landed in the lake, partition `dt` only in the object path.",
        partitions_def=daily_partitions if table.partitioned else None,
        kinds={"csv"},
    )


@dg.multi_asset(
    name="landed_objects",
    specs=[_spec(t) for t in CONTRACTS],
    check_specs=[s for t in CONTRACTS for s in landing_check_specs(landing_key(t.name))],
    can_subset=True,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def landed_objects(
    context: dg.AssetExecutionContext, lake: LocalLake
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    data_dir = settings.data_dir()
    selection = layer_selection(context)
    for table in selection.materialize:
        landed = []
        for day in selection.days_of(table):
            source = csv_path(data_dir, table.name, day)
            if not source.is_file():
                raise FileNotFoundError(
                    f"cannot land {table.name} {day or ''}: raw file {source} is missing;"
                    f" materialise {raw_key(table.name).to_user_string()} for it first"
                )
            landed.append(lake.put(source, object_key(table, day)))
        yield dg.MaterializeResult(
            asset_key=landing_key(table.name),
            metadata={
                "objects": len(landed),
                "byte_size": sum(o.size_bytes for o in landed),
                "uri": dg.MetadataValue.url(landed[-1].uri),
            },
        )
    for table in selection.check:
        outcomes = verify_landed(table, selection.days_of(table), lake, data_dir)
        yield from check_results(context, landing_key(table.name), outcomes)
