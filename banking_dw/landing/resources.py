"""The lake landing publishes to: the interface every target's lake implements, and each day's
manifest, which is what makes the day visible.

A day is published all at once (write-audit-publish at the level of the day): its objects are
written first, then its manifest names each table's object with the rows, bytes and MD5 the audit
found. Before any object of a published day is replaced, the day's manifest is removed, so a
reader (the bronze views, the crawl, the dbt step's completeness gate) sees the day whole or not
at all, never half of a re-delivery, even when the landing is killed half-way.
"""

from __future__ import annotations

import hashlib
import json
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg

from banking_dw.csv_io import read_chunks
from banking_dw.layout import day_folder, erasure_list_key, manifest_key, object_key, table_prefix

READ_CHUNK_BYTES = 16 << 20


class ErasedMeanwhile(RuntimeError):
    """A customer was erased while a day's files were being redacted and audited."""


@dataclass(frozen=True)
class LandedObject:
    key: str
    size_bytes: int
    md5: str
    uri: str


@dataclass(frozen=True)
class PublishedTable:
    """One table's object of a day, as the manifest records it: what the bank sent."""

    table: str
    key: str
    rows: int
    size_bytes: int
    md5: str


@dataclass(frozen=True)
class DayManifest:
    day: date
    tables: dict[str, PublishedTable] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """The rows the bank sent that day, every table published."""
        return sum(table.rows for table in self.tables.values())

    def to_json(self) -> bytes:
        entries = [asdict(self.tables[name]) for name in sorted(self.tables)]
        return json.dumps({"day": self.day.isoformat(), "tables": entries}, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes) -> DayManifest:
        parsed = json.loads(data)
        tables = {entry["table"]: PublishedTable(**entry) for entry in parsed["tables"]}
        return cls(date.fromisoformat(parsed["day"]), tables)


def stray_objects(table: str, keys: Iterable[str], manifests: Mapping[date, DayManifest]) -> dict[date, list[str]]:
    """Per day of `manifests` that publishes `table`, the objects of its day folder (`keys`: a
    listing of the table's prefix) other than the one the manifest names. Spectrum reads every
    object of a partition's folder, so one of these would be read as the day's data."""
    named = {day_folder(table, day): m.tables[table].key for day, m in manifests.items() if table in m.tables}
    days = {day_folder(table, day): day for day in manifests}
    prefix, strays = table_prefix(table), {}
    for key in sorted(keys):
        # anything under the day's folder, sub-folders included
        folder = prefix + key.removeprefix(prefix).split("/", 1)[0] + "/"
        if folder in named and key != named[folder]:
            strays.setdefault(days[folder], []).append(key)
    return strays


@dataclass(frozen=True)
class Delivery:
    """A table's audited file for a day, ready to publish."""

    table: str
    source: Path
    rows: int
    size_bytes: int
    md5: str


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for block in read_chunks(path):
        digest.update(block)
    return digest.hexdigest()


