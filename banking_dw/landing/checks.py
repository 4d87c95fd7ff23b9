"""Checks on landing: the file was structurally sound before publishing, and what landed is
exactly what was generated (present, same bytes, same rows). All lake reads go through the Lake."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg

from banking_dw.check_outcomes import CheckOutcome
from banking_dw.contracts import TableContract
from banking_dw.csv_io import count_csv_rows
from banking_dw.generator import csv_path
from banking_dw.landing.resources import Lake, file_md5, object_key

FILE_STRUCTURE_VALID = "file_structure_valid"
OBJECTS_PRESENT = "objects_present"
CHECKSUM_MATCHES = "checksum_matches_csv"
ROW_COUNT_MATCHES = "row_count_matches_csv"


def landing_check_specs(asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            FILE_STRUCTURE_VALID,
            asset=asset_key,
            blocking=True,
            description=(
                "Header equals the contract, not empty or header-only, ends with a newline, every line"
                " one row. A failing file is not landed (it goes to `_rejected/`) and nothing downstream runs."
            ),
        ),
        dg.AssetCheckSpec(OBJECTS_PRESENT, asset=asset_key, description="Every day's object is in the lake."),
        dg.AssetCheckSpec(CHECKSUM_MATCHES, asset=asset_key, description="Byte size and MD5 equal the CSV's."),
        dg.AssetCheckSpec(ROW_COUNT_MATCHES, asset=asset_key, description="Rows in the object equal rows in the CSV."),
    ]


def structure_outcome(table: TableContract, problems_by_day: dict[date, list[str]]) -> CheckOutcome:
    """One outcome for the window: every rejected day named with its problems and lines."""
    failing = {day: problems for day, problems in problems_by_day.items() if problems}
    if not failing:
        return CheckOutcome(
            FILE_STRUCTURE_VALID, True, f"{table.name}: {len(problems_by_day)} file(s) structurally valid"
        )
    described = "; ".join(
        f"{table.name} {day.isoformat()}: {', '.join(problems)}" for day, problems in sorted(failing.items())
    )
    return CheckOutcome(
        FILE_STRUCTURE_VALID,
        False,
        f"rejected, not landed: {described}",
        {"rejected_partitions": [day.isoformat() for day in sorted(failing)]},
    )


def verify_landed(table: TableContract, days: list[date], lake: Lake, data_dir: Path) -> list[CheckOutcome]:
    missing, mismatched, miscounted = [], [], []
    for day in days:
        label = day.isoformat()
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
        landed_rows, csv_rows = count_csv_rows(lake.read_bytes(key)), count_csv_rows(source.read_bytes())
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
