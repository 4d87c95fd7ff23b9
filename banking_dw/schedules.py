"""Every morning, materialise yesterday's partition of the whole graph."""

from __future__ import annotations

import dagster as dg

daily_warehouse_job = dg.define_asset_job(
    name="daily_warehouse",
    selection=dg.AssetSelection.all(),
    description="The whole graph for one day (reference data and reports included).",
)

# Yesterday's partition once its day has closed; 06:00 leaves the bank's overnight batch time.
daily_warehouse_schedule = dg.build_schedule_from_partitioned_job(
    daily_warehouse_job, hour_of_day=6, default_status=dg.DefaultScheduleStatus.STOPPED
)
