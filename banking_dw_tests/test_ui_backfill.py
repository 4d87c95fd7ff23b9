"""UI backfills against a live webserver and daemon: launched over GraphQL exactly as the UI launches them.

The asset backfill daemon, not the CLI, decides how a UI backfill is cut into runs, so only a live
Dagster shows what a user gets from "Materialize all". Assets and groups are discovered from the
code location, never named here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from .live_dagster import LaunchedRun, LiveDagster, gold_digest, live_dagster
from .support import share_masking_key

pytestmark = pytest.mark.slow

BACKFILL_TIMEOUT_SECONDS = 900.0


def gold_rows_per_day(data_dir: Path, model: str) -> dict[str, int]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as connection:
        rows = connection.execute(
            f"select cast(partition_date as varchar), count(*) from dev_gold.{model} group by 1"
        ).fetchall()
    return dict(rows)


def days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


@pytest.fixture(scope="module")
def dagster(tmp_path_factory, built) -> Iterator[LiveDagster]:
    workdir = tmp_path_factory.mktemp("live_dagster")
    # `built`'s masking key: the backfills' gold is compared with its gold, pseudonyms included.
    share_masking_key(built[0], workdir / "data")
    with live_dagster(workdir) as live:
        yield live


@dataclass(frozen=True)
class Backfill:
    """One backfill as a user sees it once it has ended, and gold right after its run."""

    status: str
    runs: list[LaunchedRun]
    failed_checks: dict[str, dict[str, str]]
    gold: dict[str, tuple[int, str]]


@pytest.fixture(scope="module")
def backfills(dagster: LiveDagster, window) -> dict[str, Backfill]:
    """Three backfills launched one after another, as a user would from the UI: *Materialize all*
    over the window, over its first day, and the `gold` group over the window.

    Each is launched as soon as the previous one's run has finished (gold is read in between): the
    daemon marks a backfill complete on its next tick, the tick that also starts the next backfill's
    run, so the three pay four ticks of up to 30 s instead of six."""
    assets = dagster.client.asset_nodes()
    gold = [a for a in assets if a.group == "gold"]
    assert gold, sorted({a.group for a in assets})
    selections = {
        "window": (assets, days(*window)),
        "day": (assets, [window[0]]),
        "gold": (gold, days(*window)),
    }
    launched: dict[str, tuple[str, dict[str, tuple[int, str]]]] = {}
    for name, (selected, partitions) in selections.items():
        backfill_id = dagster.client.launch_partition_backfill(selected, partitions)
        dagster.client.wait_for_backfill_run(backfill_id, BACKFILL_TIMEOUT_SECONDS)
        launched[name] = (backfill_id, gold_digest(dagster.data_dir))
    outcomes = {}
    for name, (backfill_id, digest) in launched.items():
        status = dagster.client.wait_for_backfill(backfill_id, BACKFILL_TIMEOUT_SECONDS)
        runs = dagster.client.backfill_runs(backfill_id)
        failed_checks = {r.run_id: dagster.client.failed_checks(r.run_id) for r in runs}
        print(f"\nbackfill {name} {backfill_id}: {status}, {len(runs)} runs")
        for run in runs:
            print(f"  {run.run_id} {run.status} {len(run.asset_paths)} assets")
        outcomes[name] = Backfill(status, runs, {k: v for k, v in failed_checks.items() if v}, digest)
    return outcomes


def assert_clean_backfill(dagster: LiveDagster, backfill: Backfill) -> None:
    failures = {r.run_id: dagster.client.failures(r.run_id) for r in backfill.runs if r.status != "SUCCESS"}
    assert backfill.status == "COMPLETED_SUCCESS", (backfill.status, failures)
    assert [r.status for r in backfill.runs] == ["SUCCESS"] * len(backfill.runs), failures
    assert backfill.failed_checks == {}
    # Every selected asset shares one partitioning and backfill policy, so the daemon can put the
    # whole selection in a single run; more runs each pay start-up and a daemon tick.
    assert len(backfill.runs) == 1, [(r.run_id, r.status, len(r.asset_paths)) for r in backfill.runs]


# `built` (conftest) is the same window materialised as `make run` does it: one direct run.
def test_materialize_all_over_a_window_is_one_clean_run_with_the_cli_gold(dagster, backfills, built):
    reference, _ = built
    assert_clean_backfill(dagster, backfills["window"])
    assert backfills["window"].gold == gold_digest(reference)


def test_materialize_all_for_a_single_day_is_one_clean_run(dagster, backfills, built):
    reference, _ = built
    assert_clean_backfill(dagster, backfills["day"])
    # Reloading a day of a built window changes nothing (idempotence), so gold is still the CLI's.
    assert backfills["day"].gold == gold_digest(reference)


def test_one_group_over_a_window_is_one_clean_run(dagster, backfills, built):
    reference, _ = built
    assert_clean_backfill(dagster, backfills["gold"])
    assert backfills["gold"].gold == gold_digest(reference)


CHECK_EXECUTIONS_QUERY = """
query CheckExecutions($assetKey: AssetKeyInput!, $checkName: String!) {
  assetCheckExecutions(assetKey: $assetKey, checkName: $checkName, limit: 50) {
    partition status evaluation { success partition }
  }
}
"""

ASSET_QUERY = """
query Asset($assetKey: AssetKeyInput!) {
  assetNodeOrError(assetKey: $assetKey) {
    ... on AssetNode {
      groupName
      partitionKeys
      owners { ... on TeamAssetOwner { team } }
      metadataEntries { label ... on CodeReferencesMetadataEntry { codeReferences { ... on LocalFileCodeReference { filePath } } } }
    }
  }
  assetOrError(assetKey: $assetKey) {
    ... on Asset {
      assetMaterializations(limit: 20) {
        partition
        metadataEntries { label ... on IntMetadataEntry { intValue } }
      }
    }
  }
}
"""


def test_the_ui_shows_each_days_own_numbers_checks_owners_and_code(dagster, backfills, window):
    """What the UI reads over GraphQL after the backfills: partitions from the bank's first day,
    a gold fact's row count per day, a check's evaluation per day, owners and code references."""
    client = dagster.client
    fact = client.execute(ASSET_QUERY, {"assetKey": {"path": ["gold", "fact_transaction"]}})
    node = fact["assetNodeOrError"]
    assert node["partitionKeys"][0] == "2024-01-01"
    assert [owner["team"] for owner in node["owners"]] == ["analytics-engineering"]
    [references] = [e["codeReferences"] for e in node["metadataEntries"] if e["label"] == "dagster/code_references"]
    assert [Path(r["filePath"]).name for r in references] == ["fact_transaction.sql", "assets.py"]
    counts = {
        m["partition"]: next(e["intValue"] for e in m["metadataEntries"] if e["label"] == "dagster/row_count")
        for m in fact["assetOrError"]["assetMaterializations"]
    }
    rows = gold_rows_per_day(dagster.data_dir, "fact_transaction")
    assert counts == rows and set(counts) == set(window)

    restricted = client.execute(ASSET_QUERY, {"assetKey": {"path": ["restricted", "dim_customer_pii"]}})
    assert restricted["assetNodeOrError"]["groupName"] == "restricted"

    for asset, check in [
        (["raw", "fact_loans"], "row_count_within_volume"),
        (["gold", "fact_transaction"], "transaction__transaction_id_is_unique"),
    ]:
        executions = client.execute(CHECK_EXECUTIONS_QUERY, {"assetKey": {"path": asset}, "checkName": check})[
            "assetCheckExecutions"
        ]
        assert {e["partition"] for e in executions} == set(window), (asset, check)
        assert all(e["evaluation"]["partition"] == e["partition"] and e["status"] == "SUCCEEDED" for e in executions)
