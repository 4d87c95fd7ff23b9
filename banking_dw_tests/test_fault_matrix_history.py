"""The fault matrix's history cases: history changes only through a new version, or loudly.

Three consecutive days are built (conftest's two, then the day after), copied once, and faults
are applied to the copy's raw files, each stage one run of the user's path:
  1. faults: an account absent from the second day's full extract (it vanished, and comes back the
     third day), and a customer whose address changes on the third day while its updated_at does
     not; the run succeeds with WARN checks naming the day and the key, gold closes the vanished
     account's version on the day it vanished and opens a new one when it comes back, and keeps
     the latest extract's address;
  2. the same faulty files loaded in day order into an empty warehouse: gold is the same (order
     independence);
  3. the good files back, the days re-run: gold equals the clean build (an idempotent reload).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from banking_dw.layout import csv_path

from .live_dagster import gold_digest
from .support import copy_data_dir, materialize, query, warehouse_environment

pytestmark = pytest.mark.slow

USER_PATH = "group:landing or group:bronze or group:silver or group:restricted or group:gold or group:reports"
VANISHED = "gold/dim_account:account__keys_vanished_from_the_extract"
UNVERSIONED = "gold/dim_customer:customer__changed_without_new_version"
NEW_ADDRESS = "1 Unversioned Change Street"


def published(data_dir: Path) -> dict[str, tuple[int, str]]:
    """A digest of every published relation: gold, the restricted dimension and the reports."""
    return {
        f"{schema}.{table}": digest
        for schema in ("dev_gold", "dev_restricted", "dev_reports")
        for table, digest in gold_digest(data_dir, schema).items()
    }


def raw(data_dir: Path, table: str, day: str) -> Path:
    return csv_path(data_dir, table, date.fromisoformat(day))


def rows(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def key_of(line: str) -> str:
    return line.split(",", 1)[0].strip('"')


def fields(line: str) -> list[str]:
    return next(csv.reader([line]))


def run(data_dir: Path, selection: str, first: str, last: str | None = None) -> dg.ExecuteInProcessResult:
    with warehouse_environment(data_dir):
        return materialize(selection, first, last, raise_on_error=False)


def dimension(data_dir: Path, table: str, key: str) -> pd.DataFrame:
    frame = query(data_dir, f"select * from dev_gold.{table}")
    return frame.sort_values([key, "valid_from"]).reset_index(drop=True)


@dataclass(frozen=True)
class Days:
    first: str
    second: str
    third: str


@dataclass(frozen=True)
class Plan:
    account: str
    customer: str
    updated_at: str


@pytest.fixture(scope="module")
def days(window) -> Days:
    third = (date.fromisoformat(window[1]) + timedelta(days=1)).isoformat()
    return Days(window[0], window[1], third)


@pytest.fixture(scope="module")
def clean(built, days, tmp_path_factory) -> Path:
    """The three days built: conftest's two, then the third through the user's path."""
    data_dir = copy_data_dir(built[0], tmp_path_factory.mktemp("history_clean") / "data")
    assert run(data_dir, f"group:raw or {USER_PATH}", days.third).success
    return data_dir


def plan(data_dir: Path, days: Days) -> Plan:
    """An account in every day's extract, and a customer whose updated_at is the same on every day."""
    accounts = [{key_of(line) for line in rows(raw(data_dir, "dim_accounts", day))[1:]} for day in vars(days).values()]
    account = sorted(set.intersection(*accounts), key=int)[len(accounts[0]) // 2]
    header, *customers = rows(raw(data_dir, "dim_customers", days.third))
    updated = fields(header).index("updated_at")
    earlier = [set(rows(raw(data_dir, "dim_customers", day))) for day in (days.first, days.second)]
    steady = next(line for line in customers if all(line in lines for lines in earlier))
    return Plan(account, key_of(steady), fields(steady)[updated])


def apply_faults(data_dir: Path, days: Days, plan: Plan) -> None:
    accounts = raw(data_dir, "dim_accounts", days.second)
    accounts.write_text("".join(line for line in rows(accounts) if key_of(line) != plan.account))
    customers = raw(data_dir, "dim_customers", days.third)
    header, *lines = rows(customers)
    address = fields(header).index("address")

    def changed(line: str) -> str:
        if key_of(line) != plan.customer:
            return line
        old = '"' + fields(line)[address].replace('"', '""') + '"'
        assert line.count(old) == 1, "the address must be quoted once in its line"
        return line.replace(old, f'"{NEW_ADDRESS}"')

    customers.write_text(header + "".join(changed(line) for line in lines))


@dataclass(frozen=True)
class Faulty:
    data_dir: Path
    plan: Plan
    result: dg.ExecuteInProcessResult
    digest: dict[str, tuple[int, str]]


@pytest.fixture(scope="module")
def faulty(clean, days, tmp_path_factory) -> Faulty:
    data_dir = copy_data_dir(clean, tmp_path_factory.mktemp("history_faulty") / "data")
    chosen = plan(data_dir, days)
    apply_faults(data_dir, days, chosen)
    result = run(data_dir, USER_PATH, days.second, days.third)
    return Faulty(data_dir, chosen, result, published(data_dir))


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {f"{e.asset_key.to_user_string()}:{e.check_name}": e for e in result.get_asset_check_evaluations()}


def failures(data_dir: Path, relation_query: str) -> pd.DataFrame:
    return query(data_dir, relation_query.split("the rows: ", 1)[1])


def test_the_run_succeeds_warning_of_the_vanished_key_and_the_unversioned_change_only(faulty, days):
    assert faulty.result.success
    failed = {name: e for name, e in evaluations(faulty.result).items() if not e.passed}
    assert set(failed) >= {VANISHED, UNVERSIONED}, sorted(failed)
    assert {e.severity for e in failed.values()} == {dg.AssetCheckSeverity.WARN}, sorted(failed)
    gold_failures = {name for name in failed if name.startswith("gold/")}
    assert gold_failures == {VANISHED, UNVERSIONED}, sorted(gold_failures)


def test_the_vanished_key_check_counts_the_keys_of_each_day(faulty, days):
    check = evaluations(faulty.result)[VANISHED]
    assert "dbt test account__keys_vanished_from_the_extract failed on 1 row(s)" in check.description
    counted = failures(faulty.data_dir, check.description)
    assert counted.astype(str).to_dict("records") == [{"vanished_on": days.second, "vanished_keys": "1"}]


def test_a_vanished_account_is_closed_the_day_it_vanished_and_reopened_when_it_returns(faulty, clean, days):
    before = dimension(clean, "dim_account", "account_id")
    after = dimension(faulty.data_dir, "dim_account", "account_id")
    account = int(faulty.plan.account)
    [current] = before[before.account_id == account].query("is_current").to_dict("records")
    versions = after[after.account_id == account].to_dict("records")
    assert len(versions) == len(before[before.account_id == account]) + 1
    closed, reopened = versions[-2], versions[-1]
    assert closed["valid_to"] == datetime.fromisoformat(days.second) and not closed["is_current"]
    assert reopened["valid_from"] == max(current["updated_at"], datetime.fromisoformat(days.third))
    assert reopened["is_current"] and reopened["valid_to"] == datetime(9999, 12, 31)
    assert reopened["account_sk"] != closed["account_sk"]
    others = after[after.account_id != account].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, before[before.account_id != account].reset_index(drop=True))


