"""Write-audit-publish at landing: a structurally broken CSV is never published, fails a blocking
check naming table, partition, problem and line, and stops everything downstream."""

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from banking_dw.contracts import contract
from banking_dw.generator import csv_path
from banking_dw.landing.audit import audit_csv, count_csv_rows, csv_header
from banking_dw.landing.checks import FILE_STRUCTURE_VALID
from banking_dw.landing.resources import LakeResource, LocalLake, object_key, rejected_key

from .conftest import failed_checks, materialize, warehouse_environment

LOANS = contract("fact_loans")
HEADER = b"loan_fact_id,loan_id,customer_id,date_id,loan_amount,loan_status\n"
ROW = b'1,1,1,20240101,5.00,"Approved"\n'
BOM = b"\xef\xbb\xbf"
SELECTION = 'key:"landing/fact_loans" or key:"bronze/fact_loans"'


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "line 1: the file is empty"),
        (HEADER, "line 2: no data rows (header only)"),
        (
            HEADER.replace(b"loan_fact_id,loan_id", b"loan_id,loan_fact_id") + ROW,
            "line 1: header ['loan_id', 'loan_fact_id'",
        ),
        (HEADER + ROW + ROW[:-4], "line 3: the last line has no newline"),
        (HEADER + ROW + b'2,1,1,20240101,5.00,"Approved\n' + ROW, "line 3: a quoted value is not closed"),
        (HEADER + ROW + b'2,1,1,20240101,5.00,"Approved\n', "line 3: a quoted value is not closed"),
    ],
    ids=["empty", "header-only", "reordered-header", "truncated", "open-quote-mid-file", "open-quote-last-line"],
)
def test_the_audit_names_the_problem_and_its_line(data, expected):
    problems = audit_csv(data, LOANS)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    "data", [HEADER + ROW, BOM + HEADER + ROW, (HEADER + ROW).replace(b"\n", b"\r\n"), HEADER + b"1,2\n"]
)
def test_sound_files_pass_the_audit_bom_crlf_and_ragged_rows_included(data):
    # A ragged row is a value problem for silver's quarantine, not a structural one.
    assert audit_csv(data, LOANS) == []


def test_header_and_row_count_read_through_a_bom():
    assert tuple(csv_header(BOM + HEADER + ROW)) == LOANS.column_names
    assert count_csv_rows(BOM + HEADER + ROW + ROW) == 2


def test_a_subclass_of_the_lake_base_is_what_dagster_injects(tmp_path):
    seen = []

    @dg.asset
    def uses_lake(lake: LakeResource) -> None:
        seen.append(lake)

    assert dg.materialize([uses_lake], resources={"lake": LocalLake(root=str(tmp_path))}).success
    assert isinstance(seen[0], LocalLake) and seen[0].root == str(tmp_path)


@pytest.fixture(scope="module")
def landed_once(tmp_path_factory, window) -> Path:
    """fact_loans generated and landed for one day: the published state every case starts from."""
    data_dir = tmp_path_factory.mktemp("landed")
    with warehouse_environment(data_dir):
        materialize('key:"raw/fact_loans" or key:"landing/fact_loans"', window[0])
    return data_dir


def _corrupt(good: bytes) -> dict[str, tuple[bytes, str]]:
    lines = good.splitlines(keepends=True)
    open_quote = lines[2].replace(b'"\n', b"\n")
    return {
        "empty": (b"", "line 1: the file is empty"),
        "header-only": (lines[0], "line 2: no data rows"),
        "reordered-header": (
            lines[0].replace(b"loan_fact_id,loan_id", b"loan_id,loan_fact_id") + b"".join(lines[1:]),
            "line 1: header",
        ),
        "truncated": (good[:-5], f"line {len(lines)}: the last line has no newline"),
        "missing-closing-quote": (
            b"".join(lines[:2]) + open_quote + b"".join(lines[3:]),
            "line 3: a quoted value is not closed",
        ),
    }


@pytest.mark.parametrize("case", ["empty", "header-only", "reordered-header", "truncated", "missing-closing-quote"])
def test_a_broken_file_is_rejected_blocks_downstream_and_leaves_the_published_object(
    tmp_path, landed_once, window, case
):
    day = window[0]
    data_dir = tmp_path / "data"
    shutil.copytree(landed_once, data_dir)
    lake = LocalLake(root=str(data_dir / "lake"))
    published = lake.read_bytes(object_key(LOANS, date.fromisoformat(day)))
    raw = csv_path(data_dir, "fact_loans", date.fromisoformat(day))
    bad, problem = _corrupt(raw.read_bytes())[case]
    raw.write_bytes(bad)

    with warehouse_environment(data_dir):
        result = materialize(SELECTION, day, raise_on_error=False)

    assert not result.success
    description = failed_checks(result)[f"landing/fact_loans:{FILE_STRUCTURE_VALID}"]
    assert f"fact_loans {day}: {problem}" in description, description
    assert result.get_asset_materialization_events() == [], "nothing may be published or built downstream"
    assert not any(e.step_key == "crawled_bronze_tables" for e in result.get_step_success_events())
    assert lake.read_bytes(object_key(LOANS, date.fromisoformat(day))) == published
    assert lake.read_bytes(rejected_key(LOANS, date.fromisoformat(day))) == bad


def test_a_file_with_a_byte_order_mark_lands_and_passes_every_check(tmp_path, landed_once, window):
    day = window[0]
    data_dir = tmp_path / "data"
    shutil.copytree(landed_once, data_dir)
    raw = csv_path(data_dir, "fact_loans", date.fromisoformat(day))
    raw.write_bytes(BOM + raw.read_bytes())

    with warehouse_environment(data_dir):
        result = materialize(SELECTION, day)

    assert result.success
    assert failed_checks(result) == {}
    checked = {(e.asset_key.path[0], e.check_name) for e in result.get_asset_check_evaluations()}
    assert ("landing", FILE_STRUCTURE_VALID) in checked and ("bronze", "row_count_matches_landed") in checked
    lake = LocalLake(root=str(data_dir / "lake"))
    assert lake.read_bytes(object_key(LOANS, date.fromisoformat(day))) == raw.read_bytes()
