"""Checks on landing: the file was structurally sound before publishing, the day is published with
it, and what is published is exactly what the bank sent (same bytes, same rows). Every lake read
goes through the Lake, so the checks run the same on both targets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

import dagster as dg

from banking_dw.check_outcomes import CheckOutcome
from banking_dw.contracts import TableContract
from banking_dw.csv_io import hashing_aside
from banking_dw.landing.audit import Audit
from banking_dw.landing.resources import DayManifest, LakeResource

FILE_STRUCTURE_VALID = "file_structure_valid"
OBJECTS_PRESENT = "objects_present"
CHECKSUM_MATCHES = "checksum_matches_csv"
ROW_COUNT_MATCHES_CSV = "row_count_matches_csv"


def landing_check_specs(asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            FILE_STRUCTURE_VALID,
            asset=asset_key,
            blocking=True,
            description=(
                "UTF-8 text with the contract's header, every line one row ending in a newline, data rows"
                " unless the table's daily file may be empty. A failing file is not landed (it goes to"
                " `_rejected/`), its day is not published, and nothing downstream runs."
            ),
        ),
        dg.AssetCheckSpec(
            OBJECTS_PRESENT,
            asset=asset_key,
            blocking=True,
            description="Every day of the window is published with this table's object in the lake.",
        ),
        dg.AssetCheckSpec(CHECKSUM_MATCHES, asset=asset_key, description="Byte size and MD5 equal the CSV's."),
        dg.AssetCheckSpec(
            ROW_COUNT_MATCHES_CSV, asset=asset_key, description="Rows in the object equal rows in the CSV."
        ),
    ]


def structure_outcome(table: TableContract, audits: dict[date, Audit | None]) -> CheckOutcome:
    """One outcome for the window: every rejected day named with its problems and lines."""
    failing = {
        day: ["the CSV is missing"] if audit is None else audit.problems
        for day, audit in audits.items()
        if audit is None or not audit.passed
    }
    if not failing:
        return CheckOutcome(FILE_STRUCTURE_VALID, True, f"{table.name}: {len(audits)} file(s) structurally valid")
    described = "; ".join(
        f"{table.name} {day.isoformat()}: {', '.join(problems)}" for day, problems in sorted(failing.items())
    )
    return CheckOutcome(
        FILE_STRUCTURE_VALID,
        False,
        f"rejected, not landed: {described}",
        {"rejected_partitions": [day.isoformat() for day in sorted(failing)]},
    )


def _content(chunks: Iterable[bytes]) -> tuple[int, str, int]:
    """Size, MD5 and data rows of an object, in one pass."""
    digest, size, newlines, last = hashlib.md5(usedforsecurity=False), 0, 0, b""
    for chunk in hashing_aside(chunks, digest):
        size, newlines, last = size + len(chunk), newlines + chunk.count(b"\n"), chunk[-1:] or last
    lines = newlines + (1 if last not in (b"", b"\n") else 0)
    return size, digest.hexdigest(), max(lines - 1, 0)


def verify_landed(
    table: TableContract, audits: dict[date, Audit | None], manifests: dict[date, DayManifest], lake: LakeResource
) -> list[CheckOutcome]:
    """Each day's published object against the bank's CSV (`audits`: None where the CSV is gone)."""
    unpublished, mismatched, miscounted = [], [], []
    for day, audit in sorted(audits.items()):
        label = day.isoformat()
        entry = manifests[day].tables.get(table.name)
        if entry is None:
            unpublished.append(f"{label}: not published")
            continue
        try:
            size, md5, rows = _content(lake.iter_bytes(entry.key))
        except FileNotFoundError:
            unpublished.append(f"{label}: the manifest names {entry.key}, which is missing")
            continue
        if (size, md5, rows) != (entry.size_bytes, entry.md5, entry.rows):
            unpublished.append(f"{label}: {entry.key} is not what the manifest published")
        if audit is None:
            mismatched.append(f"{label}: the CSV to compare with is gone")
            miscounted.append(f"{label}: the CSV to compare with is gone")
            continue
        if (size, md5) != (audit.size_bytes, audit.md5):
            mismatched.append(
                f"{label}: {entry.key} has {size} bytes md5 {md5}, CSV has {audit.size_bytes} bytes md5 {audit.md5}"
            )
        if rows != audit.rows:
            miscounted.append(f"{label}: {entry.key} has {rows} rows, CSV has {audit.rows}")

    def outcome(name: str, problems: list[str], ok: str) -> CheckOutcome:
        if problems:
            return CheckOutcome(name, False, f"{table.name}: " + "; ".join(problems[:5]), {"failures": len(problems)})
        return CheckOutcome(name, True, f"{table.name}: {ok} for {len(audits)} day(s)")

    return [
        outcome(OBJECTS_PRESENT, unpublished, "published"),
        outcome(CHECKSUM_MATCHES, mismatched + unpublished, "sizes and checksums match"),
        outcome(ROW_COUNT_MATCHES_CSV, miscounted + unpublished, "row counts match"),
    ]
