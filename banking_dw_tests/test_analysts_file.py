"""The analysts' file provably equals the warehouse's gold and reports (banking_dw/duckdb_analysts.py).

On a small warehouse written here (no dbt): a change that keeps a day's row count is found and
copied again, in either version; two equal rows are not cancelled out; readers holding the file, or
opening it over and over, see one whole version or the next while publishes run; a publish killed
at any point leaves readers the previous version and the next publish equal to the warehouse.
Then through Dagster on a built warehouse (slow): the check after a build, after a change to the
file, and after a run killed at the publish followed by a green run of another day.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from banking_dw import duckdb_analysts, settings
from banking_dw.analysts_file.assets import ANALYSTS_FILE_KEY, NO_COPY, analysts_file_for
from banking_dw.analysts_file.checks import EQUALS_THE_WAREHOUSE
from banking_dw.dbt.analysts import analysts_relations
from banking_dw.dbt.project import dbt_manifest
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.layout import csv_path
from banking_dw.partitions import daily_partitions
from banking_dw.redshift_warehouse import RedshiftWarehouse
from banking_dw.warehouse import AnalystRelation, CopyDifference

from .support import (
    TEST_MASKING_KEY,
    assert_nothing_waits_beside_the_published_tables,
    assert_recorded_digests_equal_the_rows,
    copy_data_dir,
    materialize,
    toy_analysts_warehouse,
    warehouse_environment,
)

REPOSITORY = Path(__file__).resolve().parent.parent
FACT = AnalystRelation("dev_gold", "fact_x")
DIMENSION = AnalystRelation("dev_gold", "dim_y")
REPORT = AnalystRelation("dev_reports", "report")
RELATIONS = [FACT, DIMENSION, REPORT]
DAYS = 3
ROWS = 30


def _log(message: str) -> None:
    pass


def _toy_warehouse(path: Path, version: int) -> None:
    toy_analysts_warehouse(path, version, DAYS, ROWS)


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> DuckDBWarehouse:
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv(settings.ANALYSTS_PATH_ENV, raising=False)
    monkeypatch.delenv(settings.ANALYSTS_GROUP_ENV, raising=False)
    built = DuckDBWarehouse()
    settings.make_private_dirs(built.database_path().parent)
    _toy_warehouse(built.database_path(), version=1)
    return built


def _versions(warehouse: DuckDBWarehouse) -> tuple[Path, Path]:
    target = warehouse.analysts_database_path()
    return duckdb_analysts.slot_path(target, "a"), duckdb_analysts.slot_path(target, "b")


def _rows_apart(warehouse_file: Path, analysts_file: Path, relations: list[AnalystRelation]) -> dict[str, int]:
    """Rows one file has and the other lacks (as multisets, both ways), per relation that has any."""
    apart = {}
    with duckdb.connect() as connection:
        connection.execute(f"attach '{warehouse_file}' as theirs (read_only)")
        connection.execute(f"attach '{analysts_file}' as ours (read_only)")
        for relation in relations:
            name = f'"{relation.schema}"."{relation.name}"'
            [(rows,)] = connection.execute(
                f"select count(*) from ((select * from theirs.{name} except all select * from ours.{name})"
                f" union all (select * from ours.{name} except all select * from theirs.{name}))"
            ).fetchall()
            if rows:
                apart[str(relation)] = rows
    return apart


def _change_one_value(path: Path) -> None:
    """One row of 2024-01-02 changed, the day's row count kept."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("update dev_gold.fact_x set id = id + 1000 where id = 4")


# --------------------------------------------------------------------------- digests and repair


def test_a_change_that_keeps_the_count_is_found_and_copied_again_in_either_version(warehouse):
    warehouse.publish_for_analysts(RELATIONS, _log)
    second = warehouse.publish_for_analysts(RELATIONS, _log)
    assert second.started_from == "the standby version, one publish behind" and second.days_repaired == 0
    assert warehouse.compare_analysts_copy(RELATIONS) == []
    for version in _versions(warehouse):
        _change_one_value(version)

    differences = warehouse.compare_analysts_copy(RELATIONS)
    assert differences == [CopyDifference(FACT, date(2024, 1, 2), "the same row count (10), different rows")]
    assert str(differences[0]) == "dev_gold.fact_x on 2024-01-02 (the same row count (10), different rows)"
    # Each publish repairs the version readers do not hold, its kept digests void since it was written.
    for _ in _versions(warehouse):
        published = warehouse.publish_for_analysts(RELATIONS, _log)
        assert (published.differences_found, published.days_repaired, published.replaced_whole) == (1, 1, 0)
        assert published.differences == [] and warehouse.compare_analysts_copy(RELATIONS) == []
    for version in _versions(warehouse):
        assert _rows_apart(warehouse.database_path(), version, RELATIONS) == {}


