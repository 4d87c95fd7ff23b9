"""Alerts end to end through a live daemon: a day whose raw file has a bad row is materialised
from the UI's GraphQL, the run finishes, and the alert sensor sends the failed check once to the
JSON-lines file and to a webhook."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from banking_dw.alerts.sinks import WEBHOOK_ENV, escape_for_slack
from banking_dw.layout import csv_path

from .live_dagster import AssetNode, LiveDagster, live_dagster
from .support import Webhook, materialize, query, running_webhook, warehouse_environment

pytestmark = pytest.mark.slow

USER_GROUPS = {"landing", "bronze", "silver", "gold", "restricted", "reports"}
RUN_TIMEOUT_SECONDS = 600.0
SENSOR_TIMEOUT_SECONDS = 180.0
QUARANTINE_ASSET = "silver/quarantine_fact_transaction"
VERDICT_ASSET = "silver/validated_fact_transaction"


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    with running_webhook() as hook:
        yield hook


@pytest.fixture(scope="module")
def dagster(webhook, tmp_path_factory) -> Iterator[LiveDagster]:
    # live_dagster hands the daemon this process's environment, as a user's shell would.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(WEBHOOK_ENV, webhook.url)
        with live_dagster(tmp_path_factory.mktemp("alerts_live")) as live:
            yield live


def with_unknown_status(path: Path) -> str:
    """One transaction's status replaced by a value outside the contract; returns its id."""
    lines = path.read_bytes().split(b"\n")
    transaction_id = lines[1].split(b",", 1)[0]
    lines[1] = (
        lines[1]
        .replace(b'"Completed"', b'"Misplaced"')
        .replace(b'"Pending"', b'"Misplaced"')
        .replace(b'"Failed"', b'"Misplaced"')
    )
    assert b'"Misplaced"' in lines[1]
    path.write_bytes(b"\n".join(lines))
    return transaction_id.decode()


def launch_and_wait(dagster: LiveDagster, day: str, selected: Callable[[AssetNode], bool]) -> tuple[str, float]:
    """The day's `selected` assets materialised as the UI launches one partition (a run, not a
    backfill): (run id, end time)."""
    assets = [a for a in dagster.client.asset_nodes() if selected(a)]
    run = dagster.client.wait_for_run(dagster.client.launch_run(assets, day), RUN_TIMEOUT_SECONDS)
    assert run.status == "SUCCESS", (run.status, dagster.client.failures(run.run_id), dagster.logs_tail())
    return run.run_id, run.end_time or time.time()


def wait_for_sensor(ledger: Path, after: float, dagster: LiveDagster) -> None:
    """The alert sensor rewrites its ledger each time it judges a finished run."""
    deadline = time.monotonic() + SENSOR_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if ledger.is_file() and ledger.stat().st_mtime > after:
            return
        time.sleep(2.0)
    raise TimeoutError(
        f"the alert sensor did not judge the run within {SENSOR_TIMEOUT_SECONDS}s\n{dagster.logs_tail()}"
    )


def alerts_for(lines: list[dict], asset: str) -> list[dict]:
    return [line for line in lines if line["asset_key"] == asset]


def test_a_failed_check_is_alerted_once_with_what_a_responder_needs(dagster, webhook, window):
    day = window[0]
    with warehouse_environment(dagster.data_dir):
        assert materialize("group:raw", day).success
    bad_id = with_unknown_status(csv_path(dagster.data_dir, "fact_transactions", date.fromisoformat(day)))
    alert_file = dagster.data_dir / "alerts" / "failed_checks.jsonl"
    ledger = alert_file.with_name("alerted.json")

    run_id, ended = launch_and_wait(dagster, day, lambda a: a.group in USER_GROUPS)
    wait_for_sensor(ledger, ended, dagster)

    lines = [json.loads(line) for line in alert_file.read_text().splitlines()]
    [alert] = alerts_for(lines, QUARANTINE_ASSET)
    assert alert["check_name"] == "quarantine_is_empty"
    assert (alert["partition"], alert["severity"], alert["failed_row_count"]) == (day, "WARN", 1)
    assert alert["run_id"] == run_id and alert["run_url"].endswith(f"/runs/{run_id}")
    assert alert["evidence"] and "quarantine_fact_transaction" in alert["evidence"], alert["evidence"]
    [payload] = [p for p in webhook.received if escape_for_slack(QUARANTINE_ASSET) in p["text"]]
    fields = " ".join(f["text"] for f in payload["blocks"][1]["fields"])
    for text in (QUARANTINE_ASSET, alert["check_name"], day, "WARN", "Failing rows\n1", run_id[:8], alert["run_url"]):
        assert text in fields, text
    assert any(alert["evidence"] == block.get("text", {}).get("text") for block in payload["blocks"][2:])
    # The evidence is a query a responder can paste: it shows the bad row.
    shown = query(dagster.data_dir, alert["evidence"])
    assert shown.transaction_id.astype(str).tolist() == [bad_id]

    # The failing asset retried on the same day (with the verdict it reads, which the dbt step
    # requires): the failure is already known, nobody is paged twice.
    sent = len(webhook.received)
    retried = {QUARANTINE_ASSET, VERDICT_ASSET}
    retry_id, ended_again = launch_and_wait(dagster, day, lambda a: "/".join(a.path) in retried)
    assert f"{QUARANTINE_ASSET}:{alert['check_name']}" in dagster.client.failed_checks(retry_id)
    wait_for_sensor(ledger, ended_again, dagster)
    lines_after = [json.loads(line) for line in alert_file.read_text().splitlines()]
    assert lines_after == lines
    assert len(webhook.received) == sent
