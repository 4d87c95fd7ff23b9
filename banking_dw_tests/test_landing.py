"""Write-audit-publish at landing: a structurally broken CSV is never published, fails a blocking
check naming table, partition, problem and line, and stops everything downstream."""

import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from banking_dw.bronze.duckdb_views import LocalCatalog
from banking_dw.contracts import CONTRACTS, TABLE_NAMES, contract
from banking_dw.csv_io import count_rows, csv_header
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.landing.audit import audit_chunks, audit_csv
from banking_dw.landing.checks import FILE_STRUCTURE_VALID
from banking_dw.landing.local_lake import LocalLake
from banking_dw.landing.resources import LakeResource
from banking_dw.layout import csv_path, object_key, rejected_key

from .support import LIVE_STAGING_WRITER, failed_checks, materialize, warehouse_environment

LOANS = contract("fact_loans")
CUSTOMERS = contract("dim_customers")
HEADER = b"loan_fact_id,loan_id,customer_id,date_id,loan_amount,loan_status\n"
ROW = b'1,1,1,20240101,5.00,"Approved"\n'
BOM = b"\xef\xbb\xbf"
SELECTION = 'key:"landing/fact_loans" or key:"bronze/fact_loans"'


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "line 1: the file is empty"),
        (b"customer_id\n", "line 1: header differs from the contract: missing ['loan_fact_id'"),
        (
            HEADER.replace(b"loan_fact_id,loan_id", b"loan_id,loan_fact_id") + ROW,
            "line 1: header differs from the contract: the columns are in another order from field 1",
        ),
        (HEADER + ROW + ROW[:-4], "line 3: the last line has no newline"),
        (HEADER + ROW + b'2,1,1,20240101,5.00,"Approved\n' + ROW, "line 3: a quoted value is not closed"),
        (HEADER + ROW + b'2,1,1,20240101,5.00,"Approved\n', "line 3: a quoted value is not closed"),
    ],
    ids=[
        "empty",
        "another-tables-header",
        "reordered-header",
        "truncated",
        "open-quote-mid-file",
        "open-quote-last-line",
    ],
)
def test_the_audit_names_the_problem_and_its_line(data, expected):
    problems = audit_csv(data, LOANS)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            HEADER + ROW + '2,1,1,20240101,5.00,"Caf\xe9"\n'.encode("latin-1"),
            "line 3, byte 120: not UTF-8 text (byte 0xe9)",
        ),
        (gzip.compress(HEADER + ROW), "line 1: the file is gzip-compressed; land the uncompressed CSV"),
        (HEADER + ROW + b"\x00\x01\x02\n", "line 3, byte 96: a NUL byte"),
        ((HEADER + ROW).decode().encode("utf-16"), "line 1: the file is UTF-16 little-endian text"),
        (HEADER + ROW + b"\n" + ROW, "line 3: an empty line"),
        (HEADER.replace(b",loan_id", b"\r,loan_id") + ROW, "line 1: header differs from the contract"),
        (HEADER + b'1,1,1,20240101,5.00,"Appr\noved"\n', "line 2: a quoted value is not closed by the end of the line"),
    ],
    ids=["latin-1", "gzip", "binary", "utf-16", "empty-line", "carriage-return-in-header", "value-spanning-lines"],
)
def test_what_is_not_one_utf8_row_per_line_is_rejected_by_line_and_byte(data, expected):
    problems = audit_csv(data, LOANS)
    assert any(p.startswith(expected) for p in problems), problems


def test_an_event_table_may_send_an_empty_day_and_a_full_extract_may_not():
    assert audit_csv(HEADER, LOANS) == []
    header = ",".join(CUSTOMERS.column_names).encode() + b"\n"
    assert audit_csv(header, CUSTOMERS) == [
        "line 2: no data rows (header only); dim_customers is a full extract, never empty"
    ]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_the_audit_reads_in_chunks_and_finds_what_it_finds_at_once(newline):
    data = (HEADER + ROW * 50 + "é".encode() + b"\n" + ROW * 5 + b"\n" + ROW).replace(b"\n", newline)
    whole = audit_chunks([data], LOANS)
    for size in (1, 2, 3, 7, 64):
        chunked = audit_chunks([data[i : i + size] for i in range(0, len(data), size)], LOANS)
        assert (chunked.problems, chunked.rows, chunked.md5) == (whole.problems, whole.rows, whole.md5), size
    assert whole.problems == [f"line {52 + 5 + 1}: an empty line"]
    assert whole.rows == 50 + 1 + 5 + 1 + 1


