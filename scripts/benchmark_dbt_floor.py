"""What dbt alone costs for a graph of this project's shape, whatever the SQL: the floor under the dbt step.

    .venv/bin/python scripts/benchmark_dbt_floor.py [--repeats 3]

Reads how many models and data tests the project's manifest holds (the one `make install` parses),
writes a throwaway dbt project with as many trivial table models (100 rows each) and as many
trivial tests on them, with the real project's settings (DuckDB, 4 threads, failing rows stored as
views), and times `dbt build` as the dbt asset runs it (JSON log lines, no log file). Also times a
project of one model, which is dbt's process start alone. Prints medians (and each run) as Markdown
rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from banking_dw.dbt.args import build_args
from banking_dw.dbt.project import dbt_project
from banking_dw.dbt.resources import dbt_resource

# The dbt command line the dbt asset starts (banking_dw/dbt/entry.py).
DBT = Path(dbt_resource().dbt_executable)
FINISHED = re.compile(r"in (?:\d+ hours )?(?:\d+ minutes and )?([\d.]+) seconds")
# Test kinds cycled over the models' columns, each a plain generic test of dbt's.
TESTS = ["unique", "not_null", "not_null_v", "accepted_values_v"]


def project_shape(manifest: Path) -> tuple[int, int]:
    """(models, data tests) of the parsed project."""
    kinds = Counter(node["resource_type"] for node in json.loads(manifest.read_text())["nodes"].values())
    return kinds["model"], kinds["test"]


def tests_yaml(models: int, tests: int) -> str:
    """`tests` generic tests spread over `models` models, round robin."""
    by_model: dict[int, list[str]] = {m: [] for m in range(models)}
    for n in range(tests):
        by_model[n % models].append(TESTS[(n // models) % len(TESTS)])
    lines = ["version: 2", "models:"]
    for model, kinds in by_model.items():
        id_tests = [k for k in kinds if k in ("unique", "not_null")]
        v_tests = ["not_null" for k in kinds if k == "not_null_v"] + [
            "accepted_values: {arguments: {values: [0, 1, 2, 3, 4]}}" for k in kinds if k == "accepted_values_v"
        ]
        lines += [f"  - name: m{model:03d}", "    columns:"]
        lines += ["      - name: id", "        data_tests:", *[f"          - {t}" for t in id_tests or ["not_null"]]]
        if v_tests:
            lines += ["      - name: v", "        data_tests:", *[f"          - {t}" for t in v_tests]]
    return "\n".join(lines) + "\n"


def write_project(root: Path, models: int, tests: int) -> None:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: floor\nversion: '1.0.0'\nprofile: floor\nconfig-version: 2\n"
        "models: {floor: {+materialized: table}}\n"
        "data_tests: {floor: {+store_failures: true, +store_failures_as: view}}\n"
    )
    (root / "profiles.yml").write_text(
        "floor:\n  target: local\n  outputs:\n"
        f"    local: {{type: duckdb, path: '{root / 'floor.duckdb'}', threads: 4, keep_open: false}}\n"
    )
    for model in range(models):
        (root / "models" / f"m{model:03d}.sql").write_text("select range as id, range % 5 as v from range(100)\n")
    if tests:
        (root / "models" / "_models.yml").write_text(tests_yaml(models, tests))


def dbt(root: Path, *args: str) -> subprocess.CompletedProcess:
    command = [str(DBT), "--log-format", "json", *args, "--profiles-dir", str(root)]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, check=True)


def timed_builds(root: Path, shape: tuple[int, int], repeats: int) -> list[tuple[float, float]]:
    """(wall, dbt's own run time) of each `dbt build`, after one untimed parse."""
    dbt(root, "parse")
    parsed = project_shape(root / "target" / "manifest.json")
    if parsed != shape:
        raise SystemExit(f"the trivial project parsed as {parsed} (models, tests), not {shape}")
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        output = dbt(root, *build_args()).stdout
        wall = time.perf_counter() - started
        timings.append((wall, float(FINISHED.findall(output)[-1])))
    return timings


def row(label: str, timings: list[tuple[float, float]]) -> str:
    walls, runs = [t[0] for t in timings], [t[1] for t in timings]
    return (
        f"| {label} | **{statistics.median(walls):.1f}** ({', '.join(f'{w:.1f}' for w in walls)}) "
        f"| {statistics.median(runs):.1f} ({', '.join(f'{r:.1f}' for r in runs)}) |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    models, tests = project_shape(dbt_project().manifest_path)
    print("| trivial dbt project | `dbt build` wall, s: median (runs) | dbt's own run time, s |")
    print("|---|---|---|")
    for label, shape in [
        (f"{models} table models, {tests} data tests (this project's shape)", (models, tests)),
        ("1 table model, no test (process start)", (1, 0)),
    ]:
        with tempfile.TemporaryDirectory(prefix="banking_dw_floor_") as folder:
            write_project(Path(folder), *shape)
            print(row(label, timed_builds(Path(folder), shape, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
