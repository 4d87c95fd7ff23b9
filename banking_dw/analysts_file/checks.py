"""`equals_the_warehouse`, the analysts' file's check: day by day, each table analysts read holds in
their file the warehouse's rows (the same count and the same order-free hash of the rows, per day
for a table with a `partition_date`, whole for a dimension or a report), and the file holds no
other table. A difference is named by table and day (or table), and counted, never shown.

It judges every day the file holds, whatever the run's window: a day outside the window that
differs fails on its own day, and the window's days then pass naming it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dagster as dg

from banking_dw.check_days import partitioned
from banking_dw.check_outcomes import CheckOutcome
from banking_dw.warehouse import CopyDifference

EQUALS_THE_WAREHOUSE = "equals_the_warehouse"
# Differences a failing check names before counting the rest.
NAMED = 10


def check_spec(key: dg.AssetKey, partitions: dg.PartitionsDefinition) -> dg.AssetCheckSpec:
    return partitioned(
        dg.AssetCheckSpec(
            EQUALS_THE_WAREHOUSE,
            asset=key,
            description=(
                "Day by day, every table analysts read has the warehouse's rows in their file (row count and an"
                " order-free hash of the rows; dimensions and reports as a whole), and nothing else."
            ),
        ),
        partitions,
    )


def outcome(differences: Sequence[CopyDifference], tables: int) -> CheckOutcome:
    """The check's verdict on a comparison of `tables` tables: the days that differ, or None (every
    day judged) when a whole table does."""
    if not differences:
        return CheckOutcome(
            EQUALS_THE_WAREHOUSE,
            True,
            f"the {tables} tables analysts read equal the warehouse's, day by day",
            {"tables_compared": tables, "differences": 0},
        )
    named = "; ".join(str(difference) for difference in differences[:NAMED])
    more = f"; and {len(differences) - NAMED} more" if len(differences) > NAMED else ""
    dated = [difference.day for difference in differences]
    return CheckOutcome(
        EQUALS_THE_WAREHOUSE,
        False,
        f"the analysts' file differs from the warehouse in {len(differences)} place(s): {named}{more}."
        " Materialising analysts/analysts_file copies them again.",
        {
            "tables_compared": tables,
            "differences": len(differences),
            "tables_differing": len({difference.relation for difference in differences}),
        },
        None if None in dated else frozenset(day for day in dated if day is not None),
    )


def judged_days(window_days: Sequence[date], differences: Sequence[CopyDifference]) -> list[date]:
    """The window's days, and any other day found differing (a verdict on its own day)."""
    return sorted(set(window_days) | {difference.day for difference in differences if difference.day is not None})
