"""The six reports (dbt models in dev_reports) equal an independent computation from the raw CSV
files (pandas, no SQL). Every table is a daily extract; reference data is taken from the latest
day, as gold's SCD1 dimensions do."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from banking_dw.layout import csv_path

from .support import query

# Builds warehouses with dbt: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def csvs(built, window):
    data_dir, _ = built
    days = [date.fromisoformat(day) for day in window]

    def read(table: str) -> pd.DataFrame:
        frames = [pd.read_csv(csv_path(data_dir, table, day)).assign(day=day) for day in days]
        return pd.concat(frames, ignore_index=True)

    return read


def _latest(csvs, table: str) -> pd.DataFrame:
    """A reference table as of the latest extract day (SCD1)."""
    frame = csvs(table)
    return frame[frame.day == frame.day.max()]


def _report(built, name: str) -> pd.DataFrame:
    data_dir, _ = built
    return query(data_dir, f"select * from dev_reports.{name}")


def _usd(frame: pd.DataFrame, csvs, amount: str) -> pd.Series:
    rates = _latest(csvs, "dim_currencies").set_index("currency_id").usd_exchange_rate
    return frame[amount] * frame.currency_id.map(rates)


def _completed_transactions(csvs) -> pd.DataFrame:
    tx = csvs("fact_transactions")
    tx = tx[tx.transaction_status == "Completed"].copy()
    tx["amount_usd"] = _usd(tx, csvs, "transaction_amount")
    return tx


def _assert_close(actual: pd.Series, expected: pd.Series) -> None:
    """Report money is rounded to cents; the independent computation is not."""
    np.testing.assert_allclose(actual.astype(float).to_numpy(), expected.astype(float).to_numpy(), rtol=0, atol=0.005)


def test_top_customers(built, csvs):
    tx = _completed_transactions(csvs)
    accounts = csvs("dim_accounts")[["day", "account_id", "customer_id"]]
    tx = tx.merge(accounts, on=["day", "account_id"], how="left", validate="many_to_one")
    totals = tx.groupby("customer_id").agg(
        total_transactions=("transaction_id", "count"), total_amount=("amount_usd", "sum")
    )
    totals = totals.reset_index().sort_values(["total_amount", "customer_id"], ascending=[False, True]).head(10)
    latest = _latest(csvs, "dim_customers").set_index("customer_id")
    clear_names = set(latest.first_name + " " + latest.last_name)

    report = _report(built, "top_customers_by_transaction_volume")
    assert report.customer_id.tolist() == totals.customer_id.tolist()
    assert report.customer_segment.tolist() == latest.customer_segment[totals.customer_id].tolist()
    # Customers are shown by pseudonym: one per customer, never a clear name.
    assert report.customer_name.is_unique and not clear_names & set(report.customer_name)
    assert report.total_transactions.tolist() == totals.total_transactions.tolist()
    _assert_close(report.total_amount, totals.total_amount)


def test_monthly_transactions_by_channel(built, csvs):
    tx = _completed_transactions(csvs)
    channels = _latest(csvs, "dim_channels").set_index("channel_id").channel_name
    tx["year"], tx["month"] = tx.date_id // 10000, tx.date_id // 100 % 100
    tx["channel_name"] = tx.channel_id.map(channels)
    expected = (
        tx.groupby(["year", "month", "channel_name"])
        .agg(transaction_count=("transaction_id", "count"), total_amount=("amount_usd", "sum"))
        .reset_index()
    )
    report = _report(built, "monthly_transactions_by_channel")
    merged = expected.merge(
        report, on=["year", "month", "channel_name"], suffixes=("", "_report"), validate="one_to_one"
    )
    assert len(merged) == len(expected) == len(report)
    assert (merged.transaction_count == merged.transaction_count_report).all()
    _assert_close(merged.total_amount_report, merged.total_amount)


def test_investment_roi_by_type(built, csvs):
    investments = csvs("fact_investments")
    accounts = csvs("dim_accounts")[["day", "account_id", "currency_id"]]
    investments = investments.merge(accounts, on=["day", "account_id"], validate="many_to_one")
    investments["invested"] = _usd(investments, csvs, "investment_amount")
    investments["returned"] = _usd(investments, csvs, "investment_return")
    names = _latest(csvs, "dim_investment_types").set_index("investment_type_id").investment_type_name
    investments["investment_type_name"] = investments.investment_type_id.map(names)
    expected = (
        investments.groupby("investment_type_name")
        .agg(
            total_investments=("investment_id", "count"),
            total_invested=("invested", "sum"),
            total_return=("returned", "sum"),
        )
        .reset_index()
    )
    report = (
        _report(built, "investment_roi_by_type").set_index("investment_type_name").loc[expected.investment_type_name]
    )
    assert report.total_investments.tolist() == expected.total_investments.tolist()
    _assert_close(report.total_invested, expected.total_invested)
    _assert_close(report.total_return, expected.total_return)
    _assert_close(report.roi_percentage, (100 * expected.total_return / expected.total_invested).round(2))


def test_loan_approval_rate_by_type(built, csvs):
    loans = csvs("fact_loans")
    loans["loan_type"] = loans.loan_id.map(_latest(csvs, "dim_loans").set_index("loan_id").loan_type)
    expected = loans.groupby("loan_type").agg(
        total_applications=("loan_fact_id", "count"),
        approved=("loan_status", lambda s: (s == "Approved").sum()),
        rejected=("loan_status", lambda s: (s == "Rejected").sum()),
    )
    report = _report(built, "loan_approval_rate_by_type").set_index("loan_type").loc[expected.index]
    assert report.total_applications.tolist() == expected.total_applications.tolist()
    assert report.approved.tolist() == expected.approved.tolist()
    assert report.rejected.tolist() == expected.rejected.tolist()
    _assert_close(report.approval_rate, (100 * expected.approved / expected.total_applications).round(2))


def test_balance_trend(built, csvs):
    balances = csvs("fact_daily_balances")
    balances["closing_usd"] = _usd(balances, csvs, "closing_balance")
    expected = (
        balances.groupby("day")
        .agg(
            total_balance=("closing_usd", "sum"),
            avg_account_balance=("closing_usd", "mean"),
            active_accounts=("account_id", "nunique"),
        )
        .sort_index(ascending=False)
    )
    report = _report(built, "balance_trend")
    assert [d.date() for d in pd.to_datetime(report["date"])] == list(expected.index)
    _assert_close(report.total_balance, expected.total_balance)
    _assert_close(report.avg_account_balance, expected.avg_account_balance)
    assert report.active_accounts.tolist() == expected.active_accounts.tolist()


def test_geographic_distribution(built, csvs):
    tx = _completed_transactions(csvs)
    locations = _latest(csvs, "dim_locations").set_index("location_id")
    for column in ("country", "state", "city"):
        tx[column] = tx.location_id.map(locations[column])
    expected = (
        tx.groupby(["country", "state", "city"])
        .agg(transaction_count=("transaction_id", "count"), total_amount=("amount_usd", "sum"))
        .reset_index()
        .sort_values(["total_amount", "country", "state", "city"], ascending=[False, True, True, True])
        .head(20)
    )
    report = _report(built, "geographic_distribution")
    assert (
        report[["country", "state", "city"]].values.tolist() == expected[["country", "state", "city"]].values.tolist()
    )
    assert report.transaction_count.tolist() == expected.transaction_count.tolist()
    _assert_close(report.total_amount, expected.total_amount)
