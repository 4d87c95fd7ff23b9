"""Checks that the catalog exposes what landed: the contract's columns, the days, every row."""

from __future__ import annotations

from datetime import date

import dagster as dg

from banking_dw.bronze.resources import Catalog
from banking_dw.check_outcomes import CheckOutcome
from banking_dw.contracts import TableContract
from banking_dw.csv_io import count_csv_rows, csv_header
from banking_dw.landing.resources import Lake, object_key

COLUMNS_MATCH = "columns_match_contract"
PARTITIONS_VISIBLE = "partitions_visible"
ROW_COUNT_MATCHES = "row_count_matches_landed"


def bronze_check_specs(asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(COLUMNS_MATCH, asset=asset_key, description="Catalog columns equal the contract, plus `dt`."),
        dg.AssetCheckSpec(
            PARTITIONS_VISIBLE, asset=asset_key, description="Every day of the window is visible in the table."
        ),
        dg.AssetCheckSpec(
            ROW_COUNT_MATCHES, asset=asset_key, description="Rows per day equal the landed object's rows."
        ),
    ]


def expected_columns(table: TableContract) -> tuple[str, ...]:
    return (*table.column_names, "dt")


def _landed(lake: Lake, table: TableContract, day: date) -> bytes | None:
    key = object_key(table, day)
    return lake.read_bytes(key) if lake.stat(key) is not None else None


def verify_bronze(table: TableContract, days: list[date], catalog: Catalog, lake: Lake) -> list[CheckOutcome]:
    columns = catalog.columns(table)
    if not columns:
        problem = f"{table.name}: not in the catalog; materialise {table.name} in bronze (the crawl) first"
        return [CheckOutcome(name, False, problem) for name in (COLUMNS_MATCH, PARTITIONS_VISIBLE, ROW_COUNT_MATCHES)]
    expected = expected_columns(table)
    objects = {day: _landed(lake, table, day) for day in days}
    # The table reads files by position, so a file whose header differs would be misread silently.
    drifted = {
        day.isoformat(): header
        for day, data in objects.items()
        if data is not None and tuple(header := csv_header(data)) != table.column_names
    }
    column_problems = []
    if columns != expected:
        column_problems.append(f"catalog columns {list(columns)} != contract {list(expected)}")
    column_problems.extend(f"{label}: object header {header} != contract" for label, header in drifted.items())
    outcomes = [
        CheckOutcome(COLUMNS_MATCH, False, f"{table.name}: " + "; ".join(column_problems))
        if column_problems
        else CheckOutcome(COLUMNS_MATCH, True, f"{table.name}: catalog and object headers match the contract")
    ]
    visible = catalog.partitions(table, days)
    invisible = [day.isoformat() for day in days if day not in visible]
    outcomes.append(
        CheckOutcome(PARTITIONS_VISIBLE, False, f"{table.name}: not visible: {', '.join(invisible)}")
        if invisible
        else CheckOutcome(PARTITIONS_VISIBLE, True, f"{table.name}: {len(days)} partition(s) visible")
    )
    counts = catalog.row_counts(table, days)
    landed = {day: None if data is None else count_csv_rows(data) for day, data in objects.items()}
    differing = {
        day.isoformat(): {"bronze": counts[day], "landed": landed[day]} for day in days if counts[day] != landed[day]
    }
    if differing:
        described = "; ".join(
            f"{k}: bronze {v['bronze']} vs landed {'nothing' if v['landed'] is None else v['landed']}"
            for k, v in differing.items()
        )
        outcomes.append(
            CheckOutcome(
                ROW_COUNT_MATCHES,
                False,
                f"{table.name}: rows differ from landed: {described}",
                {"differences": differing},
            )
        )
    else:
        outcomes.append(
            CheckOutcome(
                ROW_COUNT_MATCHES,
                True,
                f"{table.name}: row counts equal landed",
                {"rows": {day.isoformat(): counts[day] for day in days}},
            )
        )
    return outcomes
