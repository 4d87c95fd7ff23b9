"""Operating-system file locks, for the local target's shared files (the warehouse, the lake).

The kernel releases a `flock` when its process dies, so a killed run never leaves a lock held and
no user ever frees one by hand (a Dagster pool slot would stay taken).

The same holds for staging files (a file written beside its destination, then renamed over it):
the writer holds a lock on its staging file until the rename, so a staging file nobody holds a
lock on was left by a killed run, and a sweep removes it. The folder's own lock closes the gap
between creating a staging file and locking it: writers hold it shared for that instant, a sweep
holds it exclusive.
"""

from __future__ import annotations

import fcntl
import glob
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from banking_dw import settings

# How often a waiting process retries, and how often it says what it is waiting for.
POLL_SECONDS = 0.5
REPORT_EVERY_SECONDS = 30.0


class LockTimeout(TimeoutError):
    """Another process held the lock for longer than this one would wait."""


def wait_until(
    attempt: Callable[[], bool],
    describe_holder: Callable[[], str],
    log: Callable[[str], None],
    timeout_seconds: float,
    what: str,
) -> None:
    """Retry `attempt` until it succeeds, saying every half minute who it waits for."""
    deadline = time.monotonic() + timeout_seconds
    next_report = time.monotonic()
    while not attempt():
        now = time.monotonic()
        if now >= deadline:
            raise LockTimeout(f"gave up after {timeout_seconds:.0f}s waiting to {what}: {describe_holder()}")
        if now >= next_report:
            log(f"waiting to {what}: {describe_holder()}")
            next_report = now + REPORT_EVERY_SECONDS
        time.sleep(POLL_SECONDS)


def try_flock(descriptor: int, exclusive: bool = True) -> bool:
    try:
        fcntl.flock(descriptor, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextmanager
def file_lock(
    path: Path, *, exclusive: bool, what: str, log: Callable[[str], None], timeout_seconds: float = 600.0
) -> Iterator[int]:
    """Hold `path` locked (exclusive for a writer, shared for readers) for the block."""
    settings.make_private_dirs(path.parent)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        wait_until(
            lambda: try_flock(descriptor, exclusive),
            lambda: f"{path} is held by another {'reader or writer' if exclusive else 'writer'}",
            log,
            timeout_seconds,
            what,
        )
        yield descriptor
    finally:
        os.close(descriptor)


@contextmanager
def _folder_lock(folder: Path, *, exclusive: bool) -> Iterator[None]:
    """The folder's own lock (a `flock` on the directory): held for an instant, so waited for."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)


def staging_pattern(name: str) -> str:
    """The names of the staging files of a destination called `name` (what `staging_file` creates)."""
    return f".{glob.escape(name)}.*.tmp"


@contextmanager
def staging_file(destination: Path) -> Iterator[Path]:
    """A staging file beside `destination`, locked by this process until the block ends: rename it
    over `destination` inside the block. Removed when the block fails; left behind only by a
    killed process, whose lock the kernel releases, for `sweep_staging` to remove."""
    folder = destination.parent
    folder.mkdir(parents=True, exist_ok=True)
    with _folder_lock(folder, exclusive=False):
        descriptor, staging = tempfile.mkstemp(dir=folder, prefix=f".{destination.name}.", suffix=".tmp")
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        yield Path(staging)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    finally:
        os.close(descriptor)


def sweep_staging(folder: Path, names: Iterable[str]) -> list[Path]:
    """Remove the staging files of the destinations `names` in `folder` that no live process holds
    (left by killed runs); the ones removed. Under the folder's lock, so a writer that has just
    created its staging file has locked it too."""
    if not folder.is_dir():
        return []
    swept = []
    with _folder_lock(folder, exclusive=True):
        for name in names:
            for path in sorted(folder.glob(staging_pattern(name))):
                try:
                    descriptor = os.open(path, os.O_RDONLY)
                except FileNotFoundError:
                    continue  # renamed into place meanwhile
                try:
                    if try_flock(descriptor):
                        path.unlink(missing_ok=True)
                        swept.append(path)
                finally:
                    os.close(descriptor)
    return swept
