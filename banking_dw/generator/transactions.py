"""A day's transactions, built so the Completed ones net exactly to each account's balance move."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from banking_dw.contracts import TRANSACTION_STATUSES

from .balances import UNITS_PER_USD
from .calendar import BATCH_WINDOW_SECONDS, day_start_epoch_seconds
from .population import Accounts

COMPLETED = TRANSACTION_STATUSES.index("Completed")
# Share of each day's attempts that do not move money: Pending, Failed, Reversed.
NOT_COMPLETED_SHARES = {"Pending": 0.025, "Failed": 0.015, "Reversed": 0.01}
CREDIT_PROBABILITY = 0.45
# transaction_type_id = index + 1: Deposit, Withdrawal, Transfer In, Transfer Out, Payment.
CREDIT_TYPE_WEIGHTS = (0.55, 0.0, 0.45, 0.0, 0.0)
DEBIT_TYPE_WEIGHTS = (0.0, 0.3, 0.0, 0.25, 0.45)
ANY_TYPE_WEIGHTS = (0.25, 0.15, 0.2, 0.15, 0.25)
# channel_id = index + 1: Online, Mobile, ATM, Branch, Phone; one row per transaction type.
CHANNEL_WEIGHTS_BY_TYPE = np.array(
    [
        [0.10, 0.20, 0.30, 0.35, 0.05],
        [0.00, 0.00, 0.70, 0.30, 0.00],
        [0.45, 0.45, 0.00, 0.05, 0.05],
        [0.40, 0.45, 0.00, 0.10, 0.05],
        [0.45, 0.50, 0.00, 0.00, 0.05],
    ]
)
EVERYDAY_AMOUNT_USD = (5.0, 500.0)  # log-uniform; the last of an account's day absorbs the rest
# Relative activity per hour 01..23 (the 00 hour is the overnight dimension batch).
HOUR_WEIGHTS = np.array([1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 10, 9, 8, 8, 8, 9, 9, 8, 6, 4, 3, 2], dtype=np.float64)


@dataclass(frozen=True)
class DayTransactions:
    account_index: np.ndarray  # row -> position in Accounts
    type_id: np.ndarray
    channel_id: np.ndarray
    status: np.ndarray
    amount_cents: np.ndarray
    epoch_seconds: np.ndarray
    credits_cents: np.ndarray  # per account (Accounts order), Completed credits
    debits_cents: np.ndarray


def event_seconds(rng: np.random.Generator, count: int, day: int) -> np.ndarray:
    """Sorted epoch seconds in [day 01:00:00, day + 1 00:00:00), busier in the daytime."""
    hour = 1 + rng.choice(len(HOUR_WEIGHTS), size=count, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    second = rng.integers(0, BATCH_WINDOW_SECONDS, size=count)
    return day_start_epoch_seconds(day) + np.sort(hour * BATCH_WINDOW_SECONDS + second)


def weighted_choice(rng: np.random.Generator, weights: tuple[float, ...], size: int) -> np.ndarray:
    weights = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def _everyday_cents(rng: np.random.Generator, currency_id: np.ndarray) -> np.ndarray:
    low, high = np.log(EVERYDAY_AMOUNT_USD)
    usd = np.exp(rng.uniform(low, high, size=len(currency_id)))
    return np.maximum(1, np.rint(usd * UNITS_PER_USD[currency_id] * 100)).astype(np.int64)


def _status_counts(total: int) -> dict[int, int]:
    counts = {
        TRANSACTION_STATUSES.index(status): round(total * share) for status, share in NOT_COMPLETED_SHARES.items()
    }
    return {COMPLETED: total - sum(counts.values()), **counts}


def _completed_signed_cents(
    rng: np.random.Generator, delta: np.ndarray, currency_id: np.ndarray, completed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(account position, signed cents) per row: `completed` rows over the accounts whose balance
    moves, each account's rows summing exactly to its delta, no row zero."""
    moving = np.flatnonzero(delta)
    if completed < len(moving):
        raise RuntimeError(f"{len(moving)} balances move but only {completed} completed transactions")
    if len(moving) == 0:
        raise RuntimeError("no balance moves, so completed transactions cannot net to zero change")
    per_account = 1 + np.bincount(rng.integers(0, len(moving), size=completed - len(moving)), minlength=len(moving))
    first = np.concatenate(([0], np.cumsum(per_account)[:-1]))
    last = first + per_account - 1
    rows = np.repeat(moving, per_account)
    direction = np.where(rng.random(completed) < CREDIT_PROBABILITY, 1, -1)
    signed = direction * _everyday_cents(rng, currency_id[rows])
    signed[last] = 0
    residual = delta[moving] - np.add.reduceat(signed, first)
    # A zero residual would make a zero-amount row: nudge the first row by a cent instead.
    nudged = residual == 0
    nudge = np.sign(signed[first[nudged]])
    signed[first[nudged]] += nudge
    residual[nudged] = -nudge
    signed[last] = residual
    return rows, signed


def day_transactions(
    rng: np.random.Generator,
    day: int,
    accounts: Accounts,
    opening_cents: np.ndarray,
    closing_cents: np.ndarray,
    total: int,
) -> DayTransactions:
    counts = _status_counts(total)
    completed_accounts, signed = _completed_signed_cents(
        rng, closing_cents - opening_cents, accounts.currency_id, counts[COMPLETED]
    )
    credit = signed > 0
    completed_types = np.where(
        credit,
        weighted_choice(rng, CREDIT_TYPE_WEIGHTS, len(signed)),
        weighted_choice(rng, DEBIT_TYPE_WEIGHTS, len(signed)),
    )
    credits = np.zeros(len(accounts), dtype=np.int64)
    debits = np.zeros(len(accounts), dtype=np.int64)
    np.add.at(credits, completed_accounts[credit], signed[credit])
    np.add.at(debits, completed_accounts[~credit], -signed[~credit])

    # Attempts that never move money can hit any account, Frozen ones included.
    other = total - counts[COMPLETED]
    other_rows = rng.integers(0, len(accounts), size=other)
    other_status = np.repeat([s for s in counts if s != COMPLETED], [counts[s] for s in counts if s != COMPLETED])
    account_index = np.concatenate((completed_accounts, other_rows))
    type_index = np.concatenate((completed_types, weighted_choice(rng, ANY_TYPE_WEIGHTS, other)))
    amount = np.concatenate((np.abs(signed), _everyday_cents(rng, accounts.currency_id[other_rows])))
    status = np.concatenate((np.full(len(signed), COMPLETED), other_status))

    # Shuffle so ids (which follow time) do not group by account or status.
    order = rng.permutation(total)
    type_index = type_index[order]
    cumulative = np.cumsum(CHANNEL_WEIGHTS_BY_TYPE, axis=1)
    u = rng.random(total)
    channel_index = (u[:, None] >= cumulative[type_index][:, :-1]).sum(axis=1)
    return DayTransactions(
        account_index=account_index[order],
        type_id=type_index + 1,
        channel_id=channel_index + 1,
        status=status[order],
        amount_cents=amount[order],
        epoch_seconds=event_seconds(rng, total, day),
        credits_cents=credits,
        debits_cents=debits,
    )
