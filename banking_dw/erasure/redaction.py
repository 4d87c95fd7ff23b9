"""Erased customers' personal values replaced by their placeholders (banking_dw.erasure.placeholders),
in a table the generator made or in a CSV file or object as the bank sends it; and their names and
emails redacted from the free-text columns the contract marks personal, wherever they appear (a
transaction's description naming them, on their own rows or anyone else's).

A file is rewritten line by line: only the rows of erased customers change, and in them only the
erased fields, written as the generator writes them (text quoted, dates bare); every other byte
stays as it was. So redacting a generated file gives the very bytes generating it redacted gives,
the raw file and its landed object stay equal (landing's checksum check), and redacting a redacted
file changes nothing. No value is ever logged or put in an error, only line numbers and counts.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from banking_dw.contracts import CONTRACTS, Personal, TableContract, contract
from banking_dw.csv_io import read_chunks, without_bom
from banking_dw.erasure.placeholders import ERASED_KEY, ERASED_TABLE, ERASED_TEXT, erased_columns, erased_value
from banking_dw.value_rules import VALUE_PATTERNS, ColumnType

_ID = re.compile(VALUE_PATTERNS[ColumnType.BIGINT].encode())


class RedactionError(ValueError):
    """A row of an erased customer that cannot be redacted safely (named by line, never by value)."""


@dataclass(frozen=True)
class Redacted:
    """What a redaction found: rows of erased customers, the rows it changed, and whose."""

    rows: int = 0
    changed: int = 0
    customers: frozenset[int] = frozenset()

    def __add__(self, other: Redacted) -> Redacted:
        return Redacted(self.rows + other.rows, self.changed + other.changed, self.customers | other.customers)


def redact_table(table: pa.Table, erased: frozenset[int]) -> tuple[pa.Table, Redacted]:
    """The generator's `dim_customers` table with the erased customers' values replaced."""
    if not erased or table.num_rows == 0:
        return table, Redacted()
    keys = table[ERASED_KEY]
    matches = pc.is_in(keys, value_set=pa.array(sorted(erased), type=keys.type))
    rows = pc.sum(matches).as_py() or 0
    if not rows:
        return table, Redacted()
    changed = None
    for column in erased_columns():
        index = table.schema.get_field_index(column.name)
        field = table.schema.field(index)
        placeholder = pa.scalar(erased_value(column)).cast(field.type)
        current = table[column.name]
        differs = pc.and_kleene(matches, pc.fill_null(pc.not_equal(current, placeholder), True))
        changed = differs if changed is None else pc.or_(changed, differs)
        table = table.set_column(index, field, pc.if_else(matches, placeholder, current))
    customers = frozenset(pc.unique(pc.filter(keys, matches)).to_pylist())
    return table, Redacted(rows, (pc.sum(changed).as_py() or 0) if changed is not None else 0, customers)


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a byte stream, each with its line ending (the last may have none)."""
    pending = b""
    for chunk in chunks:
        if not chunk:
            continue
        *complete, pending = (pending + chunk).split(b"\n")
        for line in complete:
            yield line + b"\n"
    if pending:
        yield pending


def _fields(text: str) -> list[str]:
    """The fields of one CSV line as they are written, quotes included (RFC 4180: a quote
    inside a quoted field is doubled, so toggling on every quote keeps track)."""
    fields, start, quoted = [], 0, False
    for position, character in enumerate(text):
        if character == '"':
            quoted = not quoted
        elif character == "," and not quoted:
            fields.append(text[start:position])
            start = position + 1
    fields.append(text[start:])
    return fields


def _unquoted(field: str) -> str:
    field = field.strip(" ")
    if len(field) >= 2 and field[0] == field[-1] == '"':
        return field[1:-1].replace('""', '"')
    return field


def _written(value: str, type: ColumnType) -> str:
    """A value as the generator's CSV writer writes it: text quoted, other types bare."""
    if type is ColumnType.VARCHAR:
        return '"' + value.replace('"', '""') + '"'
    return value


def _ending(line: bytes) -> tuple[bytes, bytes]:
    if line.endswith(b"\r\n"):
        return line[:-2], b"\r\n"
    if line.endswith(b"\n"):
        return line[:-1], b"\n"
    return line, b""


