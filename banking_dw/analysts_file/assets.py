"""Layer `analysts`: `analysts/analysts_file`, analysts' own copy of gold and the reports.

Downstream of every gold and report model analysts read (banking_dw/dbt/analysts.py), partitioned
and backfilled like every asset, so the whole graph stays one run. Materialising it makes the copy
equal to the warehouse: every day and table whose digest differs, whatever the window (a day a
killed run built and never published included), is copied again into the version readers do not
hold, which they are pointed at only once it compares equal (banking_dw/duckdb_analysts.py). Its
check, `equals_the_warehouse`, is that comparison: made by the publish itself, read back from the
new version, or alone (*Execute* on the check) on the version analysts open now.

Where the warehouse's roles are the boundary (Redshift on aws), there is no copy: the asset says so
and compares nothing.
"""

from collections.abc import Iterator

import dagster as dg

from banking_dw.analysts_file.checks import check_spec, judged_days, outcome
from banking_dw.check_outcomes import check_results
from banking_dw.dbt.analysts import analysts_asset_keys, analysts_relations
from banking_dw.dbt.project import dbt_manifest
from banking_dw.partitions import window_for_context
from banking_dw.warehouse import WarehouseResource

ANALYSTS = "analysts"
ANALYSTS_FILE_KEY = dg.AssetKey([ANALYSTS, "analysts_file"])
NO_COPY = (
    "no copy on this target: the warehouse's roles are the boundary, and analysts read gold and the"
    " reports in place (dbt's grants)"
)


def analysts_file_for(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The step, with the code location's partitioning and the manifest's relations as its parents."""

    def analysts_file(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckEvaluation]:
        relations = analysts_relations(dbt_manifest())
        published = None
        if ANALYSTS_FILE_KEY in context.selected_asset_keys:
            published = warehouse.publish_for_analysts(relations, context.log.info)
            if published is None:
                context.log.info(f"analysts' file: {NO_COPY}")
                yield dg.MaterializeResult(asset_key=ANALYSTS_FILE_KEY, metadata={"copy": NO_COPY})
                return
            differences = published.differences
            if not differences:
                yield dg.MaterializeResult(
                    asset_key=ANALYSTS_FILE_KEY,
                    metadata={
                        **published.counts(),
                        "version": published.version,
                        "started_from": published.started_from,
                    },
                )
        else:
            differences = warehouse.compare_analysts_copy(relations)
            if differences is None:
                context.log.info(f"analysts' file: {NO_COPY}; nothing to compare")
                return
        found = outcome(differences, len(relations))
        days = judged_days(list(window_for_context(context).days()), differences)
        yield from check_results(context, ANALYSTS_FILE_KEY, [found], days)
        if published is not None and differences:
            raise dg.Failure(f"not handed to analysts, who keep the previous version: {found.description}")

    return dg.multi_asset(
        name="analysts_file",
        specs=[
            dg.AssetSpec(
                ANALYSTS_FILE_KEY,
                group_name=ANALYSTS,
                deps=analysts_asset_keys(dbt_manifest()),
                partitions_def=partitions,
                kinds={"duckdb"},
                description=(
                    "Analysts' own DuckDB file (local target): gold, personal columns masked, and the"
                    " reports, never the restricted schema. Every day and table that differs from the"
                    " warehouse is copied again into the version readers do not hold, which they are"
                    " pointed at once it compares equal. None on aws, where roles are the boundary."
                ),
            )
        ],
        check_specs=[check_spec(ANALYSTS_FILE_KEY, partitions)],
        can_subset=True,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )(analysts_file)
