"""What an erasure costs: `python -m banking_dw.erase <customer_id>` on a built window, per part.

    .venv/bin/python scripts/benchmark_erasure.py [--window 2024-01-01...2024-01-07] [--transactions 1000]
    .venv/bin/python scripts/benchmark_erasure.py --window 2024-03-01...2024-03-30 --transactions 1000000
    .venv/bin/python scripts/benchmark_erasure.py --data-dir DIR --dagster-home HOME   # a window built already

Builds the window with `python -m banking_dw.run` (what `make run` runs) in a fresh data directory
and DAGSTER_HOME under a temporary folder (not timed here; docs/benchmarks.md has the build's
figures), unless --data-dir names one built already. Then erases `--erasures` customers one after
the other, each a first erasure (customer ids 1, 2, ...: the bank's first customers, in every
day's files), and prints Markdown rows for docs/benchmarks.md: the data folder's sizes, and per
erasure its wall time and the job's own figures for each part (the files: raw store and lake,
customers' files and every transactions file searched for their name and email; the warehouse's
update by dbt; the warehouse file written anew with the analysts' file), with the files' seconds per
GB of raw files and lake and the rewrite's per GB of the two DuckDB files. Also, for the masks: how
many customers share each combination of the quasi-identifiers analysts see, on the analysts'
file the build published (the smallest groups).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("seconds_files", "seconds_warehouse_update", "seconds_warehouse_rewrite")
# The job's output metadata of the latest run, read from the instance once the command has ended.
METADATA = """
import json, dagster as dg
with dg.DagsterInstance.get() as instance:
    run = instance.get_runs(limit=1)[0]
    [event] = [r.event_log_entry.dagster_event for r in instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.STEP_OUTPUT).records]
    metadata = event.step_output_data.metadata
    print(json.dumps({k: getattr(v, "value", v) for k, v in metadata.items()}, default=str))
"""


def gigabytes(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e9
    # The analysts' file's link is not counted again beside the version it names.
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e9


def sizes(data_dir: Path) -> dict[str, float]:
    return {
        "raw": gigabytes(data_dir / "raw"),
        "lake": gigabytes(data_dir / "lake"),
        "warehouse": gigabytes(data_dir / "warehouse.duckdb"),
        "analysts": gigabytes(data_dir / "analysts" / "analysts.duckdb"),
        "data folder": gigabytes(data_dir),
    }


# How many customers share each history of the quasi-identifiers analysts see (as
# banking_dw_tests/test_personal_data.py measures it): the smallest groups, ascending.
QUASI_IDENTIFIER_GROUPS = """
import json, sys
from banking_dw import settings
from banking_dw.contracts import Mask, contract
from banking_dw.duckdb_analysts import connect_as_analyst
pseudonyms = {Mask.GIVEN_NAME_PSEUDONYM, Mask.FAMILY_NAME_PSEUDONYM, Mask.KEYED_HASH}
columns = [c.name for c in contract("dim_customers").columns if c.personal and c.mask not in pseudonyms]
with connect_as_analyst(settings.analysts_path()) as connection:
    rows = connection.execute(f"select customer_id, {', '.join(columns)} from dev_gold.dim_customer").fetchall()
histories = {}
for customer, *values in rows:
    histories.setdefault(customer, set()).add(tuple(values))
groups = {}
for history in histories.values():
    groups[frozenset(history)] = groups.get(frozenset(history), 0) + 1
print(json.dumps({"customers": len(histories), "groups": sorted(groups.values())}))
"""


def call(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if completed.returncode:
        sys.exit(f"{' '.join(command[1:4])} failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}")
    return completed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window", default="2024-01-01...2024-01-07")
    parser.add_argument("--transactions", type=int, default=1000, help="transactions per day (the scale)")
    parser.add_argument("--erasures", type=int, default=3, help="customers erased one after the other")
    parser.add_argument("--data-dir", type=Path, help="a data directory built already (with --dagster-home)")
    parser.add_argument("--dagster-home", type=Path, help="its DAGSTER_HOME")
    arguments = parser.parse_args()
    python = str(ROOT / ".venv" / "bin" / "python")
    scratch = Path(tempfile.mkdtemp(prefix="benchmark_erasure_"))
    try:
        data_dir = arguments.data_dir or scratch / "data"
        home = arguments.dagster_home or scratch / "dagster_home"
        if arguments.dagster_home is None:
            home.mkdir()
            shutil.copyfile(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
        env = {
            **os.environ,
            "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "BANKING_DW_DATA_DIR": str(data_dir),
            "BANKING_DW_TRANSACTIONS_PER_DAY": str(arguments.transactions),
            "DAGSTER_HOME": str(home),
        }
        if arguments.data_dir is None:
            started = time.perf_counter()
            call([python, "-m", "banking_dw.run", arguments.window], env)
            print(
                f"built {arguments.window} at {arguments.transactions:,} transactions a day in"
                f" {time.perf_counter() - started:.0f} s"
            )
        measured = json.loads(call([python, "-c", QUASI_IDENTIFIER_GROUPS], env).stdout)
        print(
            f"quasi-identifiers: {measured['customers']} customers in {len(measured['groups'])} group(s),"
            f" the smallest {measured['groups'][:5]}"
        )
        before = sizes(data_dir)
        print("\n| data folder | " + " | ".join(before) + " |\n|---|" + "---|" * len(before))
        print("| GB | " + " | ".join(f"{value:.3f}" for value in before.values()) + " |")
        rows = []
        for customer in range(1, arguments.erasures + 1):
            started = time.perf_counter()
            printed = call([python, "-m", "banking_dw.erase", str(customer)], env).stdout
            wall = time.perf_counter() - started
            if customer == 1:
                print("\n" + "\n".join(line for line in printed.splitlines() if not line.startswith("Full log")))
            metadata = json.loads(call([python, "-c", METADATA], env).stdout)
            rows.append([wall, *(float(metadata[part]) for part in PARTS)])
            print(
                f"customer {customer}: {wall:.1f} s; "
                + ", ".join(f"{p} {metadata[p]}" for p in PARTS)
                + f"; {metadata['warehouse_files']}"
            )
        medians = [statistics.median(column) for column in zip(*rows, strict=True)]
        files_gb, duckdb_gb = before["raw"] + before["lake"], before["warehouse"] + before["analysts"]
        print("\n| erasure | wall | files | warehouse update | warehouse rewrite | files per GB | rewrite per GB |")
        print("|---|---|---|---|---|---|---|")
        print(
            f"| median of {len(rows)} | "
            + " | ".join(f"{value:.1f} s" for value in medians)
            + f" | {medians[1] / max(files_gb, 1e-9):.0f} s | {medians[3] / max(duckdb_gb, 1e-9):.0f} s |"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
