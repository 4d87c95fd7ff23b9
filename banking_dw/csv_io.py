"""Reading the project's CSV files as text, shared by every layer that looks inside one.

Values stay text (the contract judges them); a UTF-8 byte order mark from a spreadsheet export is
not part of the first column's name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"


def read_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    """A file's bytes in blocks of `size`, so a file of any size is read in bounded memory."""
    with Path(path).open("rb") as handle:
        yield from iter(lambda: handle.read(size), b"")


def without_bom(data: bytes) -> bytes:
    return data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data


def csv_header(data: bytes) -> list[str]:
    """The first record's fields (BOM-tolerant); [] for an empty file."""
    first_line = without_bom(data).split(b"\n", 1)[0].decode("utf-8", errors="replace")
    return next(csv.reader(io.StringIO(first_line)), [])


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
