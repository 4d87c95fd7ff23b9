"""The structural audit a CSV must pass before it is published to the lake (write-audit-publish).

Values are not judged here (raw checks and silver's quarantine do that); only whether every
reader will see the same rows under the contract's header. Vectorised: lines are counted with
bytes.count and rows parsed by pyarrow, so a file of millions of rows costs no Python loop.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from banking_dw.contracts import TableContract
from banking_dw.csv_io import count_csv_rows, csv_header, without_bom

_NEWLINE, _QUOTE = ord("\n"), ord('"')


def _first_line_with_open_quote(data: bytes) -> int | None:
    """1-based line at whose end a quoted value is still open (odd number of quotes so far)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(buffer == _QUOTE)
    line_ends = np.flatnonzero(buffer == _NEWLINE)
    if len(line_ends) == 0 or line_ends[-1] != len(data) - 1:
        line_ends = np.append(line_ends, len(data))
    open_at_end = np.searchsorted(quotes, line_ends) % 2 == 1
    first = np.flatnonzero(open_at_end)
    return int(first[0]) + 1 if len(first) else None


def audit_csv(data: bytes, table: TableContract) -> list[str]:
    """What is structurally wrong with `data` as `table`'s CSV, each problem naming its line; [] if fine."""
    if not data:
        return ["line 1: the file is empty (0 bytes)"]
    body = without_bom(data)
    header = csv_header(body)
    if tuple(header) != table.column_names:
        return [f"line 1: header {header} != contract {list(table.column_names)}"]
    lines = body.count(b"\n")
    problems = []
    if not body.endswith(b"\n"):
        lines += 1
        problems.append(f"line {lines}: the last line has no newline (truncated file?)")
    if lines < 2:
        return [*problems, "line 2: no data rows (header only)"]
    unclosed = _first_line_with_open_quote(body) if body.count(b'"') % 2 else None
    if unclosed is not None:
        problems.append(f"line {unclosed}: a quoted value is not closed before the end of the line")
    try:
        rows = count_csv_rows(body)
    except pa.ArrowInvalid as error:
        return [*problems, f"line {unclosed or 1}: unparseable CSV: {error}"]
    if rows != lines - 1 and unclosed is None:
        suspect = _first_line_with_open_quote(body)
        where = f"line {suspect}" if suspect else f"line {lines}"
        problems.append(f"{where}: {rows} rows parsed from {lines - 1} data lines (a value spans lines)")
    return problems
