"""The text of one table's CSV files over a window, as the raw checks query it."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from banking_dw.contracts import TableContract
from banking_dw.csv_io import read_text_table


class WindowFiles:
    """One table's files over a window, loaded once and shared by its checks: every value as
    text, plus `partition` (the day) and `row_number` (1-based, per file) to name failures."""

    def __init__(self, table: TableContract, files: Mapping[date, Path]):
        self.table = table
        self.files = dict(files)
        self.header_problems: list[str] = []
        self.missing: list[str] = []
        self.malformed: list[tuple[str, int]] = []
        self.row_counts: dict[str, int] = {}
        parts = []
        for day, path in sorted(self.files.items()):
            label = day.isoformat()
            if not path.is_file():
                self.missing.append(label)
                self.header_problems.append(f"{label}: file missing at {path}")
                continue
            try:
                text, header, malformed = read_text_table(path)
            except (pa.ArrowInvalid, UnicodeDecodeError, csv.Error) as error:
                # Binary, compressed or not UTF-8: the landing audit names the byte; here, what failed.
                self.header_problems.append(f"{label}: not readable as CSV text ({type(error).__name__})")
                continue
            if tuple(header) != table.column_names:
                self.header_problems.append(f"{label}: header {header} != contract {list(table.column_names)}")
                continue
            self.malformed.extend((label, row) for row in malformed)
            self.row_counts[label] = text.num_rows
            parts.append(
                text.append_column("partition", pa.repeat(pa.scalar(label, pa.string()), text.num_rows)).append_column(
                    "row_number", pa.array(np.arange(1, text.num_rows + 1, dtype=np.int64))
                )
            )
        self.text = pa.concat_tables(parts) if parts else None

    @property
    def readable(self) -> bool:
        return self.text is not None and not self.header_problems
