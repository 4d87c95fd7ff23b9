"""The local target: a folder as the lake, DuckDB as the warehouse and its views as the catalog,
alerts in the data directory. Every path defaults to the data directory, read when used."""

from __future__ import annotations

import dagster as dg

from banking_dw.alerts.local_ledger import LocalAlertLedger
from banking_dw.alerts.sinks import AlertSinks
from banking_dw.bronze.duckdb_views import LocalCatalog
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.landing.local_lake import LocalLake
from banking_dw.raw_files import RawFiles
from banking_dw.targets.resource_set import TargetResources


def local_resources() -> TargetResources:
    warehouse, lake = DuckDBWarehouse(), LocalLake()
    return TargetResources(
        raw_files=RawFiles(),
        lake=lake,
        catalog=LocalCatalog(warehouse=warehouse, lake=lake),
        warehouse=warehouse,
        alert_sinks=AlertSinks(ledger=LocalAlertLedger()),
        # The layers are a chain through one DuckDB writer, so steps never run side by side; a
        # subprocess per step would only add start-up time to each step.
        executor=dg.in_process_executor,
    )
