"""Failed checks of a finished run reach the sinks, once each; passing checks do not."""

import json

import dagster as dg

from banking_dw.alerts.sensors import alert_on_failed_checks_after_success, failed_checks_of_run
from banking_dw.alerts.sinks import AlertSinks


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
        check_name="totals_match", passed=False, description="ledger: 3 rows off",
        severity=dg.AssetCheckSeverity.WARN,
    )


def test_failed_checks_of_a_finished_run_are_sent_once(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([ledger], instance=instance)
    run = instance.get_run_by_id(result.run_id)

    failures = failed_checks_of_run(instance, run)
    assert [(f.asset_key, f.check_name, f.severity) for f in failures] == [("ledger", "totals_match", "WARN")]
    assert "ledger: 3 rows off" in failures[0].message()

    sinks = AlertSinks(jsonl_path=str(tmp_path / "alerts.jsonl"))
    context = dg.build_run_status_sensor_context(
        sensor_name=alert_on_failed_checks_after_success.name,
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=result.get_run_success_event(),
        resources={"alert_sinks": sinks},
    )
    alert_on_failed_checks_after_success(context)

    lines = (tmp_path / "alerts.jsonl").read_text().splitlines()
    assert len(lines) == 1
    alert = json.loads(lines[0])
    assert alert["check_name"] == "totals_match"
    assert alert["run_id"] == result.run_id


def test_an_unreachable_webhook_does_not_lose_alerts(tmp_path, monkeypatch):
    import socket

    from banking_dw.alerts.sinks import WEBHOOK_ENV, FailedCheck

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{port}/hook")
    failures = [
        FailedCheck("run", "job", f"raw/table_{i}", "matches_contract", "ERROR", "2024-01-01", "broken")
        for i in range(2)
    ]
    errors = []

    class Log:
        def warning(self, message):
            pass

        def error(self, message):
            errors.append(message)

    AlertSinks(jsonl_path=str(tmp_path / "alerts.jsonl")).send(failures, Log())
    assert len((tmp_path / "alerts.jsonl").read_text().splitlines()) == 2
    assert len(errors) == 2 and all(WEBHOOK_ENV in e for e in errors)
