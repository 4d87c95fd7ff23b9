"""Open-source Dagster has no alert policies on checks: these sensors read each finished run's
check evaluations and alert on the failed ones, once per run."""


import dagster as dg

from banking_dw.alerts.sinks import AlertSinks, FailedCheck


def failed_checks_of_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> list[FailedCheck]:
    records = instance.get_records_for_run(
        run_id=run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    failures = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.asset_check_evaluation_data
        if evaluation.passed:
            continue
        failures.append(
            FailedCheck(
                run_id=run.run_id,
                job_name=run.job_name,
                asset_key=evaluation.asset_key.to_user_string(),
                check_name=evaluation.check_name,
                severity=evaluation.severity.value,
                partition=evaluation.partition or _run_partitions(run),
                description=evaluation.description,
            )
        )
    return failures


def _run_partitions(run: dg.DagsterRun) -> str | None:
    tags = run.tags
    if "dagster/partition" in tags:
        return tags["dagster/partition"]
    start, end = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    return f"{start}...{end}" if start and end else None


def _alert(context: dg.RunStatusSensorContext, alert_sinks: AlertSinks) -> None:
    alert_sinks.send(failed_checks_of_run(context.instance, context.dagster_run), context.log)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="alert_on_failed_checks_after_success",
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts on failed asset checks of runs that succeeded (non-blocking checks).",
)
def alert_on_failed_checks_after_success(context: dg.RunStatusSensorContext, alert_sinks: AlertSinks) -> None:
    _alert(context, alert_sinks)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.FAILURE,
    name="alert_on_failed_checks_after_failure",
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts on failed asset checks of runs that failed.",
)
def alert_on_failed_checks_after_failure(context: dg.RunStatusSensorContext, alert_sinks: AlertSinks) -> None:
    _alert(context, alert_sinks)
