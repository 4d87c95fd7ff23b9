"""Benchmark one day of generation (7 partitioned tables, generated and written as CSV).

Each repeat runs in a fresh subprocess, so it pays the cold start a real run pays (Faker pools,
imports) and its peak RSS is measured alone. Alongside, a per-row Faker loop producing the same
fact_transactions columns gives the baseline speed.

    .venv/bin/python scripts/benchmark_generate.py [--transactions 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from banking_dw.contracts import TRANSACTION_STATUSES, contract

BENCHMARK_DAY = date(2024, 3, 15)
FAKER_ROWS = 20_000


def run_one_day(transactions: int, out_dir: Path) -> dict:
    """Generate and write one day; return timings and row counts (runs inside the child)."""
    started = time.perf_counter()
    from banking_dw.generator import Scale, generate_day, write_csv
    from banking_dw.layout import csv_path

    imported = time.perf_counter()
    tables = generate_day(BENCHMARK_DAY, Scale(transactions_per_day=transactions))
    generated = time.perf_counter()
    written = sum(write_csv(t, csv_path(out_dir, n, BENCHMARK_DAY)) for n, t in tables.items())
    finished = time.perf_counter()
    return {
        "import_s": imported - started,
        "generate_s": generated - imported,
        "write_s": finished - generated,
        "total_s": finished - imported,
        "rows": {name: table.num_rows for name, table in tables.items()},
        "bytes": written,
    }


def run_repeat_in_subprocess(transactions: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as out_dir:
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, __file__, "--child", "--transactions", str(transactions), "--out", out_dir],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(completed.stdout)
        result["process_s"] = time.perf_counter() - started
        return result


def faker_loop_rows_per_second(rows: int) -> float:
    """The naive way: Faker calls for every column of every row, written with csv.writer."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(0)
    columns = contract("fact_transactions").column_names
    date_id = int(BENCHMARK_DAY.strftime("%Y%m%d"))
    first = datetime.combine(BENCHMARK_DAY, datetime.min.time()) + timedelta(hours=1)
    last = first + timedelta(hours=23) - timedelta(seconds=1)
    started = time.perf_counter()
    sink = io.StringIO()
    writer = csv.writer(sink, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(columns)
    for row in range(rows):
        writer.writerow(
            (
                date_id * 10**9 + row + 1,
                fake.random_int(1, 3_000_000),
                date_id,
                fake.date_time_between_dates(first, last).strftime("%Y-%m-%d %H:%M:%S"),
                fake.random_int(1, 5),
                fake.random_int(1, 50),
                fake.random_int(1, 3),
                fake.random_int(1, 5),
                f"{fake.pydecimal(left_digits=4, right_digits=2, positive=True):.2f}",
                fake.random_element(TRANSACTION_STATUSES),
                f"Card payment at {fake.company()}",
            )
        )
    with tempfile.TemporaryDirectory(prefix="bench-faker-") as out_dir:
        (Path(out_dir) / "fact_transactions.csv").write_text(sink.getvalue())
    return rows / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--faker-rows", type=int, default=FAKER_ROWS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one_day(args.transactions, args.out)))
        return

    repeats = [run_repeat_in_subprocess(args.transactions) for _ in range(args.repeats)]
    # Max RSS over all finished children: the peak of the hungriest repeat (Linux: KiB).
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    timings = ("generate_s", "write_s", "total_s", "process_s")
    median = {k: statistics.median(r[k] for r in repeats) for k in timings}
    rows = repeats[0]["rows"]
    all_rows = sum(rows.values())
    transaction_rate = rows["fact_transactions"] / median["total_s"]
    faker_rate = faker_loop_rows_per_second(args.faker_rows)

    print(
        f"day {BENCHMARK_DAY}, {args.transactions:,} transactions/day, {args.repeats} repeats, {os.cpu_count()} cores"
    )
    for name, count in rows.items():
        print(f"  {name:<28} {count:>10,} rows")
    print(f"  {'all 7 tables':<28} {all_rows:>10,} rows, {repeats[0]['bytes'] / 2**20:,.0f} MiB of CSV")
    print(
        f"generate + write, median     {median['total_s']:.2f} s "
        f"(generate {median['generate_s']:.2f} s, write {median['write_s']:.2f} s; every run: "
        + ", ".join(f"{r['total_s']:.2f}" for r in repeats)
        + ")"
    )
    print(f"whole subprocess, median     {median['process_s']:.2f} s (adds interpreter start and imports)")
    print(f"rows/second, all tables      {all_rows / median['total_s']:,.0f}")
    print(f"rows/second, transactions    {transaction_rate:,.0f} (the whole day's time charged to them)")
    print(f"per-row Faker loop           {faker_rate:,.0f} rows/second ({args.faker_rows:,} rows)")
    print(f"speed-up over Faker loop     {transaction_rate / faker_rate:,.0f}x")
    print(f"peak RSS                     {peak_gib:.2f} GiB")


if __name__ == "__main__":
    main()
