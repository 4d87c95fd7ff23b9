"""`make run` prints one line per step with its checks, and keeps every event in the log file."""

import io

import dagster as dg
import pytest

from banking_dw.run import RunFollower, main


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


@pytest.mark.parametrize(
    ("window", "selection", "answer"),
    [
        (
            "2023-12-31",
            "*",
            "2023-12-31 is outside the bank's days: they run from 2024-01-01 (BANKING_DW_FIRST_DAY) to 2030-12-31",
        ),
        ("2031-01-01", "*", "2031-01-01 is outside the bank's days"),
        ("2024-02-30", "*", "partition key '2024-02-30' is not a day (YYYY-MM-DD)"),
        ("2024-01-05...2024-01-01", "*", "the window '2024-01-05...2024-01-01' ends before it starts"),
        ("2024-01-01", "group:nothing", "--select 'group:nothing' selects no asset of this graph"),
        ("2024-01-01", "grup::", "--select 'grup::' is not an asset selection"),
    ],
)
def test_an_operator_error_is_answered_in_one_line(tmp_path, monkeypatch, capsys, window, selection, answer):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(tmp_path / "data"))
    assert main([window, "--select", selection]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"banking-dw: {answer}") and err.count("\n") == 1, err


@pytest.mark.parametrize(("home", "answer"), [("", "DAGSTER_HOME is not set"), ("empty", "has no dagster.yaml")])
def test_a_missing_or_empty_dagster_home_is_answered_in_one_line(tmp_path, monkeypatch, capsys, home, answer):
    if home:
        (tmp_path / home).mkdir()
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / home))
    else:
        monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert main(["2024-01-01"]) == 2
    err = capsys.readouterr().err
    assert answer in err and err.count("\n") == 1, err
