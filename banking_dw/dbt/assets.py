"""Layers `silver` and `gold`: the dbt project, split by partitioning over one manifest."""


import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from banking_dw import settings
from banking_dw.bronze.assets import WAREHOUSE_POOL
from banking_dw.dbt.args import DAILY_SELECTOR, build_args
from banking_dw.dbt.project import dbt_project
from banking_dw.dbt.translator import BankingDbtTranslator
from banking_dw.partitions import daily_partitions, window_for_context
from banking_dw.warehouse import DuckDBWarehouse

TRANSLATOR = BankingDbtTranslator()


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    select=DAILY_SELECTOR,
    name="dbt_daily_models",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
)
def dbt_daily_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse
) -> Iterator[Any]:
    args = build_args(settings.dbt_target(), warehouse.database_path(), window_for_context(context))
    yield from dbt.cli(args, context=context).stream()


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    exclude=DAILY_SELECTOR,
    name="dbt_reference_models",
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
)
def dbt_reference_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse
) -> Iterator[Any]:
    args = build_args(settings.dbt_target(), warehouse.database_path(), None)
    yield from dbt.cli(args, context=context).stream()


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this interpreter, so an unactivated virtualenv still finds it.
    executable = Path(sys.executable).parent / "dbt"
    return DbtCliResource(
        project_dir=dbt_project(),
        profiles_dir=str(settings.DBT_PROJECT_DIR),
        dbt_executable=str(executable),
    )
