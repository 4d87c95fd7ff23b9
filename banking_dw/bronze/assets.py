"""Layer `bronze`: one step registers every landed table in the target's catalog as `dev_bronze.<table>`."""

from collections.abc import Iterator

import dagster as dg

from banking_dw.bronze.checks import bronze_check_specs, verify_bronze
from banking_dw.bronze.resources import CatalogResource
from banking_dw.file_layers import FileLayer
from banking_dw.landing.resources import LakeResource
from banking_dw.layout import BRONZE, LANDING
from banking_dw.selection import layer_selection
from banking_dw.settings import layer_schema
from banking_dw.warehouse import WarehouseResource


def crawled_bronze_tables_for(catalog_kind: str) -> dg.AssetsDefinition:
    """The bronze step, its assets shown as the target's catalog (duckdb views or glue tables)."""
    layer = FileLayer(
        name=BRONZE,
        step="crawled_bronze_tables",
        kinds=frozenset({catalog_kind}),
        describe=lambda table: (
            f"`{layer_schema(BRONZE)}.{table.name}`: external table over the landed objects, all text."
        ),
        check_specs=lambda _table, key: bronze_check_specs(key),
        upstream=LANDING,
        metadata=lambda table: {"dagster/table_name": f"{layer_schema(BRONZE)}.{table.name}"},
    )

    @layer.multi_asset()
    def crawled_bronze_tables(
        context: dg.AssetExecutionContext,
        catalog: CatalogResource,
        lake: LakeResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        selection = layer_selection(context)
        with warehouse.exclusive_writer(context.run.run_id, context.log.info), lake.reading(context.log.info):
            catalog.register(selection.materialize, selection.days)
            for table in selection.materialize:
                context.add_asset_metadata({"columns": len(catalog.columns(table))}, asset_key=layer.key(table.name))
            manifests = {day: lake.manifest(day) for day in selection.days} if selection.check else {}
            checked = (
                (table, verify_bronze(table, selection.days, catalog, manifests, lake)) for table in selection.check
            )
            yield from layer.results(context, selection.materialize, checked)

    return crawled_bronze_tables
