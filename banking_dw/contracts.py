"""One contract per source table: columns, types, key and allowed values.

Every table is a daily extract: its files are written once per day under `dt=YYYY-MM-DD`.

The generator, the CSV checks, the bronze views (and the Glue schema), and the dbt sources all
derive from, or are tested against, these definitions. There is no second hand-kept copy.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from enum import Enum


class ColumnType(str, Enum):
    """Logical column types; what text is a valid value of each is `VALUE_PATTERNS`."""

    BIGINT = "bigint"
    INTEGER = "integer"
    DECIMAL = "decimal(18,2)"  # money
    RATE = "decimal(18,6)"  # exchange rates
    VARCHAR = "varchar"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOLEAN = "boolean"


# THE rule for what text is a valid value of each type, read by the raw checks (Python) and,
# through the `contract_types` var sync_contract.py writes, by silver's casts and quarantine.
# Any text is a valid VARCHAR. A value is judged after trimming surrounding spaces (a blank value is missing, never valid).
# It is valid when it fully matches its type's pattern and, for dates and timestamps, names a real
# calendar day. Patterns use only the regex syntax Python, DuckDB (RE2), PostgreSQL and Redshift
# (POSIX) agree on, and bound the digits so every engine's cast of a match succeeds:
#   integers   optional sign, at most 9 (integer) / 18 (bigint) digits; no decimal point, no exponent
#   decimals   optional sign, at most p-s integer digits, optionally a point and 1..s decimals
#              ('1.5' and '+5' are 1.50 and 5.00; '1.234', '.5', '5.' and '1e3' are invalid)
#   booleans   true or false, in any letter case
#   dates      YYYY-MM-DD, year 1000-9999; timestamps 'YYYY-MM-DD HH:MM:SS', hours 00-23 (no 24:00)
_DATE = "[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
VALUE_PATTERNS: dict[ColumnType, str] = {
    ColumnType.BIGINT: "[+-]?[0-9]{1,18}",
    ColumnType.INTEGER: "[+-]?[0-9]{1,9}",
    ColumnType.DECIMAL: "[+-]?[0-9]{1,16}([.][0-9]{1,2})?",
    ColumnType.RATE: "[+-]?[0-9]{1,12}([.][0-9]{1,6})?",
    ColumnType.DATE: _DATE,
    ColumnType.TIMESTAMP: _DATE + " ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]",
    ColumnType.BOOLEAN: "[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]",
}
# Types whose text starts with a YYYY-MM-DD that must be a real day (2023-02-29 is not).
CALENDAR_TYPES: frozenset[ColumnType] = frozenset({ColumnType.DATE, ColumnType.TIMESTAMP})
# What judging strips from both ends of a value: SQL's trim(), spaces only.
TRIMMED = " "


def is_real_day(text: str) -> bool:
    """Whether a YYYY-MM-DD prefix (already matching the date pattern) is a calendar day."""
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    return day <= calendar.monthrange(year, month)[1]


def is_missing(text: str | None) -> bool:
    return text is None or text.strip(TRIMMED) == ""


def is_valid_value(text: str, type: ColumnType) -> bool:
    """The verdict on one non-missing text value of `type`, the same in every layer."""
    if type is ColumnType.VARCHAR:
        return True
    value = text.strip(TRIMMED)
    if re.fullmatch(VALUE_PATTERNS[type], value) is None:
        return False
    return type not in CALENDAR_TYPES or is_real_day(value)


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = False
    allowed_values: tuple[str, ...] | None = None
    # (table, column) this column must resolve to, in the same day's files.
    references: tuple[str, str] | None = None


@dataclass(frozen=True)
class TableContract:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def is_fact(self) -> bool:
        return self.name.startswith("fact_")

    @property
    def model_name(self) -> str:
        """The seed's singular model name in silver (`stg_<model>`) and gold (`<model>`)."""
        return MODEL_NAMES[self.name]


C = ColumnType
TRANSACTION_STATUSES = ("Completed", "Pending", "Failed", "Reversed")
LOAN_STATUSES = ("Approved", "Rejected", "Pending")
CURRENCY_CODES = ("USD", "EUR", "JPY")
CHANNEL_NAMES = ("Online", "Mobile", "ATM", "Branch", "Phone")
TRANSACTION_TYPE_NAMES = ("Deposit", "Withdrawal", "Transfer In", "Transfer Out", "Payment")
TRANSACTION_DIRECTIONS = ("credit", "debit")
INVESTMENT_TYPE_NAMES = ("Stocks", "Bonds", "Mutual Funds", "ETFs", "Real Estate")
RISK_LEVELS = ("Low", "Medium", "High")
LOAN_TYPES = ("Mortgage", "Auto", "Personal", "Student", "Business")
CUSTOMER_SEGMENTS = ("Retail", "Premium", "Private")
ACCOUNT_TYPES = ("Checking", "Savings", "Money Market")
ACCOUNT_STATUSES = ("Active", "Dormant", "Frozen")
INTERACTION_TYPES = ("Inquiry", "Complaint", "Support", "Feedback")
RESOLUTION_STATUSES = ("Resolved", "Pending", "Escalated")
SATISFACTION_SCORES = ("1", "2", "3", "4", "5")


CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        name="dim_dates",
        description="Calendar, one row per day from 2020-01-01 to 2030-12-31.",
        key=("date_id",),
        columns=(
            Column("date_id", C.INTEGER),  # YYYYMMDD
            Column("date", C.DATE),
            Column("year", C.INTEGER),
            Column("quarter", C.INTEGER),
            Column("month", C.INTEGER),
            Column("month_name", C.VARCHAR),
            Column("day_of_month", C.INTEGER),
            Column("day_of_week", C.INTEGER),  # ISO: Monday = 1
            Column("day_name", C.VARCHAR),
            Column("week_of_year", C.INTEGER),  # ISO week
            Column("is_weekend", C.BOOLEAN),
        ),
    ),
    TableContract(
        name="dim_channels",
        description="Channels a customer reaches the bank through.",
        key=("channel_id",),
        columns=(
            Column("channel_id", C.INTEGER),
            Column("channel_name", C.VARCHAR, allowed_values=CHANNEL_NAMES),
            Column("is_digital", C.BOOLEAN),
        ),
    ),
    TableContract(
        name="dim_transaction_types",
        description="Transaction categories and whether they credit or debit the account.",
        key=("transaction_type_id",),
        columns=(
            Column("transaction_type_id", C.INTEGER),
            Column("transaction_type_name", C.VARCHAR, allowed_values=TRANSACTION_TYPE_NAMES),
            Column("direction", C.VARCHAR, allowed_values=TRANSACTION_DIRECTIONS),
        ),
    ),
    TableContract(
        name="dim_locations",
        description="Branch and ATM locations.",
        key=("location_id",),
        columns=(
            Column("location_id", C.INTEGER),
            Column("city", C.VARCHAR),
            Column("state", C.VARCHAR),
            Column("country", C.VARCHAR),
            Column("postal_code", C.VARCHAR),
        ),
    ),
    TableContract(
        name="dim_currencies",
        description="Currencies accounts are held in.",
        key=("currency_id",),
        columns=(
            Column("currency_id", C.INTEGER),
            Column("currency_code", C.VARCHAR, allowed_values=CURRENCY_CODES),
            Column("currency_name", C.VARCHAR),
            Column("usd_exchange_rate", C.RATE),
        ),
    ),
    TableContract(
        name="dim_investment_types",
        description="Investment products.",
        key=("investment_type_id",),
        columns=(
            Column("investment_type_id", C.INTEGER),
            Column("investment_type_name", C.VARCHAR, allowed_values=INVESTMENT_TYPE_NAMES),
            Column("risk_level", C.VARCHAR, allowed_values=RISK_LEVELS),
        ),
    ),
    TableContract(
        name="dim_loans",
        description="Loan products and their terms.",
        key=("loan_id",),
        columns=(
            Column("loan_id", C.INTEGER),
            Column("loan_type", C.VARCHAR, allowed_values=LOAN_TYPES),
            Column("loan_name", C.VARCHAR),
            Column("interest_rate", C.DECIMAL),  # percent per year
            Column("term_months", C.INTEGER),
        ),
    ),
    TableContract(
        name="dim_customers",
        description=(
            "Daily full extract: every customer that exists that day, attributes as of that day,"
            " updated_at = when the customer last changed."
        ),
        key=("customer_id",),
        columns=(
            Column("customer_id", C.BIGINT),
            Column("first_name", C.VARCHAR),
            Column("last_name", C.VARCHAR),
            Column("email", C.VARCHAR),
            Column("phone", C.VARCHAR),
            Column("date_of_birth", C.DATE),
            Column("address", C.VARCHAR),
            Column("city", C.VARCHAR),
            Column("state", C.VARCHAR),
            Column("country", C.VARCHAR),
            Column("customer_segment", C.VARCHAR, allowed_values=CUSTOMER_SEGMENTS),
            Column("join_date", C.DATE),
            Column("updated_at", C.TIMESTAMP),
        ),
    ),
    TableContract(
        name="dim_accounts",
        description=(
            "Daily full extract: every account that exists that day, attributes as of that day,"
            " updated_at = when the account last changed."
        ),
        key=("account_id",),
        columns=(
            Column("account_id", C.BIGINT),
            Column("customer_id", C.BIGINT, references=("dim_customers", "customer_id")),
            Column("account_type", C.VARCHAR, allowed_values=ACCOUNT_TYPES),
            Column("currency_id", C.INTEGER, references=("dim_currencies", "currency_id")),
            Column("account_status", C.VARCHAR, allowed_values=ACCOUNT_STATUSES),
            Column("open_date", C.DATE),
            Column("updated_at", C.TIMESTAMP),
        ),
    ),
    TableContract(
        name="fact_transactions",
        description="One row per transaction attempt on an account.",
        key=("transaction_id",),
        columns=(
            Column("transaction_id", C.BIGINT),
            Column("account_id", C.BIGINT, references=("dim_accounts", "account_id")),
            Column("date_id", C.INTEGER, references=("dim_dates", "date_id")),
            Column("transaction_timestamp", C.TIMESTAMP),
            Column("channel_id", C.INTEGER, references=("dim_channels", "channel_id")),
            Column("location_id", C.INTEGER, references=("dim_locations", "location_id")),
            Column("currency_id", C.INTEGER, references=("dim_currencies", "currency_id")),
            Column(
                "transaction_type_id",
                C.INTEGER,
                references=("dim_transaction_types", "transaction_type_id"),
            ),
            Column("transaction_amount", C.DECIMAL),
            Column("transaction_status", C.VARCHAR, allowed_values=TRANSACTION_STATUSES),
            Column("description", C.VARCHAR),
        ),
    ),
    TableContract(
        name="fact_investments",
        description="One row per investment position opened, with its return to date.",
        key=("investment_id",),
        columns=(
            Column("investment_id", C.BIGINT),
            Column("customer_id", C.BIGINT, references=("dim_customers", "customer_id")),
            Column("account_id", C.BIGINT, references=("dim_accounts", "account_id")),
            Column(
                "investment_type_id",
                C.INTEGER,
                references=("dim_investment_types", "investment_type_id"),
            ),
            Column("date_id", C.INTEGER, references=("dim_dates", "date_id")),
            Column("investment_amount", C.DECIMAL),
            Column("investment_return", C.DECIMAL),
        ),
    ),
    TableContract(
        name="fact_loans",
        description="One row per loan application.",
        key=("loan_fact_id",),
        columns=(
            Column("loan_fact_id", C.BIGINT),
            Column("loan_id", C.INTEGER, references=("dim_loans", "loan_id")),
            Column("customer_id", C.BIGINT, references=("dim_customers", "customer_id")),
            Column("date_id", C.INTEGER, references=("dim_dates", "date_id")),
            Column("loan_amount", C.DECIMAL),
            Column("loan_status", C.VARCHAR, allowed_values=LOAN_STATUSES),
        ),
    ),
    TableContract(
        name="fact_customer_interactions",
        description="One row per customer-service interaction.",
        key=("interaction_id",),
        columns=(
            Column("interaction_id", C.BIGINT),
            Column("customer_id", C.BIGINT, references=("dim_customers", "customer_id")),
            Column("channel_id", C.INTEGER, references=("dim_channels", "channel_id")),
            Column("date_id", C.INTEGER, references=("dim_dates", "date_id")),
            Column("interaction_timestamp", C.TIMESTAMP),
            Column("interaction_type", C.VARCHAR, allowed_values=INTERACTION_TYPES),
            Column("resolution_status", C.VARCHAR, allowed_values=RESOLUTION_STATUSES),
            Column("satisfaction_score", C.INTEGER, nullable=True, allowed_values=SATISFACTION_SCORES),
        ),
    ),
    TableContract(
        name="fact_daily_balances",
        description=(
            "One row per account and day: closing = opening + credits - debits, where credits and"
            " debits are the day's Completed transactions."
        ),
        key=("account_id", "date_id"),
        columns=(
            Column("account_id", C.BIGINT, references=("dim_accounts", "account_id")),
            Column("date_id", C.INTEGER, references=("dim_dates", "date_id")),
            Column("currency_id", C.INTEGER, references=("dim_currencies", "currency_id")),
            Column("opening_balance", C.DECIMAL),
            Column("total_credits", C.DECIMAL),
            Column("total_debits", C.DECIMAL),
            Column("closing_balance", C.DECIMAL),
        ),
    ),
)

