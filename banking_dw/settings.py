"""Where things live and which target runs, read from the environment when asked (never at import)."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPOSITORY_ROOT / "dbt_project"
LAKE_PREFIX = "banking-data"


class Target(str, Enum):
    LOCAL = "local"
    AWS = "aws"


def target() -> Target:
    raw = os.environ.get("BANKING_DW_TARGET", Target.LOCAL.value)
    try:
        return Target(raw)
    except ValueError:
        raise ValueError(
            f"BANKING_DW_TARGET={raw!r} is not a known target; use one of"
            f" {', '.join(t.value for t in Target)}"
        ) from None


def dbt_target() -> str:
    """The dbt profile target of the current target: dbt-duckdb locally, dbt-redshift on AWS."""
    return "redshift" if target() is Target.AWS else "local"


def data_dir() -> Path:
    """Root of every generated file: BANKING_DW_DATA_DIR, or data/ under the repository root."""
    configured = os.environ.get("BANKING_DW_DATA_DIR")
    if not configured:
        return REPOSITORY_ROOT / "data"
    path = Path(configured).expanduser()
    return path if path.is_absolute() else REPOSITORY_ROOT / path


def warehouse_path() -> Path:
    return data_dir() / "warehouse.duckdb"
