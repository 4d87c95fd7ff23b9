"""Where landed objects live: the Lake interface, and a local folder with the bucket's key layout."""

from __future__ import annotations

import hashlib
import os
import shutil
from abc import abstractmethod
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import dagster as dg

from banking_dw import settings
from banking_dw.contracts import TableContract

# Outside the data prefix, so neither a crawler nor the bronze views ever read a rejected file.
REJECTED_PREFIX = "_rejected"


@dataclass(frozen=True)
class LandedObject:
    key: str
    size_bytes: int
    md5: str
    uri: str


def object_key(table: TableContract, day: date) -> str:
    """`<prefix>/<table>/dt=YYYY-MM-DD/<table>.csv`: the partition lives only in the path."""
    return f"{settings.LAKE_PREFIX}/{table.name}/dt={day.isoformat()}/{table.name}.csv"


def rejected_key(table: TableContract, day: date) -> str:
    """Where a file that failed its structural audit is kept for inspection, never published."""
    return f"{REJECTED_PREFIX}/{table.name}/dt={day.isoformat()}/{table.name}.csv"


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Lake(Protocol):
    """What landing and its checks need from object storage (a local folder or S3)."""

    def put(self, source: Path, key: str) -> LandedObject:
        """Copy `source` to `key` atomically; putting the same bytes again changes nothing."""
        ...

    def stat(self, key: str) -> LandedObject | None:
        """The object at `key`, or None when there is none."""
        ...

    def read_bytes(self, key: str) -> bytes:
        """The object's content; FileNotFoundError when there is none."""
        ...

    def uri(self, key: str) -> str: ...


class LakeResource(dg.ConfigurableResource):
    """Base of the configurable lakes: assets annotate with it, any subclass is injected."""

    @abstractmethod
    def put(self, source: Path, key: str) -> LandedObject: ...

    @abstractmethod
    def stat(self, key: str) -> LandedObject | None: ...

    @abstractmethod
    def read_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def uri(self, key: str) -> str: ...


class LocalLake(LakeResource):
    """A folder laid out like the bucket: `<root>/banking-data/<table>/dt=.../<table>.csv`."""

    root: str | None = None

    def root_path(self) -> Path:
        return Path(self.root) if self.root else settings.data_dir() / "lake"

    def local_path(self, key: str) -> Path:
        """For the local catalog, whose views read the files in place; checks use the Lake methods."""
        return self.root_path() / key

    def put(self, source: Path, key: str) -> LandedObject:
        destination = self.local_path(key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging = destination.with_name(f".{destination.name}.tmp")
        shutil.copyfile(source, staging)
        os.replace(staging, destination)
        landed = self.stat(key)
        if landed is None:
            raise FileNotFoundError(f"{destination} vanished right after it was written")
        return landed

    def stat(self, key: str) -> LandedObject | None:
        path = self.local_path(key)
        if not path.is_file():
            return None
        return LandedObject(key=key, size_bytes=path.stat().st_size, md5=file_md5(path), uri=self.uri(key))

    def read_bytes(self, key: str) -> bytes:
        return self.local_path(key).read_bytes()

    def uri(self, key: str) -> str:
        return self.local_path(key).absolute().as_uri()
