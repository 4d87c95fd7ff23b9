"""Checks that the catalog exposes what landed: the contract's columns, every published day, and
exactly the rows the bank sent (the day's manifest), never a day missing or half-read."""

from __future__ import annotations

from datetime import date

import dagster as dg

from banking_dw.bronze.resources import CatalogTable
from banking_dw.check_outcomes import CheckOutcome
from banking_dw.contracts import TableContract
from banking_dw.csv_io import csv_header
from banking_dw.landing.resources import DayManifest, LakeResource, stray_objects
from banking_dw.layout import table_prefix

COLUMNS_MATCH = "columns_match_contract"
PARTITIONS_VISIBLE = "partitions_visible"
ROW_COUNT_MATCHES_LANDED = "row_count_matches_landed"
ONLY_NAMED_OBJECTS = "only_named_objects"
HEADER_BYTES = 1 << 16


def bronze_check_specs(asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(COLUMNS_MATCH, asset=asset_key, description="Catalog columns equal the contract, plus `dt`."),
        dg.AssetCheckSpec(
            PARTITIONS_VISIBLE,
            asset=asset_key,
            blocking=True,
            description="Every day of the window is visible in the table.",
        ),
        dg.AssetCheckSpec(
            ROW_COUNT_MATCHES_LANDED,
            asset=asset_key,
            blocking=True,
            description="Rows per day equal the rows the day's manifest says were landed.",
        ),
        dg.AssetCheckSpec(
            ONLY_NAMED_OBJECTS,
            asset=asset_key,
            blocking=True,
            description=(
                "Each day's folder holds only the object its manifest names: Spectrum would read any other"
                " object there as data (the local views read the named object only), so a stray blocks the day."
            ),
        ),
    ]


def strays_outcome(table: TableContract, lake: LakeResource, manifests: dict[date, DayManifest]) -> CheckOutcome:
    """Objects in the window's day folders that no manifest names, by key (never their content):
    one listing of the table's prefix."""
    strays = stray_objects(table.name, lake.sizes(table_prefix(table.name)), manifests)
    if not strays:
        return CheckOutcome(ONLY_NAMED_OBJECTS, True, f"{table.name}: each day's folder holds its named object only")
    described = "; ".join(f"{day.isoformat()}: {', '.join(keys)}" for day, keys in sorted(strays.items()))
    return CheckOutcome(
        ONLY_NAMED_OBJECTS,
        False,
        f"{table.name}: objects the day's manifest does not name (remove them, then run the day again): {described}",
        {"stray_objects": {day.isoformat(): keys for day, keys in sorted(strays.items())}},
        failed_days=frozenset(strays),
    )


def expected_columns(table: TableContract) -> tuple[str, ...]:
    return (*table.column_names, "dt")


def verify_bronze(
    table: TableContract,
    days: list[date],
    shown: CatalogTable,
    manifests: dict[date, DayManifest],
    lake: LakeResource,
) -> list[CheckOutcome]:
    columns = shown.columns
    if not columns:
        problem = f"{table.name}: not in the catalog; materialise {table.name} in bronze (the crawl) first"
        return [
            CheckOutcome(name, False, problem)
            for name in (COLUMNS_MATCH, PARTITIONS_VISIBLE, ROW_COUNT_MATCHES_LANDED, ONLY_NAMED_OBJECTS)
        ]
    landed = {day: manifests[day].tables.get(table.name) for day in days}
    # The table reads files by position, so an object whose header differs would be misread silently.
    drifted = {}
    for day, entry in landed.items():
        if entry is not None:
            try:
                header = tuple(csv_header(lake.read_head(entry.key, HEADER_BYTES)))
            except FileNotFoundError:
                continue  # read as no rows: the row count check fails naming the day
            if header != table.column_names:
                drifted[day.isoformat()] = list(header)
    column_problems = []
    if columns != expected_columns(table):
        column_problems.append(f"catalog columns {list(columns)} != contract {list(expected_columns(table))}")
    column_problems.extend(f"{label}: object header {header} != contract" for label, header in drifted.items())
    outcomes = [
        CheckOutcome(COLUMNS_MATCH, False, f"{table.name}: " + "; ".join(column_problems))
        if column_problems
        else CheckOutcome(COLUMNS_MATCH, True, f"{table.name}: catalog and object headers match the contract")
    ]
    invisible = [day.isoformat() for day in days if day not in shown.partitions]
    outcomes.append(
        CheckOutcome(PARTITIONS_VISIBLE, False, f"{table.name}: not visible: {', '.join(invisible)}")
        if invisible
        else CheckOutcome(PARTITIONS_VISIBLE, True, f"{table.name}: {len(days)} day(s) visible")
    )
    counts = shown.row_counts
    differing = {
        day.isoformat(): {"bronze": counts[day], "landed": None if landed[day] is None else landed[day].rows}
        for day in days
        if landed[day] is None or counts[day] != landed[day].rows
    }
    if differing:
        described = "; ".join(
            f"{k}: bronze {v['bronze']} vs landed {'nothing' if v['landed'] is None else v['landed']}"
            for k, v in differing.items()
        )
        outcomes.append(
            CheckOutcome(
                ROW_COUNT_MATCHES_LANDED,
                False,
                f"{table.name}: rows differ from landed: {described}",
                {"differences": differing},
            )
        )
    else:
        outcomes.append(
            CheckOutcome(
                ROW_COUNT_MATCHES_LANDED,
                True,
                f"{table.name}: row counts equal landed",
                {"rows": {day.isoformat(): counts[day] for day in days}},
            )
        )
    outcomes.append(strays_outcome(table, lake, manifests))
    return outcomes
