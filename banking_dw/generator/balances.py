"""A closed-form balance path B(account, day), in integer cents.

On a day the account is Active its balance is a seeded fluctuation around the account's own level;
on a Dormant or Frozen day it keeps the balance of its last Active day, so it is flat and no
completed transaction is needed. B(day) and B(day - 1) both come from `day` alone.
"""

from __future__ import annotations

import numpy as np

from .keyed_random import Stream, keyed_uniform
from .population import ACTIVE, Accounts, account_status

LEVEL_RANGE_USD = (200.0, 50_000.0)  # log-uniform typical balance per account
FLUCTUATION = 0.25  # an Active day's balance lies in level * [0.75, 1.25]
# Units of account currency per USD, so a JPY balance looks like a JPY balance (by currency_id).
UNITS_PER_USD = np.array([0.0, 1.0, 0.93, 150.0])


def _level_cents(accounts: Accounts, seed: int) -> np.ndarray:
    low, high = np.log(LEVEL_RANGE_USD)
    u = keyed_uniform(seed, Stream.BALANCE_LEVEL, 1, accounts.account_id)
    return np.exp(low + (high - low) * u) * UNITS_PER_USD[accounts.currency_id] * 100


def _last_active_day(accounts: Accounts, day: int, seed: int) -> np.ndarray:
    """Latest day <= `day` on which each account was Active (its first version always is)."""
    versioning = accounts.versioning
    version = versioning.version_on(day)
    result = np.full(len(accounts), day, dtype=np.int64)
    opened = accounts.open_day <= day
    searching = opened & (account_status(accounts.account_id, version, seed) != ACTIVE)
    earlier = version.copy()
    while searching.any():
        earlier[searching] -= 1
        found = searching & (account_status(accounts.account_id, earlier, seed) == ACTIVE)
        result[found] = versioning.version_start(earlier + 1)[found] - 1
        searching &= ~found
    return result


def balance_cents(accounts: Accounts, day: int, seed: int) -> np.ndarray:
    """B(account, day) for the given accounts; zero before an account opens."""
    active_day = _last_active_day(accounts, day, seed)
    u = keyed_uniform(seed, Stream.BALANCE_DAY, 1, accounts.account_id, active_day)
    level = _level_cents(accounts, seed) * (1.0 - FLUCTUATION + 2.0 * FLUCTUATION * u)
    return np.where(accounts.open_day <= day, np.rint(level), 0).astype(np.int64)
