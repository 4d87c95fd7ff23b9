"""The dbt command lines the assets run, as small pure functions."""

from __future__ import annotations

import json
from pathlib import Path

from banking_dw.partitions import DayWindow

DAILY_SELECTOR = "tag:daily"


def build_args(target: str, warehouse_path: Path, window: DayWindow | None) -> list[str]:
    """`dbt build` for one target; daily models get the half-open window [min_date, max_date)."""
    variables: dict[str, str] = {"warehouse_path": str(warehouse_path)}
    if window is not None:
        variables.update(window.dbt_vars())
    return ["build", "--target", target, "--vars", json.dumps(variables, sort_keys=True)]
