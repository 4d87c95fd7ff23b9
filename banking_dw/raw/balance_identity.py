"""The bank's balance identity, checked on the raw files of `fact_daily_balances`:
closing = opening + credits - debits; opening = the previous day's closing; credits and debits
equal the day's Completed transactions (by the direction of their transaction type)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import duckdb

from banking_dw.check_outcomes import CheckOutcome
from banking_dw.contracts import TableContract
from banking_dw.partitions import FIRST_DAY
from banking_dw.raw.reading import DaysTable
from banking_dw.raw.sampling import count, describe_failures, samples

BALANCE_IDENTITY = "balance_identity_holds"
BALANCE_TABLE = "fact_daily_balances"
DESCRIPTION = (
    "closing = opening + credits - debits; opening = previous closing; credits and"
    " debits equal the day's Completed transactions."
)
# What the check reads of the day before each day it judges: the closing balance to continue from.
PREVIOUS_DAY_COLUMNS = ("account_id", "closing_balance")


def applies_to(table: TableContract) -> bool:
    return table.name == BALANCE_TABLE


def balance_identity(
    connection: duckdb.DuckDBPyConnection,
    files: DaysTable,
    load_references: Callable[[str, list[date], list[str]], DaysTable],
) -> CheckOutcome:
    days = files.days
    transactions = load_references(
        "fact_transactions", days, ["account_id", "transaction_type_id", "transaction_amount", "transaction_status"]
    )
    types = load_references("dim_transaction_types", days, ["transaction_type_id", "direction"])
    for dependency in (transactions, types):
        if not dependency.readable:
            return CheckOutcome(
                BALANCE_IDENTITY,
                False,
                f"fact_daily_balances: cannot evaluate without {dependency.table.name}: "
                + ("; ".join(dependency.header_problems) or "no files"),
            )
    # Continuity looks one day back, at that day's file if it exists, inside the window or not.
    earlier = [d - timedelta(days=1) for d in days if d > FIRST_DAY]
    previous = load_references(BALANCE_TABLE, earlier, list(PREVIOUS_DAY_COLUMNS))
    if previous.header_problems and len(previous.missing) < len(previous.header_problems):
        return CheckOutcome(
            BALANCE_IDENTITY,
            False,
            "fact_daily_balances: cannot check continuity, the previous day is unreadable: "
            + "; ".join(previous.header_problems),
        )
    # No file for the day before (the first day generated) leaves `previous` empty: nothing to continue from.
    # The tables hold typed values (banking_dw/raw/reading.py): a missing or invalid amount is null.
    opening, credits, debits, closing = "opening_balance", "total_credits", "total_debits", "closing_balance"
    sql = f"""
        with moved as (
            select tx.partition_day, tx.account_id,
                sum(case when ty.direction = 'credit' then tx.transaction_amount else 0 end) as credits,
                sum(case when ty.direction = 'debit' then tx.transaction_amount else 0 end) as debits
            from "{transactions.name}" tx join "{types.name}" ty on ty.transaction_type_id = tx.transaction_type_id and ty.partition_day = tx.partition_day
            where tx.transaction_status = 'Completed'
            group by all
        ),
        -- each account's closing on the day before each day judged: that day's opening continues
        -- from it (a key repeated on a day is the key check's failure; the least of its closings
        -- stands for them here)
        closed as (
            select partition_day + 1 as next_day, account_id, min({closing}) as previous_closing
            from "{previous.name}"
            group by all
        )
        select b.partition, b.row_number as row, b.account_id,
            case
                when b.{opening} is null or b.{credits} is null or b.{debits} is null or b.{closing} is null
                    then 'a balance amount is missing or not a decimal'
                when b.{closing} is distinct from b.{opening} + b.{credits} - b.{debits}
                    then 'closing ' || b.{closing} || ' != opening ' || b.{opening} || ' + credits ' || b.{credits} || ' - debits ' || b.{debits}
                when c.next_day is not null and b.{opening} is distinct from c.previous_closing
                    then 'opening ' || b.{opening} || ' != previous closing ' || c.previous_closing
                when b.{credits} is distinct from coalesce(m.credits, 0) or b.{debits} is distinct from coalesce(m.debits, 0)
                    then 'credits/debits ' || b.{credits} || '/' || b.{debits} || ' != Completed transactions '
                        || coalesce(m.credits, 0) || '/' || coalesce(m.debits, 0)
            end as problem
        from t b
        left join moved m on m.partition_day = b.partition_day and m.account_id = b.account_id
        left join closed c on c.next_day = b.partition_day and c.account_id = b.account_id
        where problem is not null
        order by b.partition, b.row_number
    """
    total = count(connection, sql)
    if total == 0:
        return CheckOutcome(BALANCE_IDENTITY, True, "fact_daily_balances: balances reconcile")
    failures = samples(connection, sql)
    return CheckOutcome(
        BALANCE_IDENTITY,
        False,
        describe_failures(BALANCE_TABLE, "balances that do not reconcile", failures, total),
        {"failing_rows": total, "samples": failures},
    )
