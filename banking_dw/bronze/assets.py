"""Layer `bronze`: one crawl step registers every landed table as `dev_bronze.<table>`."""

from collections.abc import Iterator

import dagster as dg

from banking_dw.bronze.checks import bronze_check_specs, verify_bronze
from banking_dw.bronze.resources import BRONZE_SCHEMA, CatalogResource
from banking_dw.check_outcomes import check_results
from banking_dw.contracts import CONTRACTS, TableContract
from banking_dw.landing.assets import landing_key
from banking_dw.landing.resources import LakeResource
from banking_dw.partitions import daily_partitions
from banking_dw.selection import layer_selection
from banking_dw.warehouse import DuckDBWarehouse

GROUP = "bronze"


def bronze_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([GROUP, table])


def _spec(table: TableContract) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=bronze_key(table.name),
        group_name=GROUP,
        deps=[landing_key(table.name)],
        description=f"`{BRONZE_SCHEMA}.{table.name}`: external table over the landed objects, all text.",
        partitions_def=daily_partitions,
        kinds={"duckdb"},
        metadata={"dagster/table_name": f"{BRONZE_SCHEMA}.{table.name}"},
    )


@dg.multi_asset(
    name="crawled_bronze_tables",
    specs=[_spec(t) for t in CONTRACTS],
    check_specs=[s for t in CONTRACTS for s in bronze_check_specs(bronze_key(t.name))],
    can_subset=True,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def crawled_bronze_tables(
    context: dg.AssetExecutionContext, catalog: CatalogResource, lake: LakeResource, warehouse: DuckDBWarehouse
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    selection = layer_selection(context)
    with warehouse.exclusive_writer(context.run.run_id, context.log.info):
        catalog.crawl(selection.materialize, selection.days)
        for table in selection.materialize:
            yield dg.MaterializeResult(
                asset_key=bronze_key(table.name), metadata={"columns": len(catalog.columns(table))}
            )
        for table in selection.check:
            outcomes = verify_bronze(table, selection.days, catalog, lake)
            yield from check_results(context, bronze_key(table.name), outcomes)
