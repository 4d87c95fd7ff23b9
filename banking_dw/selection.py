"""What one step of a layer must do in a run: which tables to materialise, which to check, which days.

A run may select only a layer's checks (the UI's *Execute* on a check): those tables are then
checked as they stand, without being produced again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dagster as dg

from banking_dw.contracts import CONTRACTS, TableContract
from banking_dw.partitions import window_for_context


@dataclass(frozen=True)
class LayerSelection:
    materialize: list[TableContract]
    check: list[TableContract]
    days: list[date]


def layer_selection(context: dg.AssetExecutionContext) -> LayerSelection:
    materialized = {key.path[-1] for key in context.selected_asset_keys}
    checked = {key.asset_key.path[-1] for key in context.selected_asset_check_keys}
    materialize = [t for t in CONTRACTS if t.name in materialized]
    check = [t for t in CONTRACTS if t.name in checked]
    if not (materialize or check):
        return LayerSelection(materialize, check, [])
    if not (context.has_partition_key or context.has_partition_key_range):
        names = sorted({t.name for t in materialize + check})
        raise dg.Failure(
            f"{', '.join(names)} are partitioned by day: choose a partition or a range to materialise or check"
        )
    return LayerSelection(materialize, check, list(window_for_context(context).days()))