def _record_digests(path: Path, relations: list[AnalystRelation]) -> None:
    """What the warehouse's publish records (dbt_project/macros/publish/digests.sql), written here."""
    schema = settings.layer_schema(duckdb_analysts.DIGESTS_LAYER)
    with duckdb.connect() as connection:
        connection.execute(f"attach '{path}' as {duckdb_analysts.SOURCE}")
        hashed = duckdb_analysts.digests(connection, duckdb_analysts.SOURCE, relations)
        connection.execute(f"use {duckdb_analysts.SOURCE}")
        connection.execute(f"create schema if not exists {schema}")
        connection.execute(
            f"create or replace table {schema}.digests (schema_name varchar, table_name varchar, part_date date,"
            " whole boolean, row_count bigint, row_hash hugeint)"
        )
        connection.execute(
            f"create or replace table {schema}.digested_relations (schema_name varchar, table_name varchar)"
        )
        for relation, digest in hashed.items():
            connection.execute(
                f"insert into {schema}.digested_relations values (?, ?)", [relation.schema, relation.name]
            )
            for part, (count, total) in digest.parts.items():
                whole = part == duckdb_analysts.WHOLE
                connection.execute(
                    f"insert into {schema}.digests values (?, ?, ?, ?, ?, ?)",
                    [relation.schema, relation.name, None if whole else part, whole, count, total],
                )


def test_a_publish_reads_the_digests_the_warehouse_recorded_and_the_check_finds_a_change_behind_them(warehouse):
    """A publish trusts the digests the warehouse's publish recorded with its rows, rather than
    hashing every day of the warehouse; a change written into the warehouse by hand, outside dbt,
    is not recorded, so no publish copies it, and the check, which hashes both sides anew, finds it."""
    _record_digests(warehouse.database_path(), RELATIONS)
    warehouse.publish_for_analysts(RELATIONS, _log)
    _change_one_value(warehouse.database_path())
    published = warehouse.publish_for_analysts(RELATIONS, _log)
    assert (published.differences_found, published.days_repaired, published.differences) == (0, 0, [])
    assert warehouse.compare_analysts_copy(RELATIONS) == [
        CopyDifference(FACT, date(2024, 1, 2), "the same row count (10), different rows")
    ]
    # Recorded again, as the next build's publish records what it writes: the next publish copies it.
    _record_digests(warehouse.database_path(), RELATIONS)
    published = warehouse.publish_for_analysts(RELATIONS, _log)
    assert (published.days_repaired, published.differences) == (1, [])
    assert warehouse.compare_analysts_copy(RELATIONS) == []


def test_a_publish_copies_only_what_differs_and_drops_what_is_no_longer_published(warehouse):
    warehouse.publish_for_analysts(RELATIONS, _log)
    warehouse.publish_for_analysts(RELATIONS, _log)
    with duckdb.connect(str(warehouse.database_path())) as connection:
        # A day added and one day changed; the dimension and the report unchanged.
        connection.execute("insert into dev_gold.fact_x values (100, 1, date '2024-01-04')")
        connection.execute("update dev_gold.fact_x set version = 2 where partition_date = date '2024-01-01'")
    published = warehouse.publish_for_analysts(RELATIONS[:2], _log)
    assert published.started_from == "the standby version, one publish behind"
    assert published.counts() == {
        "dev_gold": 2,
        "differences_found": 3,
        "days_repaired": 2,
        "replaced_whole": 0,
        "dropped": 1,
        "differences_left": 0,
    }
    with duckdb_analysts.connect_as_analyst(warehouse.analysts_database_path()) as connection:
        tables = connection.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        schemas = {
            s for (s,) in connection.execute("select schema_name from duckdb_schemas() where not internal").fetchall()
        }
    assert tables == [("dev_gold", "dim_y"), ("dev_gold", "fact_x")] and schemas == {"dev_gold"}
    assert warehouse.compare_analysts_copy(RELATIONS[:2]) == []
    # A table the file holds that is not published is a difference too.
    assert warehouse.compare_analysts_copy(RELATIONS[:1]) == [
        CopyDifference(DIMENSION, None, "not published to analysts")
    ]


