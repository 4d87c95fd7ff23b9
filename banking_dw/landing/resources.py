"""Where landed objects live: a local folder with the bucket's key layout (S3 plugs in here)."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg

from banking_dw import settings
from banking_dw.contracts import TableContract


@dataclass(frozen=True)
class LandedObject:
    key: str
    size_bytes: int
    md5: str
    uri: str


def object_key(table: TableContract, day: date | None) -> str:
    """`<prefix>/<table>/dt=YYYY-MM-DD/<table>.csv`: the partition lives only in the path."""
    if table.partitioned:
        if day is None:
            raise ValueError(f"{table.name} is partitioned by day; a day is required")
        return f"{settings.LAKE_PREFIX}/{table.name}/dt={day.isoformat()}/{table.name}.csv"
    return f"{settings.LAKE_PREFIX}/{table.name}/{table.name}.csv"


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class LocalLake(dg.ConfigurableResource):
    """A folder laid out like the bucket: `<root>/banking-data/<table>/dt=.../<table>.csv`."""

    root: str | None = None

    def root_path(self) -> Path:
        return Path(self.root) if self.root else settings.data_dir() / "lake"

    def local_path(self, key: str) -> Path:
        return self.root_path() / key

    def put(self, source: Path, key: str) -> LandedObject:
        destination = self.local_path(key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging = destination.with_name(f".{destination.name}.tmp")
        shutil.copyfile(source, staging)
        os.replace(staging, destination)
        return self.stat(key)

    def stat(self, key: str) -> LandedObject | None:
        path = self.local_path(key)
        if not path.is_file():
            return None
        return LandedObject(key=key, size_bytes=path.stat().st_size, md5=file_md5(path), uri=path.as_uri())
