"""The code location: loads each layer and applies cross-cutting policy once."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from banking_dw import settings
from banking_dw.alerts.ledger import LocalAlertLedger
from banking_dw.alerts.sensors import (
    alert_on_failed_checks_after_failure,
    alert_on_failed_checks_after_success,
)
from banking_dw.alerts.sinks import AlertSinks
from banking_dw.bronze.assets import crawled_bronze_tables_for
from banking_dw.bronze.resources import LocalCatalog
from banking_dw.dbt.assets import dbt_models
from banking_dw.dbt.resources import dbt_resource
from banking_dw.landing.assets import landed_objects
from banking_dw.landing.resources import LocalLake
from banking_dw.raw.assets import raw_csv_files
from banking_dw.schedules import daily_warehouse_job, daily_warehouse_schedule
from banking_dw.warehouse import DuckDBWarehouse, RedshiftWarehouse

# Daily data lands overnight; a day and a half without a new materialisation means the feed stopped.
FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=36), warn_window=timedelta(hours=30))
CONSUMER_FACING_GROUPS = ("gold", "reports")


def _with_freshness(spec: dg.AssetSpec) -> dg.AssetSpec:
    if spec.group_name in CONSUMER_FACING_GROUPS:
        return spec.replace_attributes(freshness_policy=FRESHNESS)
    return spec


def target_resources(target: settings.Target) -> dict[str, object]:
    """The lake, catalog, warehouse and alert ledger of a target; nothing else in the code knows the target."""
    if target is settings.Target.AWS:
        from banking_dw.aws import aws_resources

        return {**aws_resources(), "warehouse": RedshiftWarehouse()}
    # Both default to the data directory's lake, read when used, not here.
    warehouse, lake = DuckDBWarehouse(), LocalLake()
    return {
        "warehouse": warehouse,
        "lake": lake,
        "catalog": LocalCatalog(warehouse=warehouse, lake=lake),
        "alert_sinks": AlertSinks(ledger=LocalAlertLedger()),
    }


def target_executor(target: settings.Target) -> dg.ExecutorDefinition:
    if target is settings.Target.AWS:
        # Each step in its own process: a failing step cannot take the run worker down with it.
        return dg.multiprocess_executor
    # Locally the layers are a chain through one DuckDB writer, so steps never run side by side;
    # a subprocess per step would only add seconds of start-up to each of the four steps.
    return dg.in_process_executor


@dg.definitions
def defs() -> dg.Definitions:
    target = settings.target()
    resources = target_resources(target)
    layers = [raw_csv_files, landed_objects, crawled_bronze_tables_for(resources["catalog"].kind()), dbt_models]
    return dg.Definitions(
        assets=dg.map_asset_specs(_with_freshness, layers),
        executor=target_executor(target),
        jobs=[daily_warehouse_job],
        schedules=[daily_warehouse_schedule],
        sensors=[alert_on_failed_checks_after_success, alert_on_failed_checks_after_failure],
        resources={**resources, "dbt": dbt_resource()},
    )