class _LineRedactor:
    """Redacts the lines of one file: the first is its header, which says where each column is."""

    def __init__(self, erased: frozenset[int]) -> None:
        self.erased = erased
        self.header: list[str] | None = None
        self.key_index: int | None = None
        self.replaced: dict[int, str] = {}
        self.number = 0
        self.result = Redacted()

    def redact(self, line: bytes) -> bytes:
        self.number += 1
        if self.header is None:
            self._read_header(line)
            return line
        if self.key_index is None:
            return line
        body, ending = _ending(line)
        customer = self.customer(body)
        if customer is None or customer not in self.erased:
            return line
        text = body.decode("utf-8", errors="surrogateescape")
        fields = _fields(text)
        if len(fields) != len(self.header):
            raise RedactionError(
                f"line {self.number}: the row of an erased customer has {len(fields)} fields where the header has"
                f" {len(self.header)}, so its personal values cannot be told apart to be erased"
            )
        for index, written in self.replaced.items():
            fields[index] = written
        redacted = ",".join(fields).encode("utf-8", errors="surrogateescape") + ending
        changed = int(redacted != line)
        self.result = self.result + Redacted(1, changed, frozenset({customer}))
        return redacted

    def _read_header(self, line: bytes) -> None:
        body, _ = _ending(without_bom(line))
        self.header = [_unquoted(name) for name in _fields(body.decode("utf-8", errors="replace"))]
        if ERASED_KEY not in self.header:
            return  # not a customers file the contract knows: the landing audit rejects it
        self.key_index = self.header.index(ERASED_KEY)
        self.replaced = {
            self.header.index(c.name): _written(erased_value(c), c.type)
            for c in erased_columns()
            if c.name in self.header
        }

    def customer(self, body: bytes) -> int | None:
        """The row's customer id, or None when it is not one (silver quarantines such a row)."""
        if self.key_index == 0:
            comma = body.find(b",")
            raw = body if comma < 0 else body[:comma]
            if b'"' in raw:
                raw = _unquoted(_fields(body.decode("utf-8", errors="replace"))[0]).encode()
        else:
            fields = _fields(body.decode("utf-8", errors="replace"))
            if self.key_index >= len(fields):
                return None
            raw = _unquoted(fields[self.key_index]).encode()
        raw = raw.strip(b" ").strip(b'"').strip(b" ")
        return int(raw) if _ID.fullmatch(raw) else None


def redact_stream(chunks: Iterable[bytes], sink: BinaryIO, erased: frozenset[int]) -> Redacted:
    """Copy a `dim_customers` CSV from `chunks` to `sink` with the erased customers' rows redacted."""
    redactor = _LineRedactor(erased)
    for line in _lines(chunks):
        sink.write(redactor.redact(line))
    return redactor.result


def _rows_of(chunks: Iterable[bytes], customers: frozenset[int]) -> Iterator[tuple[int, bytes, list[str]]]:
    """Each row of `customers` in a `dim_customers` CSV: the customer, the line without its ending,
    and the header."""
    redactor = _LineRedactor(customers)
    for line in _lines(chunks):
        if redactor.header is None:
            redactor.redact(line)
            continue
        if redactor.key_index is None:
            return
        body = _ending(line)[0]
        customer = redactor.customer(body)
        if customer in customers:
            yield customer, body, redactor.header


def customers_in(chunks: Iterable[bytes], customers: frozenset[int]) -> frozenset[int]:
    """Which of `customers` have a row in a `dim_customers` CSV."""
    found: set[int] = set()
    for customer, _, _ in _rows_of(chunks, customers):
        found.add(customer)
        if found == customers:
            break
    return frozenset(found)


# --------------------------------------------------------------------------- free text


def free_text_columns(table: TableContract) -> tuple[str, ...]:
    """The columns of `table` whose free text may name a customer: the direct identifiers of every
    table but the customers' own (a transaction's description)."""
    if table.name == ERASED_TABLE:
        return ()
    return tuple(c.name for c in table.columns if c.personal is Personal.DIRECT)


def free_text_tables() -> tuple[TableContract, ...]:
    return tuple(table for table in CONTRACTS if free_text_columns(table))


# A name or email shorter than this is too likely a part of other words to be redacted by itself.
SHORTEST_TEXT = 5
_PLACEHOLDERS = {ERASED_TEXT, f"{ERASED_TEXT} {ERASED_TEXT}"}


def identifying_texts(row: dict[str, str]) -> set[str]:
    """What names a customer in free text, from one of their rows: the full name and the email
    (a placeholder, or a value too short to tell from other words, is left out)."""
    name = " ".join(part.strip() for part in (row.get("first_name") or "", row.get("last_name") or "") if part.strip())
    email = (row.get("email") or "").strip()
    placeholders = _PLACEHOLDERS | {erased_value(contract(ERASED_TABLE).column("email"))}
    return {text for text in (name, email) if len(text) >= SHORTEST_TEXT and text not in placeholders}


def texts_in(chunks: Iterable[bytes], customers: frozenset[int]) -> frozenset[str]:
    """The identifying texts of `customers`' rows in a `dim_customers` CSV (before it is redacted)."""
    found: set[str] = set()
    for _, body, header in _rows_of(chunks, customers):
        fields = [_unquoted(f) for f in _fields(body.decode("utf-8", errors="surrogateescape"))]
        if len(fields) == len(header):
            found |= identifying_texts(dict(zip(header, fields, strict=True)))
    return frozenset(found)


