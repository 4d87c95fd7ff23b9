"""Reading the project's CSV files as text, shared by every layer that looks inside one.

Values stay text (the contract judges them); a UTF-8 byte order mark from a spreadsheet export is
not part of the first column's name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

UTF8_BOM = b"\xef\xbb\xbf"


class Digest(Protocol):
    """A running hash, as hashlib's."""

    def update(self, data: bytes, /) -> None: ...


def read_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    """A file's bytes in blocks of `size`, so a file of any size is read in bounded memory."""
    with Path(path).open("rb") as handle:
        yield from iter(lambda: handle.read(size), b"")


def without_bom(data: bytes) -> bytes:
    return data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data


def csv_header(data: bytes) -> list[str]:
    """The first record's fields (BOM-tolerant); [] for an empty file."""
    first_line = without_bom(data).split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")
    try:
        return next(csv.reader(io.StringIO(first_line)), [])
    except csv.Error:  # a carriage return inside the line: no header a contract has either
        return first_line.split(",")


def hashing_aside(chunks: Iterable[bytes], digest: Digest) -> Iterator[bytes]:
    """Each of `chunks`, hashed into `digest` on a second thread while the caller reads it: a
    hash lets go of the GIL, so reading a file and checksumming it take the time of the longer."""
    with ThreadPoolExecutor(max_workers=1) as hashing:
        hashed = None
        for chunk in chunks:
            if hashed is not None:
                hashed.result()
            hashed = hashing.submit(digest.update, chunk)
            yield chunk
        if hashed is not None:
            hashed.result()


def read_csv_header(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def count_rows(chunks: Iterable[bytes]) -> int:
    """Data rows of a published file: its lines after the header (the landing audit lets through
    only files whose every line is one row and ends in a newline)."""
    newlines, last = 0, b""
    for chunk in chunks:
        if chunk:
            newlines, last = newlines + chunk.count(b"\n"), chunk[-1:]
    lines = newlines + (1 if last not in (b"", b"\n") else 0)
    return max(lines - 1, 0)