def test_two_equal_rows_are_not_cancelled_out():
    """A sum of the rows' hashes, not a xor: two equal rows would cancel out under a xor, and two
    days holding different pairs would compare equal."""
    with duckdb.connect() as connection:
        for database, value in (("theirs", 1), ("ours", 2)):
            connection.execute(f"attach ':memory:' as {database}")
            connection.execute(f"create schema {database}.dev_gold")
            connection.execute(
                f"create table {database}.dev_gold.fact_x as select ? as id, date '2024-01-01' as partition_date"
                " from range(2)",
                [value],
            )
        ours = duckdb_analysts.digests(connection, "ours", [FACT])
        theirs = duckdb_analysts.digests(connection, "theirs", [FACT])
    assert duckdb_analysts.differences(ours, theirs, [FACT]) == [
        CopyDifference(FACT, date(2024, 1, 1), "the same row count (2), different rows")
    ]


def test_a_file_of_the_earlier_layout_is_adopted_without_a_copy(warehouse):
    """Before the pointer, the analysts' file was one file: it becomes version a, the same inode."""
    target = warehouse.analysts_database_path()
    settings.make_private_dirs(target.parent)
    with duckdb.connect(str(target)) as connection:
        connection.execute("create schema dev_gold")
        connection.execute("create table dev_gold.dim_y as select 'v0' as name")
    inode = target.stat().st_ino
    published = warehouse.publish_for_analysts(RELATIONS, _log)
    assert duckdb_analysts.slot_path(target, "a").stat().st_ino == inode
    assert published.started_from == "a copy of analysts.a.duckdb" and os.readlink(target) == "analysts.b.duckdb"
    assert warehouse.compare_analysts_copy(RELATIONS) == []


# --------------------------------------------------------------------------- readers during publishes

HOLDER = """
import json, sys
from banking_dw.duckdb_analysts import connect_as_analyst

def seen(connection):
    versions = [v for (v,) in connection.execute("select distinct version from dev_gold.fact_x order by 1").fetchall()]
    [(name,)] = connection.execute("select name from dev_gold.dim_y").fetchall()
    [(rows,)] = connection.execute("select count(*) from dev_gold.fact_x").fetchall()
    return [versions, name, rows]

held = connect_as_analyst(sys.argv[1])
print(json.dumps(seen(held)), flush=True)
for _ in sys.stdin:
    print(json.dumps(seen(held)), flush=True)
"""

# Opens the file, reads one version, closes it, again and again until told to stop.
REOPENER = """
import json, sys, time
from pathlib import Path
from banking_dw.duckdb_analysts import connect_as_analyst
HOLDER
stop, observed, errors, opened = Path(sys.argv[2]), set(), [], 0
print("started", flush=True)
while not stop.exists():
    try:
        with connect_as_analyst(sys.argv[1]) as connection:
            observed.add(json.dumps(seen(connection)))
        opened += 1
    except Exception as error:
        errors.append(type(error).__name__ + ": " + str(error).splitlines()[0])
print(json.dumps({"observed": sorted(observed), "errors": errors, "opened": opened}), flush=True)
"""


def _whole(version: int) -> list:
    return [[version], f"v{version}", ROWS]


