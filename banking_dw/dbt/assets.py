"""Layers `silver`, `gold` and `reports`: the whole dbt project as one daily-partitioned asset."""


import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from banking_dw import settings
from banking_dw.dbt.args import build_args
from banking_dw.dbt.project import dbt_project
from banking_dw.dbt.translator import BankingDbtTranslator
from banking_dw.partitions import daily_partitions, window_for_context
from banking_dw.warehouse import DuckDBWarehouse


# The same partitioning and backfill policy as every other asset, so a whole-graph backfill
# over a window is one run.
@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    name="dbt_models",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=BankingDbtTranslator(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse) -> Iterator[Any]:
    args = build_args(settings.dbt_target(), warehouse.database_path(), window_for_context(context))
    with warehouse.exclusive_writer(context.run.run_id, context.log.info):
        yield from dbt.cli(args, context=context).stream()


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this interpreter, so an unactivated virtualenv still finds it.
    executable = Path(sys.executable).parent / "dbt"
    return DbtCliResource(
        project_dir=dbt_project(),
        profiles_dir=str(settings.dbt_project_dir()),
        dbt_executable=str(executable),
    )