@pytest.mark.parametrize(
    "data", [HEADER + ROW, BOM + HEADER + ROW, (HEADER + ROW).replace(b"\n", b"\r\n"), HEADER + b"1,2\n"]
)
def test_sound_files_pass_the_audit_bom_crlf_and_ragged_rows_included(data):
    # A ragged row is a value problem for silver's quarantine, not a structural one.
    assert audit_csv(data, LOANS) == []


def test_header_and_row_count_read_through_a_bom():
    assert tuple(csv_header(BOM + HEADER + ROW)) == LOANS.column_names
    assert count_rows([BOM + HEADER + ROW, ROW]) == 2


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


@pytest.mark.parametrize("case", ["empty", "reordered-header", "truncated", "missing-closing-quote"])
def test_a_broken_file_is_rejected_blocks_downstream_and_leaves_the_published_object(
    tmp_path, landed_once, window, case
):
    day = window[0]
    data_dir = tmp_path / "data"
    shutil.copytree(landed_once, data_dir)
    lake = LocalLake(root=str(data_dir / "lake"))
    published = lake.read_bytes(object_key(LOANS.name, date.fromisoformat(day)))
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
    assert lake.read_bytes(object_key(LOANS.name, date.fromisoformat(day))) == published
    assert lake.read_bytes(rejected_key(LOANS.name, date.fromisoformat(day))) == bad


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
    assert lake.read_bytes(object_key(LOANS.name, date.fromisoformat(day))) == raw.read_bytes()


def test_a_day_is_published_whole_or_not_at_all(tmp_path, landed_once, window):
    """A changed file of one table and a bad file of another: the day publishes neither."""
    day = date.fromisoformat(window[0])
    data_dir = tmp_path / "data"
    shutil.copytree(landed_once, data_dir)
    lake = LocalLake(root=str(data_dir / "lake"))
    published = lake.manifest(day)
    with warehouse_environment(data_dir):
        materialize('key:"raw/dim_channels"', window[0])
    loans = csv_path(data_dir, "fact_loans", day)
    loans.write_bytes(loans.read_bytes() + loans.read_bytes().splitlines(keepends=True)[1].replace(b'"', b"'"))
    csv_path(data_dir, "dim_channels", day).write_bytes(b"")

    with warehouse_environment(data_dir):
        result = materialize('key:"landing/fact_loans" or key:"landing/dim_channels"', window[0], raise_on_error=False)

    assert not result.success
    assert lake.manifest(day) == published, "neither table of the rejected day may be published"
    assert lake.read_bytes(object_key(LOANS.name, day)) != loans.read_bytes()
    assert "dim_channels" in failed_checks(result)[f"landing/dim_channels:{FILE_STRUCTURE_VALID}"]


KILLED_AFTER_THREE_OBJECTS = """
import os, signal, sys
from banking_dw.landing.local_lake import LocalLake
from banking_dw_tests.support import materialize

put, written = LocalLake.put, []

def put_then_die(self, source, key, md5):
    landed = put(self, source, key, md5)
    written.append(key)
    if len(written) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return landed

LocalLake.put = put_then_die
materialize("group:landing", sys.argv[1])
"""