def test_readers_see_one_whole_version_or_the_next_while_publishes_run(warehouse, tmp_path):
    """One reader holds the file open through four publishes (the version it holds is written
    again two publishes later: it is replaced by a copy, under the reader); another opens it over
    and over meanwhile. Neither fails, each reading is one whole version, and the holder keeps the
    version it opened."""
    target = warehouse.analysts_database_path()
    warehouse.publish_for_analysts(RELATIONS, _log)
    holder_script = HOLDER
    reopener_script = REOPENER.replace("HOLDER", HOLDER.split("held = ")[0])
    stop = tmp_path / "stop"
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    holder = subprocess.Popen(
        [sys.executable, "-c", holder_script, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    reopener = subprocess.Popen(
        [sys.executable, "-c", reopener_script, str(target), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        assert json.loads(holder.stdout.readline()) == _whole(1)
        assert reopener.stdout.readline().strip() == "started"
        messages = []
        for version in range(2, 6):
            _toy_warehouse(warehouse.database_path(), version)
            published = warehouse.publish_for_analysts(RELATIONS, messages.append)
            assert published.differences == []
            time.sleep(0.2)  # the reopener reads this version a few times
        holder.stdin.write("again\n")
        holder.stdin.flush()
        assert json.loads(holder.stdout.readline()) == _whole(1), "the holder keeps the version it opened"
        stop.touch()
        report = json.loads(reopener.stdout.readline())
    finally:
        holder.kill()
        reopener.kill()
        holder.wait()
        reopener.wait()
    assert report["errors"] == [] and report["opened"] > 10
    observed = [json.loads(seen) for seen in report["observed"]]
    assert observed and all(seen in [_whole(version) for version in range(1, 6)] for seen in observed), observed
    # The version the holder had open was written again: replaced by a copy, not written under it.
    assert any("analysts.a.duckdb cannot be written" in message for message in messages), messages
    with duckdb_analysts.connect_as_analyst(target) as connection:
        assert connection.execute("select name from dev_gold.dim_y").fetchall() == [("v5",)]


# --------------------------------------------------------------------------- killed publishes

KILLED = """
import os, signal, sys
from banking_dw import duckdb_analysts
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.warehouse import AnalystRelation

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

# Killed where the brief says: mid-repair (after the first table), or with the standby written,
# before the pointer is switched.
if sys.argv[1] == "repair":
    repair_table = duckdb_analysts._repair_table
    done = []
    def first_then_killed(*args, **kwargs):
        if done:
            killed()
        done.append(repair_table(*args, **kwargs))
        return done[-1]
    duckdb_analysts._repair_table = first_then_killed
else:
    duckdb_analysts._point_to = killed
relations = [AnalystRelation("dev_gold", "fact_x"), AnalystRelation("dev_gold", "dim_y"), AnalystRelation("dev_reports", "report")]
DuckDBWarehouse().publish_for_analysts(relations, print)
"""


@pytest.mark.parametrize("killed_at", ["repair", "switch"])
def test_a_publish_killed_leaves_readers_the_previous_version_and_the_next_publish_repairs(warehouse, killed_at):
    target = warehouse.analysts_database_path()
    warehouse.publish_for_analysts(RELATIONS, _log)
    warehouse.publish_for_analysts(RELATIONS, _log)
    # The same rows counted on every day, other values: only the digests' hashes tell.
    _toy_warehouse(warehouse.database_path(), version=2)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED, killed_at],
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr
    assert os.readlink(target) == "analysts.b.duckdb", "the pointer still names the previous version"
    with duckdb_analysts.connect_as_analyst(target) as connection:
        assert connection.execute("select name from dev_gold.dim_y").fetchall() == [("v1",)]
    assert len(warehouse.compare_analysts_copy(RELATIONS)) == DAYS + 2

    published = warehouse.publish_for_analysts(RELATIONS, _log)
    assert published.started_from == "the standby version, one publish behind"
    assert published.differences == [] and warehouse.compare_analysts_copy(RELATIONS) == []
    assert _rows_apart(warehouse.database_path(), duckdb_analysts.current_file(target), RELATIONS) == {}
    assert sorted(path.name for path in target.parent.iterdir()) == [
        "analysts.a.duckdb",
        "analysts.b.duckdb",
        "analysts.duckdb",
        "analysts.duckdb.digests.json",
        "analysts.duckdb.lock",
    ]


def test_what_a_killed_publish_left_is_deleted_by_the_next(warehouse):
    target = warehouse.analysts_database_path()
    warehouse.publish_for_analysts(RELATIONS, _log)
    left = [target.with_name(f".{target.name}.k1ll3d.{suffix}") for suffix in ("tmp", "tmp.wal", "link", "json")]
    for path in left:
        path.write_bytes(b"left by a killed publish")
    warehouse.publish_for_analysts(RELATIONS, _log)
    assert not any(path.exists() for path in left)


def test_a_fresh_publish_deletes_the_other_version(warehouse):
    """After an erasure, no version may keep a value the warehouse no longer has: the other one is
    deleted, then written again as a copy of the new one, for the next publish to start from."""
    target = warehouse.analysts_database_path()
    warehouse.publish_for_analysts(RELATIONS, _log)
    warehouse.publish_for_analysts(RELATIONS, _log)
    _change_one_value(warehouse.database_path())
    published = duckdb_analysts.publish(warehouse.database_path(), target, RELATIONS, _log, fresh=True)
    assert published.started_from == "nothing (written anew)" and published.differences == []
    assert os.readlink(target) == "analysts.a.duckdb"
    assert warehouse.compare_analysts_copy(RELATIONS) == []
    for version in _versions(warehouse):
        assert _rows_apart(warehouse.database_path(), version, RELATIONS) == {}
    # The copy's digests are kept: the next publish reads nothing back.
    assert warehouse.publish_for_analysts(RELATIONS, _log).started_from == "the standby version, one publish behind"


# --------------------------------------------------------------------------- the asset


def test_on_aws_the_asset_copies_nothing_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(tmp_path / "data"))
    redshift = RedshiftWarehouse(
        host="redshift.invalid",
        port=5439,
        user="dbt",
        password="not-a-password",
        database="dev",
        spectrum_role_arn="arn:aws:iam::000000000000:role/spectrum",
        spectrum_glue_database="banking",
        masking_key=TEST_MASKING_KEY,
    )
    asset = analysts_file_for(daily_partitions())
    result = dg.materialize([asset], resources={"warehouse": redshift}, partition_key="2024-01-02")
    [materialization] = result.get_asset_materialization_events()
    assert materialization.step_materialization_data.materialization.metadata["copy"].value == NO_COPY
    assert result.get_asset_check_evaluations() == []
    assert not (tmp_path / "data" / "analysts").exists()


def _check_evaluations(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, str]]:
    return {
        e.partition: (e.passed, e.description or "")
        for e in result.get_asset_check_evaluations()
        if e.asset_key == ANALYSTS_FILE_KEY and e.check_name == EQUALS_THE_WAREHOUSE
    }


def _check_alone(first: str, last: str) -> dg.ExecuteInProcessResult:
    """*Execute* on the check in the UI: the check alone, over a range of days."""
    from banking_dw.definitions import defs

    definitions = defs()
    return dg.materialize(
        definitions.assets,
        selection=dg.AssetSelection.checks(dg.AssetCheckKey(ANALYSTS_FILE_KEY, EQUALS_THE_WAREHOUSE)),
        resources=definitions.resources,
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
    )


@pytest.mark.slow
def test_the_check_passes_after_a_build_fails_on_the_changed_day_whatever_the_window_and_a_publish_repairs(
    built, window, tmp_path
):
    first, second = window
    assert {
        (e.partition, e.passed)
        for e in built[1].get_asset_check_evaluations()
        if e.asset_key == ANALYSTS_FILE_KEY and e.check_name == EQUALS_THE_WAREHOUSE
    } == {(first, True), (second, True)}
    data_dir = copy_data_dir(built[0], tmp_path / "data")
    with warehouse_environment(data_dir):
        warehouse = DuckDBWarehouse()
        relations = analysts_relations(dbt_manifest())
        assert warehouse.compare_analysts_copy(relations) == []
        target = warehouse.analysts_database_path()
        with duckdb.connect(str(duckdb_analysts.current_file(target))) as connection:
            connection.execute(
                "update dev_gold.fact_transaction set transaction_amount = transaction_amount + 1"
                " where transaction_id = (select min(transaction_id) from dev_gold.fact_transaction"
                " where partition_date = cast(? as date))",
                [first],
            )

        # Judged over the second day alone: the first day fails on its own, naming table and day.
        judged = _check_evaluations(_check_alone(second, second))
        assert judged[first][0] is False and judged[second][0] is True
        assert f"dev_gold.fact_transaction on {first} (the same row count" in judged[first][1]
        assert judged[second][1] == f"{second} passed; failed on {first}"

        # The first publish writes the other version; the next, the changed one, digested anew.
        for _ in range(2):
            published = materialize("key:analysts/analysts_file", second)
            assert {day: passed for day, (passed, _) in _check_evaluations(published).items()} == {second: True}
            assert warehouse.compare_analysts_copy(relations) == []
        for version in ("a", "b"):
            assert _rows_apart(warehouse.database_path(), duckdb_analysts.slot_path(target, version), relations) == {}
        assert _check_evaluations(_check_alone(first, second)) == {
            first: (True, f"the {len(relations)} tables analysts read equal the warehouse's, day by day"),
            second: (True, f"the {len(relations)} tables analysts read equal the warehouse's, day by day"),
        }


def _edit_a_description(data_dir: Path, day: str) -> None:
    """One transaction's description changed in the bank's file of `day`: the day's rows keep their count."""
    path = csv_path(data_dir, "fact_transactions", date.fromisoformat(day))
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0].split(",")[-1] == "description"
    # The description is the last column, quoted: its field begins at the line's last `,"`.
    lines[1] = lines[1].rpartition(',"')[0] + ',"Edited afterwards by the test"'
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.slow
def test_a_run_killed_at_the_publish_then_a_green_run_of_another_day_leaves_the_file_equal_to_gold(
    built, window, tmp_path, monkeypatch
):
    """The issue's case: a rebuild of day 1 that keeps its row count, killed where the analysts'
    file is published; then a green run of day 2 alone. The copy equals gold, day 1 included."""
    first, second = window
    data_dir = copy_data_dir(built[0], tmp_path / "data")
    with warehouse_environment(data_dir):
        warehouse = DuckDBWarehouse()
        relations = analysts_relations(dbt_manifest())
        target = warehouse.analysts_database_path()
        before = os.readlink(target)
        _edit_a_description(data_dir, first)

        def killed(*args, **kwargs):
            raise RuntimeError("killed at the publish")

        with monkeypatch.context() as patch:
            patch.setattr(duckdb_analysts, "_point_to", killed)
            rebuilt = materialize("not group:raw", first, raise_on_error=False)
        [failure] = [event for event in rebuilt.all_events if event.is_step_failure]
        assert failure.step_key == "analysts_file" and "killed at the publish" in str(failure.step_failure_data.error)
        assert {e.step_key for e in rebuilt.all_events if e.is_step_success} >= {"dbt_models"}
        assert os.readlink(target) == before
        [stale] = [d for d in warehouse.compare_analysts_copy(relations) if d.relation.name == "fact_transaction"]
        assert (stale.day, stale.reason.startswith("the same row count")) == (date.fromisoformat(first), True)

        green = materialize("*", second)
        assert green.success and _check_evaluations(green)[second][0] is True
        assert warehouse.compare_analysts_copy(relations) == []
        current = duckdb_analysts.current_file(target)
        assert _rows_apart(warehouse.database_path(), current, relations) == {}
        with duckdb.connect() as connection:
            connection.execute(f"attach '{warehouse.database_path()}' as theirs (read_only)")
            connection.execute(f"attach '{current}' as ours (read_only)")
            ours = duckdb_analysts.digests(connection, "ours", relations)
            assert ours == duckdb_analysts.digests(connection, "theirs", relations)
        assert any(part == date.fromisoformat(first) for part in ours[stale.relation].parts)
        assert_recorded_digests_equal_the_rows(warehouse.database_path(), relations)
        assert_nothing_waits_beside_the_published_tables(warehouse.database_path())
        # The version the killed run never reached (its day 1 as before, every count the same) is
        # the next publish's standby: repaired by the digests, not by the counts.
        stale_version = duckdb_analysts.slot_path(target, before.split(".")[1])
        assert _rows_apart(warehouse.database_path(), stale_version, relations) == {"dev_gold.fact_transaction": 2}
        assert materialize("key:analysts/analysts_file", second).success
        assert duckdb_analysts.current_file(target) == stale_version
        assert _rows_apart(warehouse.database_path(), stale_version, relations) == {}
