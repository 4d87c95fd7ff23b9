"""Layer `bronze`: one crawl step registers every landed table as `dev_bronze.<table>`."""

from collections.abc import Iterator

import dagster as dg

from banking_dw.bronze.checks import bronze_check_specs, verify_bronze
from banking_dw.bronze.resources import BRONZE_SCHEMA, CatalogResource
from banking_dw.check_outcomes import check_results
from banking_dw.contracts import CONTRACTS, TableContract
from banking_dw.landing.resources import LakeResource
from banking_dw.layout import BRONZE, bronze_key, landing_key
from banking_dw.partitions import daily_partitions
from banking_dw.selection import layer_selection
from banking_dw.warehouse import WarehouseResource


def _spec(table: TableContract, kind: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=bronze_key(table.name),
        group_name=BRONZE,
        deps=[landing_key(table.name)],
        description=f"`{BRONZE_SCHEMA}.{table.name}`: external table over the landed objects, all text.",
        partitions_def=daily_partitions,
        kinds={kind},
        metadata={"dagster/table_name": f"{BRONZE_SCHEMA}.{table.name}"},
    )


def crawled_bronze_tables_for(catalog_kind: str) -> dg.AssetsDefinition:
    """The crawl step, its assets shown as the target's catalog (duckdb views or glue tables)."""

    @dg.multi_asset(
        name="crawled_bronze_tables",
        specs=[_spec(t, catalog_kind) for t in CONTRACTS],
        check_specs=[s for t in CONTRACTS for s in bronze_check_specs(bronze_key(t.name))],
        can_subset=True,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def crawled_bronze_tables(
        context: dg.AssetExecutionContext,
        catalog: CatalogResource,
        lake: LakeResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        selection = layer_selection(context)
        with warehouse.exclusive_writer(context.run.run_id, context.log.info), lake.reading(context.log.info):
            catalog.crawl(selection.materialize, selection.days)
            for table in selection.materialize:
                yield dg.MaterializeResult(
                    asset_key=bronze_key(table.name), metadata={"columns": len(catalog.columns(table))}
                )
            manifests = {day: lake.manifest(day) for day in selection.days} if selection.check else {}
            for table in selection.check:
                outcomes = verify_bronze(table, selection.days, catalog, manifests, lake)
                yield from check_results(context, bronze_key(table.name), outcomes)

    return crawled_bronze_tables