class _TextRedactor:
    """Redacts `texts` (case-insensitive) from the `columns` of one file's lines, block by block: a
    block with no match is copied as it is, so the cost is a search of the file."""

    def __init__(self, columns: Sequence[str], texts: frozenset[str]) -> None:
        ordered = sorted(texts, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)
        # As a quoted CSV field writes them: a quote inside a value is doubled.
        written = {t.replace('"', '""') for t in ordered}
        self.anywhere = re.compile(
            "|".join(re.escape(t) for t in sorted(written, key=len, reverse=True)), re.IGNORECASE
        )
        self.columns = columns
        self.indexes: list[int] = []
        self.header: list[str] | None = None
        self.number = 0
        self.result = Redacted()

    def block(self, data: bytes) -> bytes:
        """Whole lines (the first block starts with the header)."""
        if self.header is None:
            first, newline, rest = data.partition(b"\n")
            self.number += 1
            body = without_bom(first).removesuffix(b"\r")
            self.header = [_unquoted(name) for name in _fields(body.decode("utf-8", errors="replace"))]
            self.indexes = [self.header.index(c) for c in self.columns if c in self.header]
            return first + newline + (self.block(rest) if rest else b"")
        if not self.indexes or not self.anywhere.search(data.decode("utf-8", errors="surrogateescape")):
            self.number += data.count(b"\n")
            return data
        return b"".join(self._line(line) for line in data.splitlines(keepends=True))

    def _line(self, line: bytes) -> bytes:
        self.number += 1
        body, ending = _ending(line)
        text = body.decode("utf-8", errors="surrogateescape")
        if not self.anywhere.search(text):
            return line
        fields = _fields(text)
        if self.header is None or len(fields) != len(self.header):
            raise RedactionError(
                f"line {self.number}: a row naming an erased customer has {len(fields)} fields where the header"
                f" has {len(self.header or [])}, so its free text cannot be told apart to be redacted"
            )
        changed = False
        for index in self.indexes:
            value = _unquoted(fields[index])
            redacted = self.pattern.sub(ERASED_TEXT, value)
            if redacted != value:
                fields[index], changed = _written(redacted, ColumnType.VARCHAR), True
        self.result = self.result + Redacted(1, int(changed))
        if not changed:
            return line
        return ",".join(fields).encode("utf-8", errors="surrogateescape") + ending


def redact_text_stream(
    chunks: Iterable[bytes], sink: BinaryIO, columns: Sequence[str], texts: frozenset[str]
) -> Redacted:
    """Copy a CSV from `chunks` to `sink` with `texts` replaced by the placeholder in `columns`."""
    if not texts:
        for chunk in chunks:
            sink.write(chunk)
        return Redacted()
    redactor, pending = _TextRedactor(columns, texts), b""
    for chunk in chunks:
        data = pending + chunk
        cut = data.rfind(b"\n") + 1
        if cut:
            sink.write(redactor.block(data[:cut]))
        pending = data[cut:]
    if pending:
        sink.write(redactor.block(pending) if redactor.header is not None else pending)
    return redactor.result


# --------------------------------------------------------------------------- files

# A redaction: copies a file's chunks to a sink, redacted, and says what changed.
Redaction = Callable[[Iterable[bytes], BinaryIO], Redacted]


def customer_redaction(erased: frozenset[int]) -> Redaction:
    """The erased customers' rows of a `dim_customers` file, their personal values replaced."""
    return lambda chunks, sink: redact_stream(chunks, sink, erased)


def free_text_redaction(table: TableContract, texts: frozenset[str]) -> Redaction:
    """The erased customers' names and emails redacted from `table`'s free-text columns."""
    columns = free_text_columns(table)
    return lambda chunks, sink: redact_text_stream(chunks, sink, columns, texts)


@dataclass(frozen=True)
class RedactedCopy:
    """A redacted copy of a file or object in a temporary file, with what changed."""

    path: Path
    redacted: Redacted

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def redacted_copy(chunks: Iterable[bytes], redaction: Redaction, folder: Path | None = None) -> RedactedCopy:
    """The content of `chunks` redacted into a temporary file (in `folder`, to be renamed over the
    original there); the caller keeps or discards it."""
    descriptor, staging = tempfile.mkstemp(dir=folder, prefix=".redacted.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as sink:
            redacted = redaction(chunks, sink)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return RedactedCopy(Path(staging), redacted)


def redact_file(path: Path, erased: frozenset[int]) -> Redacted:
    """Redact a local `dim_customers` CSV in place for the erased customers (see `rewrite_file`)."""
    if not erased:
        return Redacted()
    return rewrite_file(path, customer_redaction(erased))


def rewrite_file(path: Path, redaction: Redaction) -> Redacted:
    """Redact a local CSV in place, atomically (a reader sees the old file or the new one); a file
    with nothing to change is left untouched."""
    copy = redacted_copy(read_chunks(path), redaction, folder=path.parent)
    if copy.redacted.changed:
        os.replace(copy.path, path)
    else:
        copy.discard()
    return copy.redacted