# The seed's model names: singular, except the two facts the seed names in the plural. dbt reads
# them from the `bronze_contract` var (sync_contract.py), so there is no second rule.
MODEL_NAMES: dict[str, str] = {
    "dim_dates": "dim_date",
    "dim_channels": "dim_channel",
    "dim_transaction_types": "dim_transaction_type",
    "dim_locations": "dim_location",
    "dim_currencies": "dim_currency",
    "dim_investment_types": "dim_investment_type",
    "dim_loans": "dim_loan",
    "dim_customers": "dim_customer",
    "dim_accounts": "dim_account",
    "fact_transactions": "fact_transaction",
    "fact_investments": "fact_investment",
    "fact_loans": "fact_loan",
    "fact_customer_interactions": "fact_customer_interactions",
    "fact_daily_balances": "fact_daily_balances",
}

CONTRACTS_BY_NAME: dict[str, TableContract] = {c.name: c for c in CONTRACTS}
TABLE_NAMES: tuple[str, ...] = tuple(c.name for c in CONTRACTS)
# Reference data the core banking system exports unchanged with every day's files.
REFERENCE_TABLES: tuple[str, ...] = (
    "dim_dates",
    "dim_channels",
    "dim_transaction_types",
    "dim_locations",
    "dim_currencies",
    "dim_investment_types",
    "dim_loans",
)


def contract(name: str) -> TableContract:
    try:
        return CONTRACTS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLE_NAMES)}") from None
