"""The dbt command line the dbt asset runs, as a small pure function."""

from __future__ import annotations

import json
from pathlib import Path

from banking_dw.partitions import DayWindow


def build_args(target: str, warehouse_path: Path, window: DayWindow) -> list[str]:
    """`dbt build` for one target over the half-open window [min_date, max_date)."""
    variables = {"warehouse_path": str(warehouse_path), **window.dbt_vars()}
    return ["build", "--target", target, "--vars", json.dumps(variables, sort_keys=True)]
