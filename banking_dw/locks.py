"""Operating-system file locks, for the local target's shared files (the warehouse, the lake).

The kernel releases a `flock` when its process dies, so a killed run never leaves a lock held and
no user ever frees one by hand (a Dagster pool slot would stay taken).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
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
