"""The seven reference tables: a pure function of the scale, the same bytes every day."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

from banking_dw.contracts import (
    CHANNEL_NAMES,
    CURRENCY_CODES,
    INVESTMENT_TYPE_NAMES,
    LOAN_TYPES,
    TRANSACTION_TYPE_NAMES,
)

from .arrow_columns import contract_table
from .calendar import CALENDAR_END, CALENDAR_START, day_index, days_as_datetime64
from .keyed_random import Stream, keyed_uniform
from .pools import COUNTRY, LOCATION_COUNT, pools
from .scale import Scale

DIGITAL_CHANNELS = frozenset({"Online", "Mobile"})
CREDIT_TYPES = frozenset({"Deposit", "Transfer In"})
CURRENCY_NAMES = {"USD": "US Dollar", "EUR": "Euro", "JPY": "Japanese Yen"}
# Constant rates in millionths of a dollar per unit (the contract's six decimals).
USD_RATE_MICROS = {"USD": 1_000_000, "EUR": 1_080_000, "JPY": 6_700}
INVESTMENT_RISK = {
    "Stocks": "High",
    "Bonds": "Low",
    "Mutual Funds": "Medium",
    "ETFs": "Medium",
    "Real Estate": "Medium",
}
LOAN_PRODUCTS_PER_TYPE = 10
LOAN_TIERS = ("Standard", "Preferred", "Select", "Flex", "Premier")
# Per loan type: yearly rate range in basis points and the two terms (months) offered per tier.
LOAN_TERMS = {
    "Mortgage": ((550, 750), (180, 360)),
    "Auto": ((400, 1_000), (36, 72)),
    "Personal": ((800, 2_000), (24, 60)),
    "Student": ((400, 800), (120, 240)),
    "Business": ((600, 1_200), (60, 120)),
}
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ids(count: int) -> np.ndarray:
    return np.arange(1, count + 1, dtype=np.int32)


def dim_dates() -> pa.Table:
    days = days_as_datetime64(np.arange(day_index(CALENDAR_START), day_index(CALENDAR_END) + 1))
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    day_of_week = (days.astype(np.int64) + 3) % 7 + 1  # 1970-01-01 was a Thursday
    # ISO week: the week of the Thursday in the same Monday-to-Sunday week.
    thursday = days + (4 - day_of_week)
    week = (thursday - thursday.astype("datetime64[Y]")).astype(np.int64) // 7 + 1
    return contract_table(
        "dim_dates",
        {
            "date_id": year * 10_000 + month * 100 + day_of_month,
            "date": days,
            "year": year,
            "quarter": (month - 1) // 3 + 1,
            "month": month,
            "month_name": pa.array(MONTH_NAMES).take(pa.array(month - 1)),
            "day_of_month": day_of_month,
            "day_of_week": day_of_week,
            "day_name": pa.array(DAY_NAMES).take(pa.array(day_of_week - 1)),
            "week_of_year": week,
            "is_weekend": day_of_week >= 6,
        },
    )


def _one_row_per_name(
    table: str, id_column: str, name_column: str, names: Sequence[str], **attributes: Mapping[str, object]
) -> pa.Table:
    """A lookup table: one row per name, numbered from 1 in the names' order, with each
    attribute's value for that name."""
    return contract_table(
        table,
        {
            id_column: _ids(len(names)),
            name_column: pa.array(names),
            **{column: np.array([values[name] for name in names]) for column, values in attributes.items()},
        },
    )


def dim_channels() -> pa.Table:
    return _one_row_per_name(
        "dim_channels",
        "channel_id",
        "channel_name",
        CHANNEL_NAMES,
        is_digital={name: name in DIGITAL_CHANNELS for name in CHANNEL_NAMES},
    )


def dim_transaction_types() -> pa.Table:
    return _one_row_per_name(
        "dim_transaction_types",
        "transaction_type_id",
        "transaction_type_name",
        TRANSACTION_TYPE_NAMES,
        direction={name: "credit" if name in CREDIT_TYPES else "debit" for name in TRANSACTION_TYPE_NAMES},
    )


def dim_currencies() -> pa.Table:
    return _one_row_per_name(
        "dim_currencies",
        "currency_id",
        "currency_code",
        CURRENCY_CODES,
        currency_name=CURRENCY_NAMES,
        usd_exchange_rate=USD_RATE_MICROS,
    )


def dim_investment_types() -> pa.Table:
    return _one_row_per_name(
        "dim_investment_types",
        "investment_type_id",
        "investment_type_name",
        INVESTMENT_TYPE_NAMES,
        risk_level=INVESTMENT_RISK,
    )


def loan_type_index(loan_ids: np.ndarray) -> np.ndarray:
    """Index into LOAN_TYPES of each loan product (products cycle through the types)."""
    return (np.asarray(loan_ids) - 1) % len(LOAN_TYPES)


def dim_loans(scale: Scale) -> pa.Table:
    ids = _ids(LOAN_PRODUCTS_PER_TYPE * len(LOAN_TYPES))
    types = [LOAN_TYPES[i] for i in loan_type_index(ids)]
    variant = (ids - 1) // len(LOAN_TYPES)  # 0..9 within a type: tier and term
    terms = np.array([LOAN_TERMS[t][1][v % 2] for t, v in zip(types, variant, strict=False)])
    low = np.array([LOAN_TERMS[t][0][0] for t in types])
    high = np.array([LOAN_TERMS[t][0][1] for t in types])
    u = keyed_uniform(scale.seed, Stream.LOAN_PRODUCTS, 1, ids)
    # Rates are whole basis points, stored with two decimals as percent (5.25 = 5.25%).
    rate_hundredths = np.rint((low + (high - low) * u) / 5) * 5
    names = [f"{LOAN_TIERS[v // 2]} {t} Loan {m} months" for t, v, m in zip(types, variant, terms, strict=False)]
    return contract_table(
        "dim_loans",
        {
            "loan_id": ids,
            "loan_type": pa.array(types),
            "loan_name": pa.array(names),
            "interest_rate": rate_hundredths.astype(np.int64),
            "term_months": terms,
        },
    )


def dim_locations(scale: Scale) -> pa.Table:
    pool = pools(scale.seed)
    return contract_table(
        "dim_locations",
        {
            "location_id": _ids(LOCATION_COUNT),
            "city": pool.location_cities,
            "state": pool.location_states,
            "country": pa.array([COUNTRY] * LOCATION_COUNT),
            "postal_code": pool.location_postal_codes,
        },
    )


def generate_reference_tables(scale: Scale) -> dict[str, pa.Table]:
    return {
        "dim_dates": dim_dates(),
        "dim_channels": dim_channels(),
        "dim_transaction_types": dim_transaction_types(),
        "dim_locations": dim_locations(scale),
        "dim_currencies": dim_currencies(),
        "dim_investment_types": dim_investment_types(),
        "dim_loans": dim_loans(scale),
    }
