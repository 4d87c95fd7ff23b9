"""The one typed object a target hands the code location: every resource that differs by target."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from banking_dw.alerts.sinks import AlertSinks
from banking_dw.bronze.resources import CatalogResource
from banking_dw.landing.resources import LakeResource
from banking_dw.raw_files import RawFiles
from banking_dw.warehouse import WarehouseResource


@dataclass(frozen=True)
class TargetResources:
    raw_files: RawFiles
    lake: LakeResource
    catalog: CatalogResource
    # Its dbt target is the warehouse's: `WarehouseResource.dbt_target`.
    warehouse: WarehouseResource
    # With the target's alert ledger.
    alert_sinks: AlertSinks
    executor: dg.ExecutorDefinition

    def resources(self) -> dict[str, dg.ConfigurableResource]:
        """By the names the assets and sensors ask for them."""
        return {
            "raw_files": self.raw_files,
            "lake": self.lake,
            "catalog": self.catalog,
            "warehouse": self.warehouse,
            "alert_sinks": self.alert_sinks,
        }
