"""Layer `landing`: each day's CSV copied to the lake under `<prefix>/<table>/dt=YYYY-MM-DD/`."""


from collections.abc import Iterator
from datetime import date

import dagster as dg

from banking_dw import settings
from banking_dw.check_outcomes import check_results
from banking_dw.contracts import CONTRACTS, TableContract, contract
from banking_dw.generator import csv_path
from banking_dw.landing.checks import landing_check_specs, verify_landed
from banking_dw.landing.resources import LocalLake, object_key
from banking_dw.partitions import daily_partitions, window_for_context
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
    selected = [contract(key.path[-1]) for key in context.selected_asset_keys]
    window_days: list[date | None] = []
    if any(t.partitioned for t in selected):
        window_days = list(window_for_context(context).days())

    for table in selected:
        days = window_days if table.partitioned else [None]
        landed = []
        for day in days:
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
        yield from check_results(context, landing_key(table.name), verify_landed(table, days, lake, data_dir))
