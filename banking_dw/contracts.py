"""The fourteen source tables, each defined once: columns, types, key, allowed values, references,
value rules and whether a column is personal data.

Every table is a daily extract, written once per day under `dt=YYYY-MM-DD`. The generator, the raw
checks, the landing audit, the bronze views and Glue tables, and every dbt file that restates a
table (`make contract`) derive from these definitions. What text is a valid value of each type is
`banking_dw.value_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from banking_dw.value_rules import ColumnType


class Extract(str, Enum):
    """What a day's file of a table holds, and so whether it may be empty."""

    # Every entity that exists that day, as of that day: an empty file means a broken export.
    FULL = "full"
    # That day's events: a day without a new loan or interaction is a real day.
    EVENTS = "events"


class Personal(str, Enum):
    """Personal data: never outside the warehouse's restricted part (not in metadata, logs, alerts)."""

    # Names one person on its own: a name, an email, a phone number, a street address.
    DIRECT = "direct identifier"
    # Narrows down who a person is when combined: a date of birth, a home town.
    QUASI = "quasi-identifier"


class Mask(str, Enum):
    """How analysts' gold shows a personal column: written by the gold model itself, so every
    engine gives the same value; the clear value stays in the restricted model. A pseudonym is
    keyed (a hash of the secret masking key and the value: nobody without the key can confirm a
    guess); a quasi-identifier is generalised or removed until every combination analysts see is
    shared by at least five customers (macros/gold/masking.sql)."""

    # A pseudonym from the customer's id: "Customer" and "#<8 hex digits>" read as one name.
    GIVEN_NAME_PSEUDONYM = "given-name pseudonym"
    FAMILY_NAME_PSEUDONYM = "keyed family-name pseudonym"
    KEYED_HASH = "keyed hash"  # the same value gives the same hash: counts and joins still work
    # The first day of the decade, 1950 for anyone born before 1960 and 1990 for anyone born after 1999.
    BIRTH_DECADE = "first day of the decade, top- and bottom-coded"
    REMOVED = "removed"  # null
    # Free text that names people after its second word ("Transfer from <name>").
    FIRST_TWO_WORDS = "first two words"


class Sign(str, Enum):
    POSITIVE = "positive"
    NON_NEGATIVE = "non-negative"


# The longest text a varchar column accepts unless its contract says otherwise: generous for a
# bank's fields, and a guard against a runaway value (a megabyte name) reaching gold.
DEFAULT_MAX_LENGTH = 255
# The earliest date of birth a customer can have.
EARLIEST_BIRTH_DATE = "1900-01-01"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    nullable: bool = False
    allowed_values: tuple[str, ...] | None = None
    # (table, column) this column must resolve to, in the same day's files.
    references: tuple[str, str] | None = None
    personal: Personal | None = None
    # How analysts' gold masks it; None keeps the value (a quasi-identifier the analyses need).
    mask: Mask | None = None
    sign: Sign | None = None
    # Dates: the plausible range, from `earliest` to the day of the extract the row arrives in.
    earliest: str | None = None
    not_after_extract_day: bool = False
    max_length_override: int | None = None
    # What replaces the value when its customer is erased, where the type's placeholder would not
    # read as what the column holds (banking_dw.erasure.placeholders).
    erased_as: str | None = None

    @property
    def max_length(self) -> int | None:
        """Characters a text value may have; None for other types."""
        if self.type is not ColumnType.VARCHAR:
            return None
        return self.max_length_override or DEFAULT_MAX_LENGTH


@dataclass(frozen=True)
class TableContract:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str
    extract: Extract

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
    def may_be_empty(self) -> bool:
        return self.extract is Extract.EVENTS

    @property
    def personal_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.personal)

    @property
    def model_name(self) -> str:
        """The original project's singular model name in silver (`stg_<model>`) and gold (`<model>`)."""
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

DATE_ID = "Calendar day as YYYYMMDD."
ACCOUNT_ID = "The account."
CUSTOMER_ID = "The customer."
CHANNEL_ID = "The channel used."
CURRENCY_ID = "The account's currency."


CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        name="dim_dates",
        description="Calendar, one row per day from 2020-01-01 to 2030-12-31.",
        extract=Extract.FULL,
        key=("date_id",),
        columns=(
            Column("date_id", C.INTEGER, DATE_ID),
            Column("date", C.DATE, "The calendar day."),
            Column("year", C.INTEGER, "Calendar year."),
            Column("quarter", C.INTEGER, "Calendar quarter, 1-4."),
            Column("month", C.INTEGER, "Month number, 1-12."),
            Column("month_name", C.VARCHAR, "Month name in English."),
            Column("day_of_month", C.INTEGER, "Day of the month, 1-31."),
            Column("day_of_week", C.INTEGER, "ISO day of the week, Monday = 1."),
            Column("day_name", C.VARCHAR, "Day name in English."),
            Column("week_of_year", C.INTEGER, "ISO week number."),
            Column("is_weekend", C.BOOLEAN, "Saturday or Sunday."),
        ),
    ),
    TableContract(
        name="dim_channels",
        description="Channels a customer reaches the bank through.",
        extract=Extract.FULL,
        key=("channel_id",),
        columns=(
            Column("channel_id", C.INTEGER, "The channel."),
            Column("channel_name", C.VARCHAR, "Channel name.", allowed_values=CHANNEL_NAMES),
            Column("is_digital", C.BOOLEAN, "Online or mobile rather than in person or by phone."),
        ),
    ),
    TableContract(
        name="dim_transaction_types",
        description="Transaction categories and whether they credit or debit the account.",
        extract=Extract.FULL,
        key=("transaction_type_id",),
        columns=(
            Column("transaction_type_id", C.INTEGER, "The transaction type."),
            Column("transaction_type_name", C.VARCHAR, "Transaction type name.", allowed_values=TRANSACTION_TYPE_NAMES),
            Column(
                "direction",
                C.VARCHAR,
                "Whether the type adds to (credit) or takes from (debit) the balance.",
                allowed_values=TRANSACTION_DIRECTIONS,
            ),
        ),
    ),
    TableContract(
        name="dim_locations",
        description="Branch and ATM locations.",
        extract=Extract.FULL,
        key=("location_id",),
        columns=(
            Column("location_id", C.INTEGER, "The branch or ATM."),
            Column("city", C.VARCHAR, "City of the location."),
            Column("state", C.VARCHAR, "State of the location."),
            Column("country", C.VARCHAR, "Country of the location."),
            Column("postal_code", C.VARCHAR, "Postal code of the location.", max_length_override=16),
        ),
    ),
    TableContract(
        name="dim_currencies",
        description="Currencies accounts are held in.",
        extract=Extract.FULL,
        key=("currency_id",),
        columns=(
            Column("currency_id", C.INTEGER, "The currency."),
            Column("currency_code", C.VARCHAR, "ISO 4217 code.", allowed_values=CURRENCY_CODES),
            Column("currency_name", C.VARCHAR, "Currency name."),
            Column("usd_exchange_rate", C.RATE, "US dollars per unit of the currency.", sign=Sign.POSITIVE),
        ),
    ),
    TableContract(
        name="dim_investment_types",
        description="Investment products.",
        extract=Extract.FULL,
        key=("investment_type_id",),
        columns=(
            Column("investment_type_id", C.INTEGER, "The investment product type."),
            Column("investment_type_name", C.VARCHAR, "Investment type name.", allowed_values=INVESTMENT_TYPE_NAMES),
            Column("risk_level", C.VARCHAR, "The product's risk class.", allowed_values=RISK_LEVELS),
        ),
    ),
    TableContract(
        name="dim_loans",
        description="Loan products and their terms.",
        extract=Extract.FULL,
        key=("loan_id",),
        columns=(
            Column("loan_id", C.INTEGER, "The loan product."),
            Column("loan_type", C.VARCHAR, "Loan category.", allowed_values=LOAN_TYPES),
            Column("loan_name", C.VARCHAR, "Product name."),
            Column("interest_rate", C.DECIMAL, "Interest rate, percent per year.", sign=Sign.NON_NEGATIVE),
            Column("term_months", C.INTEGER, "Loan term in months.", sign=Sign.POSITIVE),
        ),
    ),
    TableContract(
        name="dim_customers",
        description=(
            "Daily full extract: every customer that exists that day, attributes as of that day,"
            " updated_at = when the customer last changed."
        ),
        extract=Extract.FULL,
        key=("customer_id",),
        columns=(
            Column("customer_id", C.BIGINT, CUSTOMER_ID),
            Column("first_name", C.VARCHAR, "Given name.", personal=Personal.DIRECT, mask=Mask.GIVEN_NAME_PSEUDONYM),
            Column("last_name", C.VARCHAR, "Family name.", personal=Personal.DIRECT, mask=Mask.FAMILY_NAME_PSEUDONYM),
            Column(
                "email",
                C.VARCHAR,
                "Email address.",
                personal=Personal.DIRECT,
                mask=Mask.KEYED_HASH,
                max_length_override=254,
                erased_as="erased@erased.invalid",
            ),
            Column(
                "phone",
                C.VARCHAR,
                "Phone number.",
                personal=Personal.DIRECT,
                mask=Mask.REMOVED,
                max_length_override=32,
                erased_as="(000) 000-0000",
            ),
            Column(
                "date_of_birth",
                C.DATE,
                "Date of birth.",
                personal=Personal.QUASI,
                mask=Mask.BIRTH_DECADE,
                earliest=EARLIEST_BIRTH_DATE,
                not_after_extract_day=True,
            ),
            Column("address", C.VARCHAR, "Street address.", personal=Personal.DIRECT, mask=Mask.REMOVED),
            Column("city", C.VARCHAR, "Home town.", personal=Personal.QUASI, mask=Mask.REMOVED),
            Column("state", C.VARCHAR, "Home state.", personal=Personal.QUASI, mask=Mask.REMOVED),
            # Every customer's, in a one-country bank: no one stands out by it.
            Column("country", C.VARCHAR, "Home country.", personal=Personal.QUASI),
            Column("customer_segment", C.VARCHAR, "Service tier.", allowed_values=CUSTOMER_SEGMENTS),
            Column(
                "join_date",
                C.DATE,
                "Day the customer joined the bank.",
                personal=Personal.QUASI,
                mask=Mask.REMOVED,
                not_after_extract_day=True,
                # No plausible join day: the bank's history starts in 2010.
                erased_as="1900-01-01",
            ),
            Column("updated_at", C.TIMESTAMP, "When the customer's attributes last changed."),
        ),
    ),
    TableContract(
        name="dim_accounts",
        description=(
            "Daily full extract: every account that exists that day, attributes as of that day,"
            " updated_at = when the account last changed."
        ),
        extract=Extract.FULL,
        key=("account_id",),
        columns=(
            Column("account_id", C.BIGINT, ACCOUNT_ID),
            Column(
                "customer_id",
                C.BIGINT,
                "The customer holding the account.",
                references=("dim_customers", "customer_id"),
            ),
            Column("account_type", C.VARCHAR, "Account product.", allowed_values=ACCOUNT_TYPES),
            Column("currency_id", C.INTEGER, CURRENCY_ID, references=("dim_currencies", "currency_id")),
            Column("account_status", C.VARCHAR, "Whether the account is in use.", allowed_values=ACCOUNT_STATUSES),
            Column("open_date", C.DATE, "Day the account was opened.", not_after_extract_day=True),
            Column("updated_at", C.TIMESTAMP, "When the account's attributes last changed."),
        ),
    ),
    TableContract(
        name="fact_transactions",
        description="One row per transaction attempt on an account.",
        extract=Extract.EVENTS,
        key=("transaction_id",),
        columns=(
            Column("transaction_id", C.BIGINT, "The transaction."),
            Column("account_id", C.BIGINT, ACCOUNT_ID, references=("dim_accounts", "account_id")),
            Column("date_id", C.INTEGER, DATE_ID, references=("dim_dates", "date_id")),
            Column("transaction_timestamp", C.TIMESTAMP, "When the transaction happened."),
            Column("channel_id", C.INTEGER, CHANNEL_ID, references=("dim_channels", "channel_id")),
            Column("location_id", C.INTEGER, "Where it happened.", references=("dim_locations", "location_id")),
            Column("currency_id", C.INTEGER, CURRENCY_ID, references=("dim_currencies", "currency_id")),
            Column(
                "transaction_type_id",
                C.INTEGER,
                "The transaction type.",
                references=("dim_transaction_types", "transaction_type_id"),
            ),
            Column("transaction_amount", C.DECIMAL, "Amount in the account's currency.", sign=Sign.POSITIVE),
            Column("transaction_status", C.VARCHAR, "Outcome.", allowed_values=TRANSACTION_STATUSES),
            # Free text that names counterparties ("Transfer from <name>").
            Column("description", C.VARCHAR, "Statement text.", personal=Personal.DIRECT, mask=Mask.FIRST_TWO_WORDS),
        ),
    ),
    TableContract(
        name="fact_investments",
        description="One row per investment position opened, with its return to date.",
        extract=Extract.EVENTS,
        key=("investment_id",),
        columns=(
            Column("investment_id", C.BIGINT, "The investment position."),
            Column("customer_id", C.BIGINT, CUSTOMER_ID, references=("dim_customers", "customer_id")),
            Column("account_id", C.BIGINT, "The account invested from.", references=("dim_accounts", "account_id")),
            Column(
                "investment_type_id",
                C.INTEGER,
                "The investment product type.",
                references=("dim_investment_types", "investment_type_id"),
            ),
            Column("date_id", C.INTEGER, DATE_ID, references=("dim_dates", "date_id")),
            Column("investment_amount", C.DECIMAL, "Amount invested, account currency.", sign=Sign.POSITIVE),
            Column("investment_return", C.DECIMAL, "Return to date, account currency (may be negative)."),
        ),
    ),
    TableContract(
        name="fact_loans",
        description="One row per loan application.",
        extract=Extract.EVENTS,
        key=("loan_fact_id",),
        columns=(
            Column("loan_fact_id", C.BIGINT, "The loan application."),
            Column("loan_id", C.INTEGER, "The loan product.", references=("dim_loans", "loan_id")),
            Column("customer_id", C.BIGINT, "The applicant.", references=("dim_customers", "customer_id")),
            Column("date_id", C.INTEGER, DATE_ID, references=("dim_dates", "date_id")),
            Column("loan_amount", C.DECIMAL, "Amount applied for, US dollars.", sign=Sign.POSITIVE),
            Column("loan_status", C.VARCHAR, "Decision.", allowed_values=LOAN_STATUSES),
        ),
    ),
    TableContract(
        name="fact_customer_interactions",
        description="One row per customer-service interaction.",
        extract=Extract.EVENTS,
        key=("interaction_id",),
        columns=(
            Column("interaction_id", C.BIGINT, "The interaction."),
            Column("customer_id", C.BIGINT, CUSTOMER_ID, references=("dim_customers", "customer_id")),
            Column("channel_id", C.INTEGER, CHANNEL_ID, references=("dim_channels", "channel_id")),
            Column("date_id", C.INTEGER, DATE_ID, references=("dim_dates", "date_id")),
            Column("interaction_timestamp", C.TIMESTAMP, "When the interaction began."),
            Column("interaction_type", C.VARCHAR, "Why the customer got in touch.", allowed_values=INTERACTION_TYPES),
            Column("resolution_status", C.VARCHAR, "Where the case stands.", allowed_values=RESOLUTION_STATUSES),
            Column(
                "satisfaction_score",
                C.INTEGER,
                "Customer rating 1-5; empty while the case is open.",
                nullable=True,
                allowed_values=SATISFACTION_SCORES,
            ),
        ),
    ),
    TableContract(
        name="fact_daily_balances",
        description=(
            "One row per account and day: closing = opening + credits - debits, where credits and"
            " debits are the day's Completed transactions."
        ),
        extract=Extract.FULL,
        key=("account_id", "date_id"),
        columns=(
            Column("account_id", C.BIGINT, ACCOUNT_ID, references=("dim_accounts", "account_id")),
            Column("date_id", C.INTEGER, DATE_ID, references=("dim_dates", "date_id")),
            Column("currency_id", C.INTEGER, CURRENCY_ID, references=("dim_currencies", "currency_id")),
            Column("opening_balance", C.DECIMAL, "Balance at the start of the day.", sign=Sign.NON_NEGATIVE),
            Column("total_credits", C.DECIMAL, "Completed credits of the day.", sign=Sign.NON_NEGATIVE),
            Column("total_debits", C.DECIMAL, "Completed debits of the day.", sign=Sign.NON_NEGATIVE),
            Column("closing_balance", C.DECIMAL, "Balance at the end of the day.", sign=Sign.NON_NEGATIVE),
        ),
    ),
)

# The original project's model names: singular, except the two facts it names in the plural.
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
