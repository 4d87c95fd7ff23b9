"""The seven evolving tables of one day (customers, accounts, facts), and the row counts a correct day must have."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache, partial

import numpy as np
import pyarrow as pa

from banking_dw.contracts import (
    ACCOUNT_STATUSES,
    ACCOUNT_TYPES,
    CUSTOMER_SEGMENTS,
    INTERACTION_TYPES,
    LOAN_STATUSES,
    LOAN_TYPES,
    REFERENCE_TABLES,
    RESOLUTION_STATUSES,
    TRANSACTION_STATUSES,
    contract,
)

from .arrow_columns import concat_text, contract_table, digits, take
from .balances import balance_cents
from .calendar import date_id, day_index, days_as_datetime64, require_calendar_day
from .keyed_random import Stream, day_generator, keyed_integers
from .pools import COUNTRY, LOCATION_COUNT, pools
from .population import (
    ACTIVE,
    JOIN_AGE_DAYS,
    Accounts,
    CustomerField,
    Customers,
    account_count,
    accounts_on,
    customer_count,
    customers_on,
)
from .reference import LOAN_PRODUCTS_PER_TYPE, generate_reference_tables, loan_type_index
from .scale import ID_BLOCK, Scale
from .transactions import day_transactions, event_seconds, weighted_choice

INVESTMENT_TYPE_WEIGHTS = (0.3, 0.25, 0.2, 0.2, 0.05)
INVESTMENT_AMOUNT_USD = (500.0, 100_000.0)
INVESTMENT_RETURN_BASIS_POINTS = (-2_000, 3_000)  # -20% .. +30% of the position
LOAN_AMOUNT_USD = {  # by loan type, log-uniform
    "Mortgage": (100_000.0, 900_000.0),
    "Auto": (5_000.0, 80_000.0),
    "Personal": (1_000.0, 50_000.0),
    "Student": (5_000.0, 120_000.0),
    "Business": (10_000.0, 500_000.0),
}
LOAN_STATUS_WEIGHTS = (0.6, 0.25, 0.15)
INTERACTION_CHANNEL_WEIGHTS = (0.25, 0.25, 0.0, 0.2, 0.3)  # no service desk at an ATM
INTERACTION_TYPE_WEIGHTS = (0.4, 0.15, 0.35, 0.1)
RESOLUTION_WEIGHTS = (0.7, 0.2, 0.1)
COMPLAINT_SCORE_WEIGHTS = (0.3, 0.3, 0.2, 0.15, 0.05)
OTHER_SCORE_WEIGHTS = (0.05, 0.1, 0.2, 0.35, 0.3)
PHONE_AREA_CODES = (201, 990)
PHONE_EXCHANGES = (200, 1_000)
PHONE_LINES = (0, 10_000)
HOUSE_NUMBERS = (1, 10_000)


def _draw_between(
    draw: Callable[..., np.ndarray], field: int, bounds: tuple[int, int], *keys: np.ndarray | int
) -> np.ndarray:
    """A keyed draw in the half-open range [low, high)."""
    low, high = bounds
    return low + draw(field, high - low, *keys)


def _fact_ids(day: date, count: int) -> np.ndarray:
    """Unique across days: date_id * 10**9 + 1..count."""
    return date_id(day) * ID_BLOCK + np.arange(1, count + 1, dtype=np.int64)


def _log_uniform_cents(rng: np.random.Generator, low_usd: float, high_usd: float, size: int) -> np.ndarray:
    low, high = np.log(low_usd), np.log(high_usd)
    return np.rint(np.exp(rng.uniform(low, high, size=size)) * 100).astype(np.int64)


def dim_customers(customers: Customers, scale: Scale) -> pa.Table:
    pool = pools(scale.seed)
    ids, version = customers.customer_id, customers.version
    lifelong = partial(keyed_integers, scale.seed, Stream.CUSTOMER)
    per_version = partial(keyed_integers, scale.seed, Stream.CUSTOMER_VERSION)
    first = lifelong(CustomerField.FIRST_NAME, len(pool.first_names), ids)
    last = lifelong(CustomerField.LAST_NAME, len(pool.last_names), ids)
    domain = lifelong(CustomerField.EMAIL_DOMAIN, len(pool.email_domains), ids)
    age_days = _draw_between(lifelong, CustomerField.AGE, JOIN_AGE_DAYS, ids)
    # The three parts of a phone number, keyed by part 0, 1, 2.
    area = _draw_between(lifelong, CustomerField.PHONE, PHONE_AREA_CODES, ids, 0)
    exchange = _draw_between(lifelong, CustomerField.PHONE, PHONE_EXCHANGES, ids, 1)
    line = _draw_between(lifelong, CustomerField.PHONE, PHONE_LINES, ids, 2)
    # Moving house is what a new version means: street, number and town are drawn per version.
    street = per_version(CustomerField.STREET, len(pool.streets), ids, version)
    house = _draw_between(per_version, CustomerField.HOUSE_NUMBER, HOUSE_NUMBERS, ids, version)
    residence = per_version(CustomerField.RESIDENCE, len(pool.residence_cities), ids, version)
    id_text = pa.array(ids).cast(pa.string())
    return contract_table(
        "dim_customers",
        {
            "customer_id": ids,
            "first_name": take(pool.first_names, first),
            "last_name": take(pool.last_names, last),
            "email": concat_text(
                take(pool.first_name_handles, first),
                ".",
                take(pool.last_name_handles, last),
                id_text,
                "@",
                take(pool.email_domains, domain),
            ),
            "phone": concat_text("(", digits(area, 3), ") ", digits(exchange, 3), "-", digits(line, 4)),
            "date_of_birth": days_as_datetime64(customers.join_day - age_days),
            "address": concat_text(digits(house, 1), " ", take(pool.streets, street)),
            "city": take(pool.residence_cities, residence),
            "state": take(pool.residence_states, residence),
            "country": pa.repeat(COUNTRY, len(ids)),
            "customer_segment": take(pa.array(CUSTOMER_SEGMENTS), customers.segment),
            "join_date": days_as_datetime64(customers.join_day),
            "updated_at": customers.updated_at,
        },
    )


def dim_accounts(accounts: Accounts) -> pa.Table:
    return contract_table(
        "dim_accounts",
        {
            "account_id": accounts.account_id,
            "customer_id": accounts.customer_id,
            "account_type": take(pa.array(ACCOUNT_TYPES), accounts.account_type),
            "currency_id": accounts.currency_id,
            "account_status": take(pa.array(ACCOUNT_STATUSES), accounts.status),
            "open_date": days_as_datetime64(accounts.open_day),
            "updated_at": accounts.updated_at,
        },
    )


def _transactions_and_balances(day: date, accounts: Accounts, scale: Scale) -> tuple[pa.Table, pa.Table]:
    t = day_index(day)
    opening = balance_cents(accounts, t - 1, scale.seed)
    closing = balance_cents(accounts, t, scale.seed)
    rng = day_generator(scale.seed, Stream.TRANSACTIONS, day.toordinal())
    txn = day_transactions(rng, t, accounts, opening, closing, scale.transactions_per_day)
    pool = pools(scale.seed)
    per_type = pool.descriptions_per_type
    description = (txn.type_id - 1) * per_type + rng.integers(0, per_type, size=len(txn.type_id))
    transactions = contract_table(
        "fact_transactions",
        {
            "transaction_id": _fact_ids(day, len(txn.type_id)),
            "account_id": accounts.account_id[txn.account_index],
            "date_id": np.full(len(txn.type_id), date_id(day)),
            "transaction_timestamp": txn.epoch_seconds,
            "channel_id": txn.channel_id,
            "location_id": rng.integers(1, LOCATION_COUNT + 1, size=len(txn.type_id)),
            "currency_id": accounts.currency_id[txn.account_index],
            "transaction_type_id": txn.type_id,
            "transaction_amount": txn.amount_cents,
            "transaction_status": take(pa.array(TRANSACTION_STATUSES), txn.status),
            "description": take(pool.descriptions, description),
        },
    )
    balances = contract_table(
        "fact_daily_balances",
        {
            "account_id": accounts.account_id,
            "date_id": np.full(len(accounts), date_id(day)),
            "currency_id": accounts.currency_id,
            "opening_balance": opening,
            "total_credits": txn.credits_cents,
            "total_debits": txn.debits_cents,
            "closing_balance": closing,
        },
    )
    return transactions, balances


def fact_investments(day: date, accounts: Accounts, scale: Scale) -> pa.Table:
    rng = day_generator(scale.seed, Stream.INVESTMENTS, day.toordinal())
    count = scale.investments_per_day
    # Money is invested from accounts in use, not from Dormant or Frozen ones.
    active = np.flatnonzero(accounts.status == ACTIVE)
    holder = active[rng.integers(0, len(active), size=count)]
    amount = _log_uniform_cents(rng, *INVESTMENT_AMOUNT_USD, size=count)
    worst, best = INVESTMENT_RETURN_BASIS_POINTS
    return_bp = rng.integers(worst, best + 1, size=count)
    return contract_table(
        "fact_investments",
        {
            "investment_id": _fact_ids(day, count),
            "customer_id": accounts.customer_id[holder],
            "account_id": accounts.account_id[holder],
            "investment_type_id": 1 + weighted_choice(rng, INVESTMENT_TYPE_WEIGHTS, count),
            "date_id": np.full(count, date_id(day)),
            "investment_amount": amount,
            "investment_return": amount * return_bp // 10_000,
        },
    )


def fact_loans(day: date, customer_total: int, scale: Scale) -> pa.Table:
    rng = day_generator(scale.seed, Stream.LOANS, day.toordinal())
    count = scale.loans_per_day
    loan_id = rng.integers(1, len(LOAN_TYPES) * LOAN_PRODUCTS_PER_TYPE + 1, size=count)
    bounds = np.log(np.array([LOAN_AMOUNT_USD[t] for t in LOAN_TYPES]))[loan_type_index(loan_id)]
    usd = np.exp(bounds[:, 0] + (bounds[:, 1] - bounds[:, 0]) * rng.random(count))
    return contract_table(
        "fact_loans",
        {
            "loan_fact_id": _fact_ids(day, count),
            "loan_id": loan_id,
            "customer_id": rng.integers(1, customer_total + 1, size=count),
            "date_id": np.full(count, date_id(day)),
            # Applications are for round hundreds of dollars.
            "loan_amount": np.rint(usd / 100).astype(np.int64) * 100 * 100,
            "loan_status": take(pa.array(LOAN_STATUSES), weighted_choice(rng, LOAN_STATUS_WEIGHTS, count)),
        },
    )


def fact_customer_interactions(day: date, customer_total: int, scale: Scale) -> pa.Table:
    rng = day_generator(scale.seed, Stream.INTERACTIONS, day.toordinal())
    count = scale.interactions_per_day
    kind = weighted_choice(rng, INTERACTION_TYPE_WEIGHTS, count)
    resolution = weighted_choice(rng, RESOLUTION_WEIGHTS, count)
    complaint = kind == INTERACTION_TYPES.index("Complaint")
    complaint_score = weighted_choice(rng, COMPLAINT_SCORE_WEIGHTS, count)
    score = 1 + np.where(complaint, complaint_score, weighted_choice(rng, OTHER_SCORE_WEIGHTS, count))
    # Customers rate an interaction once it is closed; an open one has no score yet.
    unscored = resolution == RESOLUTION_STATUSES.index("Pending")
    return contract_table(
        "fact_customer_interactions",
        {
            "interaction_id": _fact_ids(day, count),
            "customer_id": rng.integers(1, customer_total + 1, size=count),
            "channel_id": 1 + weighted_choice(rng, INTERACTION_CHANNEL_WEIGHTS, count),
            "date_id": np.full(count, date_id(day)),
            "interaction_timestamp": event_seconds(rng, count, day_index(day)),
            "interaction_type": take(pa.array(INTERACTION_TYPES), kind),
            "resolution_status": take(pa.array(RESOLUTION_STATUSES), resolution),
            "satisfaction_score": pa.array(score, type=pa.int32(), mask=unscored),
        },
    )


def generate_day(day: date, scale: Scale) -> dict[str, pa.Table]:
    require_calendar_day(day)
    t = day_index(day)
    customers = customers_on(t, scale)
    customer_total = len(customers.customer_id)
    accounts = accounts_on(t, scale)
    transactions, balances = _transactions_and_balances(day, accounts, scale)
    return {
        "dim_customers": dim_customers(customers, scale),
        "dim_accounts": dim_accounts(accounts),
        "fact_transactions": transactions,
        "fact_investments": fact_investments(day, accounts, scale),
        "fact_loans": fact_loans(day, customer_total, scale),
        "fact_customer_interactions": fact_customer_interactions(day, customer_total, scale),
        "fact_daily_balances": balances,
    }


@cache
def _reference_row_counts(scale: Scale) -> dict[str, int]:
    return {name: table.num_rows for name, table in generate_reference_tables(scale).items()}


def expected_row_range(table: str, day: date, scale: Scale) -> tuple[int, int]:
    """Inclusive bounds on a correct file's data rows. Every volume is exact by construction,
    so the bounds are equal; they are a range so a future generator may vary day to day."""
    contract(table)
    require_calendar_day(day)
    if table in REFERENCE_TABLES:
        rows = _reference_row_counts(scale)[table]
        return rows, rows
    t = day_index(day)
    rows = {
        "dim_customers": lambda: customer_count(t, scale),
        "dim_accounts": lambda: account_count(t, scale),
        "fact_daily_balances": lambda: account_count(t, scale),
        "fact_transactions": lambda: scale.transactions_per_day,
        "fact_investments": lambda: scale.investments_per_day,
        "fact_loans": lambda: scale.loans_per_day,
        "fact_customer_interactions": lambda: scale.interactions_per_day,
    }[table]()
    return rows, rows