class LakeResource(dg.ConfigurableResource):
    """Object storage as landing and the checks need it (a local folder or S3); assets annotate
    with this base class and the target's subclass is injected."""

    @abstractmethod
    def put(self, source: Path, key: str, md5: str) -> LandedObject:
        """Copy `source` (whose MD5 is `md5`) to `key` atomically: a reader sees the old object or
        the new one, never a part."""

    @abstractmethod
    def put_bytes(self, data: bytes, key: str) -> None:
        """Write a small object (a manifest) atomically."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove an object if it exists."""

    @abstractmethod
    def stat(self, key: str) -> LandedObject | None:
        """The object at `key` with its size and MD5, or None when there is none."""

    @abstractmethod
    def sizes(self, prefix: str) -> dict[str, int]:
        """Every object under `prefix`, by key, with its size: one listing, not a call per object."""

    @abstractmethod
    def iter_bytes(self, key: str) -> Iterator[bytes]:
        """The object's content in chunks; FileNotFoundError when there is none."""

    @abstractmethod
    def read_head(self, key: str, size: int) -> bytes:
        """The object's first `size` bytes (its header line); FileNotFoundError when there is none."""

    @abstractmethod
    def uri(self, key: str) -> str: ...

    def publishing(self, log: Callable[[str], None]) -> AbstractContextManager[object]:
        """Held while a day's objects and manifest change: publishers take turns."""
        return nullcontext()

    def reading(self, log: Callable[[str], None]) -> AbstractContextManager[object]:
        """Held by a step that reads published days, so no day is republished under it."""
        return nullcontext()

    def still_publishing(self) -> None:
        """Called before each object a publish writes: a lock held as a lease renews it here."""

    def sweep_staging(self, days: list[date]) -> list[str]:
        """Remove the staging files killed runs left beside the days' objects and manifests; their
        keys. A store whose writes are atomic (S3's PUT) leaves none."""
        return []

    def forget_previous_versions(self, key: str) -> int:
        """Delete the earlier versions of an object a versioned store keeps after a replace (an
        erasure's rewritten object); how many. A folder keeps none."""
        return 0

    def remove_unfinished_writes(self, prefix: str) -> int:
        """Delete what writes killed half-way left under `prefix` (a staging file, an upload's
        parts), any day: no reader ever sees it, and it may hold the personal values an erasure
        removes. The caller holds `publishing()`. How many."""
        return 0

    def read_bytes(self, key: str) -> bytes:
        return b"".join(self.iter_bytes(key))

    def manifest(self, day: date) -> DayManifest:
        """What is published of `day` (no table when nothing is)."""
        try:
            return DayManifest.from_json(self.read_bytes(manifest_key(day)))
        except FileNotFoundError:
            return DayManifest(day)

    def publish_day(
        self,
        day: date,
        deliveries: list[Delivery],
        log: Callable[[str], None],
        erased: frozenset[int] | None = None,
    ) -> DayManifest:
        """Publish the day's audited files together: the day leaves the manifest, the changed
        objects are replaced, then the manifest names every table again. A table whose object
        already holds the same bytes is left as it is, so a rerun of the same files disturbs no
        reader.

        `erased`: the erased customers the files were redacted for; when another customer was
        erased since (an erasure holds this lock while it rewrites the lake), nothing is published."""
        with self.publishing(log):
            if erased is not None and not self.erased_customers() <= erased:
                raise ErasedMeanwhile(
                    f"{day}: a customer was erased while this day's files were being landed; land the day again"
                )
            return self._publish_day(day, deliveries)

    def republish(self, day: date, deliveries: list[Delivery]) -> DayManifest:
        """`publish_day` for a caller that already holds `publishing()` (an erasure rewriting a
        published object): the manifest leaves, the object is replaced, the manifest comes back
        with the object's new size and MD5."""
        return self._publish_day(day, deliveries)

    def erased_customers(self) -> frozenset[int]:
        """The customers erased on request (ids only), whose personal values no layer may keep."""
        try:
            listed = json.loads(self.read_bytes(erasure_list_key()))
        except FileNotFoundError:
            return frozenset()
        return frozenset(int(customer) for customer in listed["customer_ids"])

    def add_erased_customer(self, customer_id: int) -> bool:
        """Put a customer on the erasure list; False when already there. The caller holds
        `publishing()`, so no day is published with a list older than this one."""
        listed = self.erased_customers()
        if customer_id in listed:
            return False
        document = {"customer_ids": sorted(listed | {customer_id})}
        self.put_bytes(json.dumps(document, indent=1).encode(), erasure_list_key())
        return True

    def _publish_day(self, day: date, deliveries: list[Delivery]) -> DayManifest:
        current = self.manifest(day)
        published = dict(current.tables)
        changed = [d for d in deliveries if not self._holds(current, d)]
        if changed:
            # The day leaves view whole while any of its objects changes.
            self.delete(manifest_key(day))
        for delivery in changed:
            self.still_publishing()
            landed = self.put(delivery.source, object_key(delivery.table, day), delivery.md5)
            published[delivery.table] = PublishedTable(
                delivery.table, landed.key, delivery.rows, landed.size_bytes, landed.md5
            )
        manifest = DayManifest(day, published)
        if changed or manifest != current:
            self.put_bytes(manifest.to_json(), manifest_key(day))
        return manifest

    def _holds(self, manifest: DayManifest, delivery: Delivery) -> bool:
        entry = manifest.tables.get(delivery.table)
        if entry is None or (entry.md5, entry.rows, entry.size_bytes) != (
            delivery.md5,
            delivery.rows,
            delivery.size_bytes,
        ):
            return False
        landed = self.stat(entry.key)
        return landed is not None and (landed.size_bytes, landed.md5) == (delivery.size_bytes, delivery.md5)
