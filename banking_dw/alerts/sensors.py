"""Open-source Dagster has no alert policies on checks: these sensors read each finished run's
check evaluations and alert on the failed ones, once per check and partition."""

from __future__ import annotations

import os

import dagster as dg

from banking_dw.alerts.evidence import failed_row_count, failing_rows_evidence
from banking_dw.alerts.ledger import FailedCheck, check_identity
from banking_dw.alerts.sinks import AlertSinks

UI_BASE_URL_ENV = "BANKING_DW_UI_BASE_URL"
DEFAULT_UI_BASE_URL = "http://127.0.0.1:3000"
# A finished run is judged within about this long, not Dagster's default 30 s; a tick only reads
# the runs that finished since the last one.
ALERT_INTERVAL_SECONDS = 10


def run_url(run_id: str) -> str:
    base = os.environ.get(UI_BASE_URL_ENV) or DEFAULT_UI_BASE_URL
    return f"{base.rstrip('/')}/runs/{run_id}"


def check_evaluations_of_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> tuple[list[FailedCheck], list[str]]:
    """The run's failed checks, and the identities of the checks that passed."""
    records = instance.get_records_for_run(
        run_id=run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    failures, passed = [], []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.asset_check_evaluation_data
        asset_key = evaluation.asset_key.to_user_string()
        partition = evaluation.partition or _run_partitions(run)
        if evaluation.passed:
            passed.append(check_identity(asset_key, evaluation.check_name, partition))
            continue
        metadata = {key: getattr(value, "value", value) for key, value in evaluation.metadata.items()}
        failures.append(
            FailedCheck(
                run_id=run.run_id,
                job_name=run.job_name,
                asset_key=asset_key,
                check_name=evaluation.check_name,
                severity=evaluation.severity.value,
                partition=partition,
                description=evaluation.description,
                failed_row_count=failed_row_count(metadata),
                evidence=failing_rows_evidence(metadata),
                run_url=run_url(run.run_id),
            )
        )
    return failures, passed


def _run_partitions(run: dg.DagsterRun) -> str | None:
    tags = run.tags
    if "dagster/partition" in tags:
        return tags["dagster/partition"]
    start, end = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    if start and end:
        return start if start == end else f"{start}...{end}"
    return None


def _alert_sensor(status: dg.DagsterRunStatus, name: str, description: str) -> dg.SensorDefinition:
    @dg.run_status_sensor(
        run_status=status,
        minimum_interval_seconds=ALERT_INTERVAL_SECONDS,
        name=name,
        monitor_all_code_locations=True,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=description,
    )
    def alert(context: dg.RunStatusSensorContext, alert_sinks: AlertSinks) -> None:
        failures, passed = check_evaluations_of_run(context.instance, context.dagster_run)
        alert_sinks.send(failures, context.log, passed=passed)

    return alert


# One sensor per status: a run status sensor watches a single one.
alert_on_failed_checks_after_success = _alert_sensor(
    dg.DagsterRunStatus.SUCCESS,
    "alert_on_failed_checks_after_success",
    "Alerts on failed asset checks of runs that succeeded (non-blocking checks).",
)
alert_on_failed_checks_after_failure = _alert_sensor(
    dg.DagsterRunStatus.FAILURE,
    "alert_on_failed_checks_after_failure",
    "Alerts on failed asset checks of runs that failed.",
)
