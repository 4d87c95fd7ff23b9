"""`make run` prints one line per step with its checks, and keeps every event in the log file."""

import io

import dagster as dg

from banking_dw.run import RunFollower


@dg.asset(check_specs=[dg.AssetCheckSpec("balanced", asset="ledger"), dg.AssetCheckSpec("fresh", asset="ledger")])
def ledger(context: dg.AssetExecutionContext):
    context.log.info("progress: 1/1 days")
    yield dg.Output(1)
    yield dg.AssetCheckResult(check_name="balanced", passed=True)
    yield dg.AssetCheckResult(check_name="fresh", passed=False, description="3 days old")


@dg.asset(deps=[ledger])
def broken():
    raise ValueError("dim_customers 2024-01-02: header differs from the contract")


def test_one_line_per_step_with_checks_and_the_root_cause_of_a_failure():
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([ledger, broken], instance=instance, raise_on_error=False)
    out, log = io.StringIO(), io.StringIO()
    follower = RunFollower(instance, result.run_id, out, log)
    follower.poll()

    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert "ledger" in lines[0] and "checks 1 passed, 1 failed" in lines[0] and "ok" in lines[0]
    assert "broken" in lines[1] and "FAIL" in lines[1]
    assert follower.failed_checks == ["ERROR ledger:fresh: 3 days old"]
    assert follower.errors == ["broken: ValueError: dim_customers 2024-01-02: header differs from the contract"]
    full_log = log.getvalue()
    assert "progress: 1/1 days" in full_log and "STEP_FAILURE" in full_log and "header differs" in full_log
