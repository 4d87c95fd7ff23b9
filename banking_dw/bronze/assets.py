"""Layer `bronze`: one step registers every landed table in the target's catalog as `dev_bronze.<table>`."""

from collections.abc import Iterator

import dagster as dg

from banking_dw.bronze.checks import bronze_check_specs, verify_bronze
from banking_dw.bronze.resources import CatalogResource
from banking_dw.file_layers import FileLayer, StepBuilder, contract_schema
from banking_dw.landing.resources import LakeResource
from banking_dw.layout import BRONZE, LANDING, object_key
from banking_dw.selection import layer_selection
from banking_dw.settings import layer_schema
from banking_dw.warehouse import WarehouseResource

# Every bronze column is text as the bank sent it (silver types it), plus the day from the path.
BRONZE_TYPE = "varchar"
PARTITION_COLUMN = dg.TableColumn("dt", "date", description="The extract's day, from the object's path.")


def crawled_bronze_tables_for(catalog_kind: str) -> StepBuilder:
    """The bronze step's builder, its assets shown as the target's catalog (duckdb views or glue tables)."""
    layer = FileLayer(
        name=BRONZE,
        step="crawled_bronze_tables",
        kinds=frozenset({catalog_kind}),
        describe=lambda table: (
            f"`{layer_schema(BRONZE)}.{table.name}`: external table over the landed objects, all text."
        ),
        check_specs=lambda _table, key: bronze_check_specs(key),
        upstream=LANDING,
        metadata=lambda table: {
            "dagster/table_name": f"{layer_schema(BRONZE)}.{table.name}",
            "dagster/column_schema": dg.TableSchema(
                columns=[*contract_schema(table, lambda _column: BRONZE_TYPE).columns, PARTITION_COLUMN]
            ),
        },
    )

    @layer.multi_asset()
    def crawled_bronze_tables(
        context: dg.AssetExecutionContext,
        catalog: CatalogResource,
        lake: LakeResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckEvaluation]:
        selection = layer_selection(context)
        with warehouse.exclusive_writer(context.run.run_id, context.log.info), lake.reading(context.log.info):
            catalog.register(selection.materialize, selection.days)
            # Read once: the row counts are each day's metadata and what the checks judge.
            tables = list({table.name: table for table in [*selection.materialize, *selection.check]}.values())
            shown = catalog.shown(tables, selection.days)
            for table in selection.materialize:
                # What bronze shows each day, read back through the catalog: the day's own numbers.
                for day, rows in shown[table.name].row_counts.items():
                    context.add_asset_metadata(
                        {
                            "dagster/row_count": rows,
                            "dagster/uri": catalog.table_uri(table),
                            "object": dg.MetadataValue.url(lake.uri(object_key(table.name, day))),
                        },
                        asset_key=layer.key(table.name),
                        partition_key=day.isoformat(),
                    )
            manifests = {day: lake.manifest(day) for day in selection.days} if selection.check else {}
            checked = (
                (table, verify_bronze(table, selection.days, shown[table.name], manifests, lake))
                for table in selection.check
            )
            yield from layer.results(context, selection.materialize, checked)

    return crawled_bronze_tables
