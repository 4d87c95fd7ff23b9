"""Layer `bronze`: one crawl step registers every landed table as `dev_bronze.<table>`."""


from collections.abc import Iterator
from datetime import date

import dagster as dg

from banking_dw.bronze.checks import bronze_check_specs, verify_bronze
from banking_dw.bronze.resources import BRONZE_SCHEMA, LocalCatalog
from banking_dw.check_outcomes import check_results
from banking_dw.contracts import CONTRACTS, TableContract, contract
from banking_dw.landing.assets import landing_key
from banking_dw.partitions import daily_partitions, window_for_context

GROUP = "bronze"
WAREHOUSE_POOL = "duckdb_writer"


def bronze_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([GROUP, table])


def _spec(table: TableContract) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=bronze_key(table.name),
        group_name=GROUP,
        deps=[landing_key(table.name)],
        description=f"`{BRONZE_SCHEMA}.{table.name}`: external table over the landed objects, all text.",
        partitions_def=daily_partitions if table.partitioned else None,
        kinds={"duckdb"},
        metadata={"dagster/table_name": f"{BRONZE_SCHEMA}.{table.name}"},
    )


@dg.multi_asset(
    name="crawled_bronze_tables",
    specs=[_spec(t) for t in CONTRACTS],
    check_specs=[s for t in CONTRACTS for s in bronze_check_specs(bronze_key(t.name))],
    can_subset=True,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def crawled_bronze_tables(
    context: dg.AssetExecutionContext, catalog: LocalCatalog
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    selected = [contract(key.path[-1]) for key in context.selected_asset_keys]
    window_days: list[date | None] = []
    if any(t.partitioned for t in selected):
        window_days = list(window_for_context(context).days())
    crawled = catalog.crawl(selected)
    for table in selected:
        days = window_days if table.partitioned else [None]
        yield dg.MaterializeResult(
            asset_key=bronze_key(table.name),
            metadata={"columns": len(crawled[table.name].columns)},
        )
        yield from check_results(
            context, bronze_key(table.name), verify_bronze(table, days, crawled[table.name], catalog)
        )
