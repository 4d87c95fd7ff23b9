"""A check's verdict over several days becomes one evaluation per day, naming it."""

from datetime import date

import dagster as dg

from banking_dw.check_days import day_evaluations, partitioned
from banking_dw.check_outcomes import CheckOutcome, combine
from banking_dw.partitions import daily_partitions

DAYS = [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)]


def _result(passed: bool, description: str = "2 keys repeat on 2024-01-02") -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["raw", "fact_loans"]), check_name="key_is_unique", passed=passed, description=description
    )


def _verdicts(evaluations) -> dict[str, bool]:
    return {e.partition: e.passed for e in evaluations}


def test_a_check_that_names_its_failing_days_passes_the_others():
    evaluations = list(day_evaluations(_result(False), DAYS, {date(2024, 1, 2)}, blocking=True, targets={}))
    assert _verdicts(evaluations) == {"2024-01-01": True, "2024-01-02": False, "2024-01-03": True}
    failed = next(e for e in evaluations if not e.passed)
    assert (failed.description, failed.blocking) == ("2 keys repeat on 2024-01-02", True)
    passed = next(e for e in evaluations if e.passed)
    assert passed.description == "2024-01-01 passed; failed on 2024-01-02"


def test_a_check_over_its_window_as_a_whole_gives_each_day_its_verdict_and_names_the_window():
    evaluations = list(day_evaluations(_result(False), DAYS, None, blocking=False, targets={}))
    assert _verdicts(evaluations) == dict.fromkeys(("2024-01-01", "2024-01-02", "2024-01-03"), False)
    assert {e.metadata["judged_days"].value for e in evaluations} == {"2024-01-01...2024-01-03"}
    assert _verdicts(day_evaluations(_result(True), DAYS, None, blocking=False, targets={})) == dict.fromkeys(
        ("2024-01-01", "2024-01-02", "2024-01-03"), True
    )


def test_failing_days_add_up_over_parts_and_an_unattributed_failure_fails_every_day():
    one = CheckOutcome("c", False, "a", failed_days=frozenset({DAYS[0]}))
    other = CheckOutcome("c", False, "b", failed_days=frozenset({DAYS[2]}))
    assert combine("c", [one, other]).failed_days == {DAYS[0], DAYS[2]}
    assert combine("c", [one, CheckOutcome("c", False, "whole window")]).failed_days is None
    assert combine("c", [CheckOutcome("c", True, "ok")]).failed_days is None


def test_a_partitioned_spec_keeps_every_other_attribute():
    spec = dg.AssetCheckSpec("c", asset="a", description="d", blocking=True, metadata={"m": 1})
    days = partitioned(spec, daily_partitions())
    assert (days.name, days.asset_key, days.description, days.blocking, days.metadata) == (
        "c",
        dg.AssetKey("a"),
        "d",
        True,
        {"m": 1},
    )
    assert days.partitions_def == daily_partitions()
