"""UI backfills against a live webserver and daemon: launched over GraphQL exactly as the UI launches them.

The asset backfill daemon, not the CLI, decides how a UI backfill is cut into runs, so only a live
Dagster shows what a user gets from "Materialize all". Assets and groups are discovered from the
code location, never named here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from .live_dagster import AssetNode, LiveDagster, gold_digest, live_dagster

pytestmark = pytest.mark.slow

BACKFILL_TIMEOUT_SECONDS = 900.0


def days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


@pytest.fixture(scope="module")
def dagster(tmp_path_factory) -> Iterator[LiveDagster]:
    with live_dagster(tmp_path_factory.mktemp("live_dagster")) as live:
        yield live


def backfill(dagster: LiveDagster, assets: list[AssetNode], partitions: list[str]) -> tuple[str, list, dict, float]:
    """Launch as the UI does and wait: (status, runs, failed checks by run, wall seconds)."""
    started = time.monotonic()
    backfill_id = dagster.client.launch_partition_backfill(assets, partitions)
    status = dagster.client.wait_for_backfill(backfill_id, BACKFILL_TIMEOUT_SECONDS)
    elapsed = time.monotonic() - started
    runs = dagster.client.backfill_runs(backfill_id)
    failed_checks = {r.run_id: dagster.client.failed_checks(r.run_id) for r in runs}
    print(
        f"\nbackfill {backfill_id} over {partitions} ({len(assets)} assets): {status} in {elapsed:.1f}s, {len(runs)} runs"
    )
    for run in runs:
        groups = sorted({g.group for g in assets if g.path in run.asset_paths})
        print(f"  {run.run_id} {run.status} {len(run.asset_paths)} assets {groups}")
    return status, runs, {k: v for k, v in failed_checks.items() if v}, elapsed


def assert_clean_backfill(dagster: LiveDagster, status: str, runs: list, failed_checks: dict) -> None:
    failures = {r.run_id: dagster.client.failures(r.run_id) for r in runs if r.status != "SUCCESS"}
    assert status == "COMPLETED_SUCCESS", (status, failures)
    assert [r.status for r in runs] == ["SUCCESS"] * len(runs), failures
    assert failed_checks == {}
    # Every selected asset shares one partitioning and backfill policy, so the daemon can put the
    # whole selection in a single run; more runs each pay start-up and a daemon tick.
    assert len(runs) == 1, [(r.run_id, r.status, len(r.asset_paths)) for r in runs]


# `built` (conftest) is the same window materialised as `make run` does it: one direct run.
def test_materialize_all_over_a_window_is_one_clean_run_with_the_cli_gold(dagster, built, window):
    reference, _ = built
    status, runs, failed_checks, _ = backfill(dagster, dagster.client.asset_nodes(), days(*window))
    assert_clean_backfill(dagster, status, runs, failed_checks)
    assert gold_digest(dagster.data_dir) == gold_digest(reference)


def test_materialize_all_for_a_single_day_is_one_clean_run(dagster, built, window):
    reference, _ = built
    status, runs, failed_checks, _ = backfill(dagster, dagster.client.asset_nodes(), [window[0]])
    assert_clean_backfill(dagster, status, runs, failed_checks)
    # Reloading a day of a built window changes nothing (idempotence), so gold is still the CLI's.
    assert gold_digest(dagster.data_dir) == gold_digest(reference)


def test_one_group_over_a_window_is_one_clean_run(dagster, built, window):
    reference, _ = built
    assets = dagster.client.asset_nodes()
    gold = [a for a in assets if a.group == "gold"]
    assert gold, sorted({a.group for a in assets})
    status, runs, failed_checks, _ = backfill(dagster, gold, days(*window))
    assert_clean_backfill(dagster, status, runs, failed_checks)
    assert gold_digest(dagster.data_dir) == gold_digest(reference)
