"""Where everything lives: the asset keys of the file layers, the raw files' paths and the lake's
object keys. Every layer asks here, so no layer imports another layer's assets to name a key.

The lake's layout is the bucket's: `banking-data/<table>/dt=YYYY-MM-DD/<table>.csv`, the partition
only in the path; a day's manifest (what was published, with rows and checksums) beside the tables
under `banking-data/_manifests/`; files that failed their audit outside the data prefix, under
`_rejected/`, so neither a crawler nor a bronze view ever reads one. The customers erased on request
(ids only) are listed under `banking-data/_erasure/`, beside the manifests: in each environment's
data prefix, read by no crawler or view.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg

from banking_dw.contracts import contract

RAW, LANDING, BRONZE = "raw", "landing", "bronze"
LAKE_PREFIX = "banking-data"
MANIFESTS = "_manifests"
REJECTED_PREFIX = "_rejected"
ERASURE = "_erasure"


def asset_key(layer: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([layer, table])


def raw_key(table: str) -> dg.AssetKey:
    return asset_key(RAW, table)


def bronze_key(table: str) -> dg.AssetKey:
    return asset_key(BRONZE, table)


def raw_folder(data_dir: Path) -> Path:
    return Path(data_dir) / RAW


def csv_path(data_dir: Path, table: str, day: date) -> Path:
    """raw/<table>/dt=YYYY-MM-DD/<table>.csv: every table is a daily extract."""
    contract(table)  # an unknown table fails here, naming the known ones
    return raw_folder(data_dir) / table / f"dt={day.isoformat()}" / f"{table}.csv"


def staging_destinations(folder: Path) -> dict[Path, list[str]]:
    """Every folder under `folder` holding staging files, with the names of the files they were to
    become: a file written atomically is first `.<name>.<random>.tmp` beside it (locks.staging_file),
    renamed into place when whole; one still there was left by a killed write, or is being written."""
    found: dict[Path, set[str]] = {}
    for path in Path(folder).rglob(".*.tmp") if Path(folder).is_dir() else ():
        found.setdefault(path.parent, set()).add(path.name[1:].rsplit(".", 2)[0])
    return {parent: sorted(names) for parent, names in sorted(found.items())}


def table_prefix(table: str) -> str:
    """The folder of every day of a table, with its trailing slash."""
    return f"{LAKE_PREFIX}/{table}/"


def day_folder(table: str, day: date) -> str:
    """The folder of one day of a table (a Glue partition's location), with its trailing slash."""
    return f"{table_prefix(table)}dt={day.isoformat()}/"


def object_key(table: str, day: date) -> str:
    """The one object a day's manifest names for a table: nothing else in its folder is data."""
    return f"{day_folder(table, day)}{table}.csv"


def rejected_key(table: str, day: date) -> str:
    return f"{REJECTED_PREFIX}/{table}/dt={day.isoformat()}/{table}.csv"


def manifest_key(day: date) -> str:
    return f"{LAKE_PREFIX}/{MANIFESTS}/dt={day.isoformat()}.json"


def rejected_prefix(table: str) -> str:
    """The folder of every rejected day of a table, with its trailing slash."""
    return f"{REJECTED_PREFIX}/{table}/"


def erasure_list_key() -> str:
    """The ids of the customers erased on request (banking_dw.erasure)."""
    return f"{LAKE_PREFIX}/{ERASURE}/erased_customers.json"


def day_of_key(key: str) -> date | None:
    """The day in an object key's `dt=YYYY-MM-DD` folder, if it has one."""
    for part in key.split("/"):
        if part.startswith("dt="):
            try:
                return date.fromisoformat(part[3:])
            except ValueError:
                return None
    return None
