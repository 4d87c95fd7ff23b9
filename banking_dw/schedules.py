"""How a new day arrives: every morning, one run of the whole graph for yesterday's partition.

A schedule rather than Declarative Automation: the schedule asks for one partition of one job,
which is one run of every step whatever the selection, exactly like a UI backfill of a day.
Automation conditions would be evaluated per asset by the daemon, could request the layers in
separate runs as each upstream lands, and would also react to backfills by materialising their
days again downstream.
"""

from __future__ import annotations

import dagster as dg

# The whole graph under a name of its own: the schedule's runs and `make run`'s are `daily_warehouse`.
daily_warehouse_job = dg.define_asset_job(
    name="daily_warehouse",
    selection=dg.AssetSelection.all(),
    description="The whole graph for a day or a range of days (reference data, reports and their charts included).",
)

# Yesterday's partition once its day has closed; 06:00 leaves the bank's overnight batch time.
# Off until an operator turns it on (in the UI's Automation page): a development machine should
# not start generating a day every morning on its own.
daily_warehouse_schedule = dg.build_schedule_from_partitioned_job(
    daily_warehouse_job, hour_of_day=6, default_status=dg.DefaultScheduleStatus.STOPPED
)
