"""The code location: the target's resources, each layer, and cross-cutting policy applied once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import dagster as dg

from banking_dw import settings, targets
from banking_dw.alerts.sensors import (
    alert_on_failed_checks_after_failure,
    alert_on_failed_checks_after_success,
)
from banking_dw.analysts_file.assets import analysts_file_for
from banking_dw.bronze.assets import crawled_bronze_tables_for
from banking_dw.charts.assets import report_charts_for
from banking_dw.dbt.assets import dbt_models_for
from banking_dw.dbt.resources import dbt_resource
from banking_dw.dbt.silver_checks import silver_checks_for
from banking_dw.erasure.job import erase_customer_job
from banking_dw.governance import owners_of, with_code_references
from banking_dw.landing.assets import landed_objects
from banking_dw.partitions import daily_partitions
from banking_dw.process_exit import skip_the_last_collection
from banking_dw.raw.assets import raw_csv_files
from banking_dw.schedules import daily_warehouse_job, daily_warehouse_schedule

# Daily data lands overnight; a day and a half without a new materialisation means the feed stopped.
FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=36), warn_window=timedelta(hours=30))
CONSUMER_FACING_GROUPS = ("gold", "restricted", "reports", "analysts")


def _policy(warehouse_kind: str) -> Callable[[dg.AssetSpec], dg.AssetSpec]:
    """Owners per layer; freshness on what consumers read; dbt models shown as the warehouse they
    are built in (dagster-dbt shows the adapter the manifest was parsed with)."""

    def apply(spec: dg.AssetSpec) -> dg.AssetSpec:
        spec = spec.replace_attributes(owners=owners_of(spec.group_name))
        if "dbt" in spec.kinds:
            spec = spec.replace_attributes(kinds={"dbt", warehouse_kind})
        if spec.group_name in CONSUMER_FACING_GROUPS:
            spec = spec.replace_attributes(freshness_policy=FRESHNESS)
        return spec

    return apply


@dg.definitions
def defs() -> dg.Definitions:
    skip_the_last_collection()
    target = targets.resources_for(settings.target())
    partitions = daily_partitions()
    steps = [
        raw_csv_files,
        landed_objects,
        crawled_bronze_tables_for(target.catalog.kind()),
        dbt_models_for,
        report_charts_for,
        analysts_file_for,
    ]
    layers = with_code_references([build(partitions) for build in steps], settings.repository_root())
    return dg.Definitions(
        assets=dg.map_asset_specs(_policy(target.warehouse.kind()), layers),
        asset_checks=[silver_checks_for(partitions)],
        executor=target.executor,
        jobs=[daily_warehouse_job, erase_customer_job],
        schedules=[daily_warehouse_schedule],
        sensors=[alert_on_failed_checks_after_success, alert_on_failed_checks_after_failure],
        resources={**target.resources(), "dbt": dbt_resource()},
    )