def test_a_change_without_a_new_updated_at_is_named_by_key_and_both_days_and_gold_keeps_the_latest(faulty, clean, days):
    check = evaluations(faulty.result)[UNVERSIONED]
    assert NEW_ADDRESS not in check.description and NEW_ADDRESS not in str(check.metadata)
    named = failures(faulty.data_dir, check.description).astype(str).to_dict("records")
    assert named == [
        {
            "natural_key": faulty.plan.customer,
            "updated_at": str(pd.Timestamp(faulty.plan.updated_at)),
            "earlier_attributes_until": days.second,
            "later_attributes_from": days.third,
        }
    ]
    customer = int(faulty.plan.customer)
    versions = query(faulty.data_dir, "select * from dev_restricted.dim_customer_pii where customer_id = ?", [customer])
    before = query(clean, "select * from dev_restricted.dim_customer_pii where customer_id = ?", [customer])
    assert len(versions) == len(before)
    latest = versions[versions.updated_at == pd.Timestamp(faulty.plan.updated_at)]
    assert latest.address.tolist() == [NEW_ADDRESS]


def test_the_same_faults_loaded_in_day_order_give_the_same_gold(faulty, built, days, tmp_path_factory):
    data_dir = copy_data_dir(faulty.data_dir, tmp_path_factory.mktemp("history_in_order") / "data", warehouse=False)
    assert run(data_dir, USER_PATH, days.first, days.third).success
    assert published(data_dir) == faulty.digest


def test_the_good_files_back_give_the_clean_gold_again(faulty, clean, days):
    for day in (days.second, days.third):
        for table in ("dim_accounts", "dim_customers"):
            raw(faulty.data_dir, table, day).write_bytes(raw(clean, table, day).read_bytes())
    assert run(faulty.data_dir, USER_PATH, days.second, days.third).success
    assert published(faulty.data_dir) == published(clean)
