"""How big the simulated bank is: one knob (transactions per day) and a seed."""

from __future__ import annotations

import os
from dataclasses import dataclass

TRANSACTIONS_PER_DAY_ENV = "BANKING_DW_TRANSACTIONS_PER_DAY"
SEED_ENV = "BANKING_DW_SEED"

# Below this the fixed shares (5% non-completed, up to 3 accounts per customer) cannot guarantee
# one completed transaction for every account whose balance moves.
MIN_TRANSACTIONS_PER_DAY = 100
# Fact keys are date_id * ID_BLOCK + sequence, so a day's rows must fit in one block.
ID_BLOCK = 10**9

CUSTOMERS_PER_TRANSACTION = 0.2  # customers at 2020-01-01; the bank then grows ~5% a year
INVESTMENTS_PER_TRANSACTION = 0.01
LOANS_PER_TRANSACTION = 0.005
INTERACTIONS_PER_TRANSACTION = 0.05


@dataclass(frozen=True)
class Scale:
    transactions_per_day: int = 1000
    seed: int = 42

    def __post_init__(self) -> None:
        if not MIN_TRANSACTIONS_PER_DAY <= self.transactions_per_day < ID_BLOCK:
            raise ValueError(
                f"transactions_per_day must be in [{MIN_TRANSACTIONS_PER_DAY}, {ID_BLOCK}),"
                f" got {self.transactions_per_day}"
            )
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")

    @classmethod
    def from_env(cls) -> Scale:
        defaults = cls()
        return cls(
            transactions_per_day=_int_from_env(TRANSACTIONS_PER_DAY_ENV, defaults.transactions_per_day),
            seed=_int_from_env(SEED_ENV, defaults.seed),
        )

    @property
    def initial_customers(self) -> int:
        return max(1, round(self.transactions_per_day * CUSTOMERS_PER_TRANSACTION))

    @property
    def investments_per_day(self) -> int:
        return _at_least_one(self.transactions_per_day * INVESTMENTS_PER_TRANSACTION)

    @property
    def loans_per_day(self) -> int:
        return _at_least_one(self.transactions_per_day * LOANS_PER_TRANSACTION)

    @property
    def interactions_per_day(self) -> int:
        return _at_least_one(self.transactions_per_day * INTERACTIONS_PER_TRANSACTION)


def _at_least_one(volume: float) -> int:
    # Tiny dev scales still produce every fact table, so every check has rows to look at.
    return max(1, round(volume))


def _int_from_env(variable: str, default: int) -> int:
    raw = os.environ.get(variable)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip().replace("_", ""))
    except ValueError:
        raise ValueError(f"{variable}={raw!r} is not an integer") from None
