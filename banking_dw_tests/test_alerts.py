"""Failed checks of a finished run reach the sinks once, saying what broke and where to look."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from banking_dw.alerts.evidence import dbt_test_evidence, failed_row_count, failing_rows_evidence
from banking_dw.alerts.sensors import UI_BASE_URL_ENV, alert_on_failed_checks_after_success, failed_checks_of_run
from banking_dw.alerts.sinks import WEBHOOK_ENV, AlertSinks, FailedCheck


@dg.asset(
    check_specs=[
        dg.AssetCheckSpec("always_fine", asset="ledger"),
        dg.AssetCheckSpec("totals_match", asset="ledger"),
    ]
)
def ledger():
    yield dg.Output(1)
    yield dg.AssetCheckResult(check_name="always_fine", passed=True)
    yield dg.AssetCheckResult(
        check_name="totals_match",
        passed=False,
        description="ledger: 3 rows off",
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"failing_rows": 3, "failing_rows_file": "/lake/ledger.csv"},
    )


class Log:
    def __init__(self):
        self.warnings, self.errors = [], []

    def warning(self, message):
        self.warnings.append(message)

    def error(self, message):
        self.errors.append(message)


def _failure(check="matches_contract", partition="2024-01-01", asset="raw/fact_transactions") -> FailedCheck:
    return FailedCheck(
        "run-1", "job", asset, check, "ERROR", partition, "broken", 2, "select 1", "http://ui/runs/run-1"
    )


def _sensor_context(instance, result, sinks):
    return dg.build_run_status_sensor_context(
        sensor_name=alert_on_failed_checks_after_success.name,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
        dagster_event=result.get_run_success_event(),
        resources={"alert_sinks": sinks},
    )


def test_a_failed_check_is_alerted_with_count_evidence_and_run_link(tmp_path, monkeypatch):
    monkeypatch.setenv(UI_BASE_URL_ENV, "http://dagster.example:3000/")
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([ledger], instance=instance)
    run = instance.get_run_by_id(result.run_id)

    [failure] = failed_checks_of_run(instance, run)
    assert (failure.asset_key, failure.check_name, failure.severity) == ("ledger", "totals_match", "WARN")
    assert failure.failed_row_count == 3
    assert failure.evidence == "/lake/ledger.csv"
    assert failure.run_url == f"http://dagster.example:3000/runs/{result.run_id}"
    for text in ("ledger: 3 rows off", "3 failing row(s)", "/lake/ledger.csv", failure.run_url):
        assert text in failure.message()

    sinks = AlertSinks(jsonl_path=str(tmp_path / "alerts.jsonl"))
    alert_on_failed_checks_after_success(_sensor_context(instance, result, sinks))
    [line] = (tmp_path / "alerts.jsonl").read_text().splitlines()
    alert = json.loads(line)
    assert (alert["check_name"], alert["run_id"], alert["failed_row_count"]) == ("totals_match", result.run_id, 3)


def test_the_same_failure_on_the_same_partition_is_alerted_once_until_it_passes(tmp_path):
    sinks, log = AlertSinks(jsonl_path=str(tmp_path / "alerts.jsonl")), Log()
    assert len(sinks.send([_failure()], log)) == 1
    assert sinks.send([_failure()], log) == []  # a retry failing the same way
    assert len(sinks.send([_failure(partition="2024-01-02")], log)) == 1  # another day is news
    sinks.send([], log, passed=[_failure().dedupe_key])  # fixed...
    assert len(sinks.send([_failure()], log)) == 1  # ...and broken again
    assert len((tmp_path / "alerts.jsonl").read_text().splitlines()) == 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_webhook_receives_slack_blocks_with_a_text_fallback(tmp_path, monkeypatch):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{server.server_port}/hook")
        AlertSinks(jsonl_path=str(tmp_path / "alerts.jsonl")).send([_failure()], Log())
    finally:
        server.shutdown()
    [payload] = received
    assert "matches_contract" in payload["text"] and "2 failing row(s)" in payload["text"]
    assert payload["blocks"][0]["type"] == "header"
    fields = " ".join(f["text"] for f in payload["blocks"][1]["fields"])
    for text in ("raw/fact_transactions", "2024-01-01", "ERROR", "*Failing rows*\n2", "http://ui/runs/run-1"):
        assert text in fields
    assert any("select 1" in b.get("text", {}).get("text", "") for b in payload["blocks"][2:])


def test_an_unreachable_webhook_does_not_lose_alerts(tmp_path, monkeypatch):
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{_free_port()}/hook")
    log = Log()
    AlertSinks(jsonl_path=str(tmp_path / "alerts.jsonl")).send(
        [_failure(asset=f"raw/table_{i}") for i in range(2)], log
    )
    assert len((tmp_path / "alerts.jsonl").read_text().splitlines()) == 2
    assert len(log.errors) == 2 and all(WEBHOOK_ENV in e for e in log.errors)


@pytest.mark.parametrize(
    "metadata, count",
    [
        ({"dagster_dbt/failed_row_count": 7}, 7),
        ({"failing_rows": 2}, 2),
        ({"failures": 1}, 1),
        ({"passed": True}, None),
    ],
)
def test_failed_row_count_comes_from_dbt_or_python_checks(metadata, count):
    assert failed_row_count(metadata) == count


def test_a_dbt_test_points_at_its_stored_failures_or_its_definition(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "nodes": {
                    "test.banking_dw.stored.1": {
                        "name": "stored",
                        "relation_name": '"dev_audit"."stored"',
                        "original_file_path": "models/gold/_gold__models.yml",
                    },
                    "test.banking_dw.singular.2": {
                        "name": "singular",
                        "relation_name": None,
                        "original_file_path": "tests/gold/singular.sql",
                    },
                }
            }
        )
    )
    assert dbt_test_evidence("test.banking_dw.stored.1", manifest) == 'select * from "dev_audit"."stored"'
    assert "dbt_project/tests/gold/singular.sql" in dbt_test_evidence("test.banking_dw.singular.2", manifest)
    assert dbt_test_evidence("test.banking_dw.gone.3", manifest) is None
    assert failing_rows_evidence({"failing_rows_query": "select 2"}) == "select 2"
