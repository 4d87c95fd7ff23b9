"""What publishing and checking the analysts' file cost on a month of history, against copying the
whole file as every publish did before (banking_dw/duckdb_analysts.py).

    .venv/bin/python scripts/benchmark_analysts_file.py --data-dir DIR [--days 30] [--repeats 3]

DIR is a data directory with one day built, for example one day at 1,000,000 transactions:

    BANKING_DW_DATA_DIR=/tmp/m BANKING_DW_TRANSACTIONS_PER_DAY=1000000 make run RUN_WINDOW=2024-03-15

Its warehouse is copied into a temporary folder, where every table analysts read with a
`partition_date` gets that day's rows again on each of `--days` days (the same rows, the day moved):
a month of history. Then, timed, and printed as Markdown rows for docs/benchmarks.md:
- the first publish (from nothing) and the second (its standby a copy of the first);
- per repeat, one more day appended to the warehouse's facts, then a publish: the standby, one
  publish behind, gets the last two days and the dimensions and reports; of it, the digests of the
  warehouse alone, which every publish computes;
- the check alone (`compare`: both sides digested anew);
- what every publish cost before, at the least: the analysts' file copied whole (with fsync).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a data directory with one day built")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="banking_dw_analysts_bench_") as folder:
        os.environ["BANKING_DW_DATA_DIR"] = str(Path(folder) / "data")
        measure(arguments.data_dir, Path(folder) / "data", arguments.days, arguments.repeats)


def measure(built: Path, data: Path, days: int, repeats: int) -> None:
    sys.path.insert(0, str(ROOT))
    import duckdb

    from banking_dw import duckdb_analysts, settings
    from banking_dw.dbt.analysts import analysts_relations
    from banking_dw.dbt.project import dbt_manifest

    settings.make_private_dirs(data)
    warehouse, target = data / "warehouse.duckdb", data / "analysts" / "analysts.duckdb"
    shutil.copyfile(built / "warehouse.duckdb", warehouse)
    relations = analysts_relations(dbt_manifest())
    with duckdb.connect(str(warehouse)) as connection:
        facts = [
            relation
            for relation in relations
            if connection.execute(
                "select count(*) from duckdb_columns() where schema_name = ? and table_name = ?"
                " and column_name = 'partition_date'",
                [relation.schema, relation.name],
            ).fetchone()[0]
        ]
        [(first,)] = connection.execute(f"select min(partition_date) from {_name(facts[0])}").fetchall()
        for offset in range(1, days):
            _copy_day(connection, facts, first, offset)
        [(rows,)] = connection.execute(
            "select sum(estimated_size) from duckdb_tables() where schema_name in ('dev_gold', 'dev_reports')"
        ).fetchall()
    print(f"warehouse: {days} day(s) from {first}, {rows:,} rows in gold and the reports")

    def publish() -> float:
        started = time.monotonic()
        published = duckdb_analysts.publish(warehouse, target, relations, lambda message: None)
        assert not published.differences, published.differences
        return time.monotonic() - started

    print(f"| first publish (from nothing), s | {publish():.1f} |")
    print(f"| second publish (its standby a copy of the first), s | {publish():.1f} |")
    print(f"| analysts' file, one version, GB | {duckdb_analysts.current_file(target).stat().st_size / 1e9:.2f} |")
    after_a_day, digest_only, check_alone, whole_copy = [], [], [], []
    for repeat in range(repeats):
        with duckdb.connect(str(warehouse)) as connection:
            _copy_day(connection, facts, first, days + repeat)
        after_a_day.append(publish())
        with duckdb.connect() as connection:
            connection.execute(f"attach '{warehouse}' as theirs (read_only)")
            started = time.monotonic()
            duckdb_analysts.digests(connection, "theirs", relations)
            digest_only.append(time.monotonic() - started)
        started = time.monotonic()
        assert duckdb_analysts.compare(warehouse, target, relations, lambda message: None) == []
        check_alone.append(time.monotonic() - started)
        copied = data / "whole-copy.duckdb"
        started = time.monotonic()
        shutil.copyfile(duckdb_analysts.current_file(target), copied)
        duckdb_analysts.fsync(copied)
        whole_copy.append(time.monotonic() - started)
        copied.unlink()
    for label, values in (
        ("publish after one more day, s", after_a_day),
        ("&nbsp;&nbsp;of it, the warehouse's digests, s", digest_only),
        ("the check alone (both sides digested anew), s", check_alone),
        ("before: the analysts' file copied whole (with fsync), s", whole_copy),
    ):
        shown = ", ".join(f"{value:.1f}" for value in values)
        print(f"| {label} | {statistics.median(values):.1f} ({shown}) |")


def _name(relation) -> str:
    from banking_dw.duckdb_analysts import quoted

    return f"{quoted(relation.schema)}.{quoted(relation.name)}"


def _copy_day(connection, facts, first, offset: int) -> None:
    """Each fact's rows of `first` again, `offset` days later."""
    for relation in facts:
        connection.execute(
            f"insert into {_name(relation)} select * replace (cast(? as date) as partition_date)"
            f" from {_name(relation)} where partition_date = ?",
            [first + timedelta(days=offset), first],
        )


if __name__ == "__main__":
    main()
