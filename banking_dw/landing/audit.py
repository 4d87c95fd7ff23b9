"""The structural audit a CSV must pass before it is published to the lake (write-audit-publish).

Values are not judged here (the raw checks and silver's quarantine do that); only whether every
reader will see the same rows under the contract's header: UTF-8 text (a byte order mark is
tolerated), the contract's header, every line one row ending in a newline, no empty line, and data
rows unless the table's daily file may be empty (`Extract.EVENTS`). A value never spans lines in
the bank's export: Glue's OpenCSVSerde reads one record per line, so such a file is rejected.

The file is read once, in chunks, so a day of any size costs bounded memory; the same pass gives
the rows, bytes and MD5 the day's manifest records. Problems name their line (and byte offset for
bad bytes), never a value: a file's content may be personal data.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from banking_dw.contracts import TableContract
from banking_dw.csv_io import csv_header, hashing_aside, read_chunks

CHUNK_BYTES = 16 << 20
# A header longer than this is not a header.
MAX_HEADER_BYTES = 1 << 16
COMPRESSED_SIGNATURES = {
    b"\x1f\x8b": "gzip",
    b"PK\x03\x04": "zip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}
UTF16_BOMS = {b"\xff\xfe": "UTF-16 little-endian", b"\xfe\xff": "UTF-16 big-endian"}
_NEWLINE, _QUOTE, _CARRIAGE_RETURN = ord("\n"), ord('"'), ord("\r")


@dataclass
class Audit:
    """What the audit found, and the figures of the file it read."""

    problems: list[str] = field(default_factory=list)
    rows: int = 0
    size_bytes: int = 0
    md5: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems


def audit_file(path: Path, table: TableContract) -> Audit:
    return audit_chunks(read_chunks(path, CHUNK_BYTES), table)


def audit_csv(data: bytes, table: TableContract) -> list[str]:
    """The problems of a file held in memory; [] if it is sound."""
    return audit_chunks([data], table).problems


def audit_chunks(chunks: Iterable[bytes], table: TableContract) -> Audit:
    scanner = _Scanner()
    for chunk in hashing_aside(chunks, scanner.md5):
        if chunk:
            scanner.feed(chunk)
    return scanner.finish(table)


def describe_header(header: list[str], table: TableContract) -> str | None:
    """Why `header` is not the contract's, naming only contract columns (an unexpected field may be
    data: a file that lost its header starts with a row); None when it is."""
    expected = list(table.column_names)
    if header == expected:
        return None
    missing = [c for c in expected if c not in header]
    unknown = sum(1 for h in header if h not in expected)
    parts = ["line 1: header differs from the contract"]
    if missing:
        parts.append(f"missing {missing}")
    if unknown:
        parts.append(f"{unknown} field(s) that are not contract columns")
    if not missing and not unknown:
        first = next(i for i, (h, e) in enumerate(zip(header, expected, strict=False)) if h != e)
        parts.append(f"the columns are in another order from field {first + 1} (expected {expected[first]!r})")
    return parts[0] + ": " + "; ".join(parts[1:])


class _Scanner:
    """One pass over the bytes: checksum, size, lines, the header, and the first of each problem."""

    def __init__(self) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0
        self.newlines = 0
        self.head = b""
        self.last_byte = b""
        # The offset in the file of the last newline fed; before the first, far enough back that no
        # line before the file's first ends empty.
        self.last_newline = -3
        self.open_quotes = 0  # quotes seen on the current line, modulo 2
        self.utf8_pending = b""  # an incomplete UTF-8 sequence at the end of the last chunk
        self.first: dict[str, str] = {}

    def note(self, kind: str, problem: str) -> None:
        self.first.setdefault(kind, problem)

    def where(self, offset: int, chunk: bytes) -> str:
        """`line L, byte B` of an offset within `chunk`, the chunk starting at `self.size`."""
        line = self.newlines + chunk.count(b"\n", 0, offset) + 1
        return f"line {line}, byte {self.size + offset}"

    def feed(self, chunk: bytes) -> None:
        if len(self.head) < MAX_HEADER_BYTES:
            self.head += chunk[: MAX_HEADER_BYTES - len(self.head)]
        if "encoding" not in self.first:
            self._check_utf8(chunk)
        if "binary" not in self.first and (nul := chunk.find(b"\x00")) >= 0:
            self.note("binary", f"{self.where(nul, chunk)}: a NUL byte: binary data, not CSV text")
        self.newlines += self._check_lines(chunk)
        self.size += len(chunk)
        self.last_byte = chunk[-1:]

    def _check_utf8(self, chunk: bytes) -> None:
        data = self.utf8_pending + chunk
        try:
            _, consumed = codecs.utf_8_decode(data, "strict", False)
        except UnicodeDecodeError as error:
            offset = error.start - len(self.utf8_pending)
            if offset < 0:  # the bad sequence began in the previous chunk
                self.note("encoding", f"byte {self.size + offset}: not UTF-8 text")
            else:
                self.note("encoding", f"{self.where(offset, chunk)}: not UTF-8 text (byte 0x{chunk[offset]:02x})")
            return
        self.utf8_pending = data[consumed:]

    def _check_lines(self, chunk: bytes) -> int:
        """The quote and blank-line problems of the lines ending in `chunk`; its newlines."""
        buffer = np.frombuffer(chunk, dtype=np.uint8)
        newlines = np.flatnonzero(buffer == _NEWLINE)
        if "quote" not in self.first and len(newlines):
            quotes = np.flatnonzero(buffer == _QUOTE)
            # Quotes on each line that ends in this chunk (the first line started before it).
            per_line = np.diff(np.searchsorted(quotes, newlines), prepend=0)
            per_line[0] += self.open_quotes
            odd = np.flatnonzero(per_line % 2)
            if len(odd):
                line = self.newlines + int(odd[0]) + 1
                self.note(
                    "quote",
                    f"line {line}: a quoted value is not closed by the end of the line"
                    " (a value never spans lines in the bank's export)",
                )
            self.open_quotes = int(len(quotes) - np.searchsorted(quotes, newlines[-1])) % 2
        elif "quote" not in self.first:
            self.open_quotes = (self.open_quotes + chunk.count(b'"')) % 2
        if "blank" not in self.first and len(newlines):
            # A newline one byte after the previous one, or two bytes after it with "\r" between,
            # ends an empty line.
            at = newlines + self.size
            gaps = np.diff(at, prepend=self.last_newline)
            after_one = newlines[gaps == 2]
            # the byte before each: at the chunk's start, the previous chunk's last byte
            before = np.where(
                after_one > 0, buffer[np.maximum(after_one - 1, 0)], self.last_byte[0] if self.last_byte else 0
            )
            carriage = np.flatnonzero(gaps == 2)[before == _CARRIAGE_RETURN]
            blank = np.union1d(np.flatnonzero(gaps == 1), carriage)
            if len(blank):
                self.note("blank", f"line {self.newlines + int(blank[0]) + 1}: an empty line")
        if len(newlines):
            self.last_newline = self.size + int(newlines[-1])
        return len(newlines)

    def finish(self, table: TableContract) -> Audit:
        audit = Audit(size_bytes=self.size, md5=self.md5.hexdigest())
        if self.size == 0:
            audit.problems = ["line 1: the file is empty (0 bytes)"]
            return audit
        for signature, kind in COMPRESSED_SIGNATURES.items():
            if self.head.startswith(signature):
                audit.problems = [f"line 1: the file is {kind}-compressed; land the uncompressed CSV"]
                return audit
        for bom, kind in UTF16_BOMS.items():
            if self.head.startswith(bom):
                audit.problems = [f"line 1: the file is {kind} text; the contract's files are UTF-8"]
                return audit
        ends_with_newline = self.last_byte == b"\n"
        lines = self.newlines + (0 if ends_with_newline else 1)
        audit.rows = max(lines - 1, 0)
        problems = [self.first[kind] for kind in ("encoding", "binary") if kind in self.first]
        header_problem = describe_header(csv_header(self.head), table)
        if header_problem:
            problems.append(header_problem)
        problems.extend(self.first[kind] for kind in ("quote", "blank") if kind in self.first)
        if not ends_with_newline:
            problems.append(f"line {lines}: the last line has no newline (truncated file?)")
        if audit.rows == 0 and not table.may_be_empty:
            problems.append(f"line 2: no data rows (header only); {table.name} is a full extract, never empty")
        audit.problems = problems
        return audit
