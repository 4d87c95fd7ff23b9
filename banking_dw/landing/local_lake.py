"""The local target's lake: a folder laid out like the bucket, its publishers and readers taking
turns through an operating-system file lock."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

from banking_dw import settings
from banking_dw.contracts import TABLE_NAMES
from banking_dw.csv_io import read_chunks
from banking_dw.landing.resources import READ_CHUNK_BYTES, LakeResource, LandedObject, file_md5
from banking_dw.layout import manifest_key, object_key, rejected_key, staging_destinations
from banking_dw.locks import file_lock, staging_file, sweep_staging


class LocalLake(LakeResource):
    """A folder laid out like the bucket: `<root>/banking-data/<table>/dt=.../<table>.csv`."""

    root: str | None = None
    lock_timeout_seconds: float = 600.0

    def root_path(self) -> Path:
        return Path(self.root) if self.root else settings.lake_dir()

    def local_path(self, key: str) -> Path:
        """For the local catalog, whose views read the files in place; checks use the Lake methods."""
        return self.root_path() / key

    def put(self, source: Path, key: str, md5: str) -> LandedObject:
        destination = self.local_path(key)
        self._write_atomically(destination, lambda staging: shutil.copyfile(source, staging))
        return LandedObject(key, destination.stat().st_size, md5, self.uri(key))

    def put_bytes(self, data: bytes, key: str) -> None:
        self._write_atomically(self.local_path(key), lambda staging: staging.write_bytes(data))

    @staticmethod
    def _write_atomically(destination: Path, write: Callable[[Path], object]) -> None:
        # A staging name of its own: two runs landing the same day never share a temporary file.
        with staging_file(destination) as staging:
            write(staging)
            os.replace(staging, destination)

    def sweep_staging(self, days: list[date]) -> list[str]:
        """The staging files killed runs left in the days' folders (objects, rejected files,
        manifests), removed; their keys."""
        root, swept = self.root_path(), []
        for day in days:
            folders = {self.local_path(manifest_key(day)).parent: [Path(manifest_key(day)).name]}
            for table in TABLE_NAMES:
                for key in (object_key(table, day), rejected_key(table, day)):
                    folders[self.local_path(key).parent] = [Path(key).name]
            for folder, names in folders.items():
                swept += [path.relative_to(root).as_posix() for path in sweep_staging(folder, names)]
        return swept

    def delete(self, key: str) -> None:
        self.local_path(key).unlink(missing_ok=True)

    def stat(self, key: str) -> LandedObject | None:
        path = self.local_path(key)
        if not path.is_file():
            return None
        return LandedObject(key=key, size_bytes=path.stat().st_size, md5=file_md5(path), uri=self.uri(key))

    def sizes(self, prefix: str) -> dict[str, int]:
        root = self.root_path()
        folder = root / prefix
        if not folder.is_dir():
            return {}
        return {
            path.relative_to(root).as_posix(): path.stat().st_size
            for path in folder.rglob("*")
            if path.is_file() and not path.name.startswith(".")
        }

    def remove_unfinished_writes(self, prefix: str) -> int:
        """The staging files killed writes left anywhere under `prefix` (`sweep_staging`, any day,
        even one whose object was never written)."""
        folders = staging_destinations(self.root_path() / prefix)
        return sum(len(sweep_staging(folder, names)) for folder, names in folders.items())

    def iter_bytes(self, key: str) -> Iterator[bytes]:
        yield from read_chunks(self.local_path(key), READ_CHUNK_BYTES)

    def read_head(self, key: str, size: int) -> bytes:
        with self.local_path(key).open("rb") as handle:
            return handle.read(size)

    def uri(self, key: str) -> str:
        return self.local_path(key).absolute().as_uri()

    def lock_path(self) -> Path:
        return self.root_path() / ".publish.lock"

    def publishing(self, log: Callable[[str], None]) -> AbstractContextManager[object]:
        return self._lock(log, exclusive=True, what="publish to the lake")

    def reading(self, log: Callable[[str], None]) -> AbstractContextManager[object]:
        return self._lock(log, exclusive=False, what="read the lake")

    def _lock(self, log: Callable[[str], None], *, exclusive: bool, what: str) -> AbstractContextManager[object]:
        """Publishers one at a time, readers together, never both at once."""
        return file_lock(
            self.lock_path(), exclusive=exclusive, what=what, log=log, timeout_seconds=self.lock_timeout_seconds
        )