@pytest.mark.slow
def test_a_landing_killed_half_way_shows_nothing_of_its_day_until_the_rerun_publishes_all(tmp_path, window):
    first, second = (date.fromisoformat(day) for day in window)
    data_dir = tmp_path / "data"
    with warehouse_environment(data_dir):
        materialize("group:raw", *window)
        materialize("group:landing or group:bronze", window[0])
        environment = dict(os.environ)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_THREE_OBJECTS, window[1]], env=environment, capture_output=True, check=False
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]

    lake = LocalLake(root=str(data_dir / "lake"))
    landed = [t for t in TABLE_NAMES if lake.stat(object_key(t, second)) is not None]
    assert len(landed) == 3, "the landing must have died with part of the day written"
    warehouse = DuckDBWarehouse(path=str(data_dir / "warehouse.duckdb"), lake_root=lake.root)
    catalog = LocalCatalog(warehouse=warehouse, lake=lake)
    assert catalog.row_counts(contract("dim_dates"), [first])[first] > 0, "the views must read this lake"
    assert lake.manifest(second).tables == {}
    for table in CONTRACTS:
        assert catalog.partitions(table, [second]) == set(), table.name
        assert catalog.row_counts(table, [first, second])[second] == 0, table.name

    with warehouse_environment(data_dir):
        assert materialize("group:landing", window[1]).success
    manifest = lake.manifest(second)
    assert set(manifest.tables) == set(TABLE_NAMES)
    for table in CONTRACTS:
        assert catalog.row_counts(table, [second]) == {second: manifest.tables[table.name].rows}, table.name


# A landing killed in the middle of writing an object, or its day's manifest, to its staging file.
KILLED_WHILE_STAGING = """
import os, pathlib, shutil, signal, sys
from banking_dw_tests.support import materialize

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[2] == "object":
    def copy_half_then_die(source, destination):
        data = pathlib.Path(source).read_bytes()
        pathlib.Path(destination).write_bytes(data[: len(data) // 2])
        die()
    shutil.copyfile = copy_half_then_die
else:
    write_bytes = pathlib.Path.write_bytes
    def write_half_a_manifest_then_die(self, data):
        if not self.name.startswith(".dt="):
            return write_bytes(self, data)
        write_bytes(self, data[: len(data) // 2])
        die()
    pathlib.Path.write_bytes = write_half_a_manifest_then_die
materialize("group:landing", sys.argv[1])
"""


def staging_files(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob(".*.tmp"))


@pytest.mark.slow
def test_staging_files_a_killed_landing_left_are_swept_by_the_next_and_a_live_runs_are_not(tmp_path, window):
    day = date.fromisoformat(window[1])
    data_dir = tmp_path / "data"
    with warehouse_environment(data_dir):
        materialize("group:raw", window[1])
        environment = dict(os.environ)
    lake = LocalLake(root=str(data_dir / "lake"))
    left = {}
    for where in ("object", "manifest"):
        killed = subprocess.run(
            [sys.executable, "-c", KILLED_WHILE_STAGING, window[1], where], env=environment, capture_output=True
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
        # Each killed run swept the one before it: only its own staging file is left.
        [left[where]] = staging_files(lake.root_path())
    assert re.fullmatch(rf"banking-data/\w+/dt={window[1]}/\.\w+\.csv\.\w+\.tmp", left["object"]), left
    assert re.fullmatch(rf"banking-data/_manifests/\.dt={window[1]}\.json\.\w+\.tmp", left["manifest"]), left
    live = subprocess.Popen(
        [sys.executable, "-c", LIVE_STAGING_WRITER, str(lake.local_path(object_key("dim_channels", day)))],
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        live_staging = Path(live.stdout.readline().decode().strip())
        assert live_staging.is_file()

        instance = dg.DagsterInstance.ephemeral()
        with warehouse_environment(data_dir):
            result = materialize("group:landing", window[1], instance=instance)

        assert result.success
        assert staging_files(lake.root_path()) == [live_staging.relative_to(lake.root_path()).as_posix()]
        said = [e.user_message for e in instance.all_logs(result.run_id) if "staging file" in e.user_message]
        assert said == [f"removed 1 staging file(s) a killed run left: {left['manifest']}"]
    finally:
        live.kill()
        live.wait()
    assert set(lake.manifest(day).tables) == set(TABLE_NAMES)
    for table in TABLE_NAMES:
        assert lake.read_bytes(object_key(table, day)) == csv_path(data_dir, table, day).read_bytes(), table
    # The live run was killed in its turn: the next sweep takes its file.
    assert lake.sweep_staging([day]) == [live_staging.relative_to(lake.root_path()).as_posix()]
    assert staging_files(lake.root_path()) == []
