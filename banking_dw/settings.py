"""Where things live and which target runs, read from the environment when asked (never at import)."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

PROJECT_ROOT_ENV = "BANKING_DW_PROJECT_ROOT"


class Target(str, Enum):
    LOCAL = "local"
    AWS = "aws"


def repository_root() -> Path:
    """BANKING_DW_PROJECT_ROOT (an installed package has no checkout around it), else the
    checkout this package sits in, as an editable install has."""
    configured = os.environ.get(PROJECT_ROOT_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(__file__).resolve().parent.parent


def dbt_project_dir() -> Path:
    return repository_root() / "dbt_project"


def target() -> Target:
    raw = os.environ.get("BANKING_DW_TARGET", Target.LOCAL.value)
    try:
        return Target(raw)
    except ValueError:
        raise ValueError(
            f"BANKING_DW_TARGET={raw!r} is not a known target; use one of {', '.join(t.value for t in Target)}"
        ) from None


def data_dir() -> Path:
    """Root of every generated file: BANKING_DW_DATA_DIR, or data/ under the repository root."""
    configured = os.environ.get("BANKING_DW_DATA_DIR")
    if not configured:
        return repository_root() / "data"
    path = Path(configured).expanduser()
    return path if path.is_absolute() else repository_root() / path


def warehouse_path() -> Path:
    return data_dir() / "warehouse.duckdb"


def lake_dir() -> Path:
    """The local target's lake, which its DuckDB warehouse's bronze views read."""
    return data_dir() / "lake"


# DuckDB holds at most this much memory per process (the warehouse through dbt, the raw checks) and
# spills the rest to disk, so a day of any size fits the machine; the default leaves room for the
# Python process beside it on a small machine.
DUCKDB_MEMORY_LIMIT_ENV = "BANKING_DW_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"


def duckdb_memory_limit() -> str:
    return os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, "").strip() or DEFAULT_DUCKDB_MEMORY_LIMIT


def duckdb_spill_dir() -> Path:
    """Where DuckDB spills what does not fit its memory limit: BANKING_DW_DUCKDB_SPILL_DIR, or a
    folder in the data directory."""
    configured = os.environ.get("BANKING_DW_DUCKDB_SPILL_DIR", "").strip()
    return Path(configured).expanduser() if configured else data_dir() / ".duckdb_spill"
