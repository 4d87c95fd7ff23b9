"""Checks that the catalog exposes what landed: the contract's columns, the days, every row."""

from __future__ import annotations

from datetime import date

import dagster as dg

from banking_dw.check_outcomes import CheckOutcome
from banking_dw.bronze.resources import CatalogTable, LocalCatalog
from banking_dw.contracts import TableContract
from banking_dw.landing.checks import count_csv_rows
from banking_dw.landing.resources import object_key
from banking_dw.partitions import partition_label
from banking_dw.raw.checks import read_csv_header

COLUMNS_MATCH = "columns_match_contract"
PARTITIONS_VISIBLE = "partitions_visible"
ROW_COUNT_MATCHES = "row_count_matches_landed"


def bronze_check_specs(asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(COLUMNS_MATCH, asset=asset_key, description="Catalog columns equal the contract (plus `dt` when partitioned)."),
        dg.AssetCheckSpec(PARTITIONS_VISIBLE, asset=asset_key, description="Every day of the window is visible in the table."),
        dg.AssetCheckSpec(ROW_COUNT_MATCHES, asset=asset_key, description="Rows per day equal the landed object's rows."),
    ]


def expected_columns(table: TableContract) -> tuple[str, ...]:
    return table.column_names + (("dt",) if table.partitioned else ())


def _landed_rows(catalog: LocalCatalog, table: TableContract, day: date | None) -> int | None:
    path = catalog.lake.local_path(object_key(table, day))
    return count_csv_rows(path) if path.is_file() else None


def _landed_header(catalog: LocalCatalog, table: TableContract, day: date | None) -> list[str] | None:
    path = catalog.lake.local_path(object_key(table, day))
    return read_csv_header(path) if path.is_file() else None


def verify_bronze(
    table: TableContract, days: list[date | None], crawled: CatalogTable, catalog: LocalCatalog
) -> list[CheckOutcome]:
    if not crawled.columns:
        problem = f"{table.name}: not in the catalog; materialise {table.name} in bronze (the crawl) first"
        return [CheckOutcome(name, False, problem) for name in (COLUMNS_MATCH, PARTITIONS_VISIBLE, ROW_COUNT_MATCHES)]
    expected = expected_columns(table)
    # The table reads files by position, so a file whose header differs would be misread silently.
    headers = {partition_label(day): _landed_header(catalog, table, day) for day in days}
    drifted = {
        label: header for label, header in headers.items() if header is not None and tuple(header) != table.column_names
    }
    column_problems = []
    if crawled.columns != expected:
        column_problems.append(f"catalog columns {list(crawled.columns)} != contract {list(expected)}")
    column_problems.extend(f"{label}: object header {header} != contract" for label, header in drifted.items())
    outcomes = [
        CheckOutcome(COLUMNS_MATCH, False, f"{table.name}: " + "; ".join(column_problems))
        if column_problems
        else CheckOutcome(COLUMNS_MATCH, True, f"{table.name}: catalog and object headers match the contract")
    ]
    visible = catalog.row_counts(table, days)
    landed = {day: _landed_rows(catalog, table, day) for day in days}
    # A day (or an unpartitioned table) that reads no rows is not visible: every export has rows.
    invisible = [partition_label(day) for day in days if visible[day] == 0]
    outcomes.append(
        CheckOutcome(PARTITIONS_VISIBLE, False, f"{table.name}: not visible: {', '.join(invisible)}")
        if invisible
        else CheckOutcome(PARTITIONS_VISIBLE, True, f"{table.name}: {len(days)} partition(s) visible")
    )
    differing = {
        partition_label(day): {"bronze": visible[day], "landed": landed[day]}
        for day in days
        if visible[day] != landed[day]
    }
    if differing:
        described = "; ".join(
            f"{k}: bronze {v['bronze']} vs landed {'nothing' if v['landed'] is None else v['landed']}"
            for k, v in differing.items()
        )
        outcomes.append(
            CheckOutcome(ROW_COUNT_MATCHES, False, f"{table.name}: rows differ from landed: {described}",
                         {"differences": differing})
        )
    else:
        outcomes.append(
            CheckOutcome(ROW_COUNT_MATCHES, True, f"{table.name}: row counts equal landed",
                         {"rows": {partition_label(day): visible[day] for day in days}})
        )
    return outcomes
