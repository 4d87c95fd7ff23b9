"""Checks that what landed is exactly what was generated: present, same bytes, same rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow.csv as pacsv

from banking_dw.check_outcomes import CheckOutcome
from banking_dw.contracts import TableContract
from banking_dw.generator import csv_path
from banking_dw.landing.resources import LocalLake, file_md5, object_key
from banking_dw.partitions import partition_label

OBJECTS_PRESENT = "objects_present"
CHECKSUM_MATCHES = "checksum_matches_csv"
ROW_COUNT_MATCHES = "row_count_matches_csv"


def landing_check_specs(asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(OBJECTS_PRESENT, asset=asset_key, description="Every day's object is in the lake."),
        dg.AssetCheckSpec(CHECKSUM_MATCHES, asset=asset_key, description="Byte size and MD5 equal the CSV's."),
        dg.AssetCheckSpec(ROW_COUNT_MATCHES, asset=asset_key, description="Rows in the object equal rows in the CSV."),
    ]


def count_csv_rows(path: Path) -> int:
    """Data rows, not lines (quoted values may hold newlines); a row with the wrong number of
    fields is still a row that arrived, so it counts."""
    malformed = 0

    def count_malformed(row: pacsv.InvalidRow) -> str:
        nonlocal malformed
        malformed += 1
        return "skip"

    reader = pacsv.open_csv(
        path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=count_malformed),
        convert_options=pacsv.ConvertOptions(include_columns=[]),
    )
    return sum(batch.num_rows for batch in reader) + malformed


def verify_landed(
    table: TableContract, days: list[date | None], lake: LocalLake, data_dir: Path
) -> list[CheckOutcome]:
    missing, mismatched, miscounted = [], [], []
    for day in days:
        label = partition_label(day)
        source = csv_path(data_dir, table.name, day)
        key = object_key(table, day)
        landed = lake.stat(key)
        if landed is None:
            missing.append(f"{label}: {key}")
            continue
        if not source.is_file():
            mismatched.append(f"{label}: the CSV {source} to compare with is gone")
            miscounted.append(f"{label}: the CSV {source} to compare with is gone")
            continue
        size, md5 = source.stat().st_size, file_md5(source)
        if (landed.size_bytes, landed.md5) != (size, md5):
            mismatched.append(
                f"{label}: {key} has {landed.size_bytes} bytes md5 {landed.md5}, CSV has {size} bytes md5 {md5}"
            )
        landed_rows, csv_rows = count_csv_rows(lake.local_path(key)), count_csv_rows(source)
        if landed_rows != csv_rows:
            miscounted.append(f"{label}: {key} has {landed_rows} rows, CSV has {csv_rows}")

    def outcome(name: str, problems: list[str], ok: str) -> CheckOutcome:
        if problems:
            return CheckOutcome(name, False, f"{table.name}: " + "; ".join(problems[:5]), {"failures": len(problems)})
        return CheckOutcome(name, True, f"{table.name}: {ok} for {len(days)} object(s)")

    return [
        outcome(OBJECTS_PRESENT, missing, "every object present"),
        outcome(CHECKSUM_MATCHES, mismatched + missing, "sizes and checksums match"),
        outcome(ROW_COUNT_MATCHES, miscounted + missing, "row counts match"),
    ]
