"""Customers and accounts, each entity's whole history closed-form in (entity, day).

Customer i joins on a fixed day; so does each of its up to three account slots. Attributes that
evolve are drawn per (entity, version), version = floor((day - born + phase) / period), so the state
on any day is computed directly, never by replaying the days before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from banking_dw.contracts import ACCOUNT_STATUSES, ACCOUNT_TYPES

from .calendar import BATCH_WINDOW_SECONDS, day_start_epoch_seconds
from .keyed_random import Stream, keyed_choice, keyed_integers, keyed_uniform
from .scale import Scale

# The population grows by its 2020 size every GROWTH_DAYS days (linear, ~5% a year).
GROWTH_DAYS = 7_300
# Customers already at the bank on 2020-01-01 joined during the ten years before.
PRE_CALENDAR_HISTORY_DAYS = 3_650
ACCOUNTS_PER_CUSTOMER_WEIGHTS = (0.6, 0.3, 0.1)  # one, two or three accounts: 1.5 on average
MAX_ACCOUNTS_PER_CUSTOMER = len(ACCOUNTS_PER_CUSTOMER_WEIGHTS)
ACCOUNT_ID_STRIDE = 10  # account_id = customer_id * 10 + slot number (1..3)
SECONDARY_ACCOUNT_DELAY_DAYS = 1_500
SEGMENT_WEIGHTS = (0.8, 0.15, 0.05)
CURRENCY_WEIGHTS = (0.9, 0.07, 0.03)  # currency_id 1..3 = USD, EUR, JPY
SECONDARY_ACCOUNT_TYPE_WEIGHTS = (0.0, 0.7, 0.3)  # a customer's first account is Checking
LATER_STATUS_WEIGHTS = (0.8, 0.12, 0.08)  # Active, Dormant, Frozen after the first version
ACTIVE = ACCOUNT_STATUSES.index("Active")
CHECKING = ACCOUNT_TYPES.index("Checking")
JOIN_AGE_DAYS = (18 * 365 + 5, 65 * 365)


class CustomerField(IntEnum):
    JOIN = 1
    PERIOD = 2
    PHASE = 3
    FIRST_NAME = 4
    LAST_NAME = 5
    EMAIL_DOMAIN = 6
    AGE = 7
    PHONE = 8
    ACCOUNT_COUNT = 9
    ACCOUNT_DELAY = 10
    STREET = 11
    HOUSE_NUMBER = 12
    RESIDENCE = 13
    SEGMENT = 14
    CHANGE_SECOND = 15


class AccountField(IntEnum):
    CURRENCY = 1
    TYPE = 2
    PERIOD = 3
    PHASE = 4
    STATUS = 5
    CHANGE_SECOND = 6


@dataclass(frozen=True)
class Versioning:
    """Versions of an entity born on `born`: version v starts on day born - phase + v * period."""

    born: np.ndarray
    period: np.ndarray
    phase: np.ndarray

    @classmethod
    def draw(
        cls,
        seed: int,
        stream: Stream,
        fields: tuple[int, int],
        ids: np.ndarray,
        born: np.ndarray,
        period_range: tuple[int, int],
    ) -> Versioning:
        low, high = period_range
        period = low + keyed_integers(seed, stream, fields[0], high - low + 1, ids)
        phase = (keyed_uniform(seed, stream, fields[1], ids) * period).astype(np.int64)
        return cls(born, period, phase)

    def version_on(self, day: int | np.ndarray) -> np.ndarray:
        return (day - self.born + self.phase) // self.period

    def version_start(self, version: np.ndarray) -> np.ndarray:
        return np.maximum(self.born, self.born - self.phase + version * self.period)


def change_timestamp(
    seed: int, stream: Stream, field: int, ids: np.ndarray, versions: np.ndarray, start_days: np.ndarray
) -> np.ndarray:
    """Epoch seconds of a version's change, inside its start day's overnight batch."""
    second = keyed_integers(seed, stream, field, BATCH_WINDOW_SECONDS, ids, versions)
    return day_start_epoch_seconds(start_days) + second


def customer_count(day: int, scale: Scale) -> int:
    initial = scale.initial_customers
    return initial + (initial * day) // GROWTH_DAYS


def join_days(customer_ids: np.ndarray, scale: Scale) -> np.ndarray:
    initial = scale.initial_customers
    before_calendar = -1 - keyed_integers(
        scale.seed, Stream.CUSTOMER, CustomerField.JOIN, PRE_CALENDAR_HISTORY_DAYS, customer_ids
    )
    # The first day on which customer_count(day) >= id, inverted exactly in integers.
    grown = -((-(customer_ids - initial) * GROWTH_DAYS) // initial)
    return np.where(customer_ids <= initial, before_calendar, grown)


@dataclass(frozen=True)
class Customers:
    """Every customer that exists on `day`, attributes as of that day (codes, not text yet)."""

    customer_id: np.ndarray
    join_day: np.ndarray
    version: np.ndarray
    updated_at: np.ndarray  # epoch seconds
    segment: np.ndarray


def customer_versioning(ids: np.ndarray, join: np.ndarray, seed: int) -> Versioning:
    fields = (CustomerField.PERIOD, CustomerField.PHASE)
    return Versioning.draw(seed, Stream.CUSTOMER, fields, ids, join, (180, 1_460))


def customers_on(day: int, scale: Scale) -> Customers:
    ids = np.arange(1, customer_count(day, scale) + 1, dtype=np.int64)
    join = join_days(ids, scale)
    versioning = customer_versioning(ids, join, scale.seed)
    version = versioning.version_on(day)
    start = versioning.version_start(version)
    seed = scale.seed
    segment = keyed_choice(seed, Stream.CUSTOMER_VERSION, CustomerField.SEGMENT, SEGMENT_WEIGHTS, ids, version)
    updated_at = change_timestamp(seed, Stream.CUSTOMER_VERSION, CustomerField.CHANGE_SECOND, ids, version, start)
    return Customers(ids, join, version, updated_at, segment)


@dataclass(frozen=True)
class Accounts:
    """Every account that exists on `day`, sorted by account_id, attributes as of that day."""

    account_id: np.ndarray
    customer_id: np.ndarray
    open_day: np.ndarray
    currency_id: np.ndarray
    account_type: np.ndarray
    status: np.ndarray
    updated_at: np.ndarray  # epoch seconds
    versioning: Versioning

    def __len__(self) -> int:
        return len(self.account_id)


def account_count(day: int, scale: Scale) -> int:
    return len(_account_slots(day, scale)[0])


def _account_slots(day: int, scale: Scale) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer_id, slot, open_day) of every account open on `day`, sorted by account_id."""
    ids = np.arange(1, customer_count(day, scale) + 1, dtype=np.int64)
    join = join_days(ids, scale)
    count = 1 + keyed_choice(
        scale.seed, Stream.CUSTOMER, CustomerField.ACCOUNT_COUNT, ACCOUNTS_PER_CUSTOMER_WEIGHTS, ids
    )
    slots = np.arange(MAX_ACCOUNTS_PER_CUSTOMER, dtype=np.int64)
    delay = 1 + keyed_integers(
        scale.seed,
        Stream.CUSTOMER,
        CustomerField.ACCOUNT_DELAY,
        SECONDARY_ACCOUNT_DELAY_DAYS,
        ids[:, None],
        slots[None, :],
    )
    open_day = join[:, None] + np.where(slots[None, :] == 0, 0, delay)
    exists = (slots[None, :] < count[:, None]) & (open_day <= day)
    customer_grid = np.broadcast_to(ids[:, None], exists.shape)
    slot_grid = np.broadcast_to(slots[None, :], exists.shape)
    return customer_grid[exists], slot_grid[exists], open_day[exists]


def account_status(account_ids: np.ndarray, versions: np.ndarray, seed: int) -> np.ndarray:
    later = keyed_choice(seed, Stream.ACCOUNT_VERSION, AccountField.STATUS, LATER_STATUS_WEIGHTS, account_ids, versions)
    return np.where(versions == 0, ACTIVE, later)


def accounts_on(day: int, scale: Scale) -> Accounts:
    seed = scale.seed
    customer_id, slot, open_day = _account_slots(day, scale)
    ids = customer_id * ACCOUNT_ID_STRIDE + slot + 1
    currency_id = 1 + keyed_choice(seed, Stream.ACCOUNT, AccountField.CURRENCY, CURRENCY_WEIGHTS, ids)
    secondary_type = keyed_choice(seed, Stream.ACCOUNT, AccountField.TYPE, SECONDARY_ACCOUNT_TYPE_WEIGHTS, ids)
    account_type = np.where(slot == 0, CHECKING, secondary_type)
    fields = (AccountField.PERIOD, AccountField.PHASE)
    versioning = Versioning.draw(seed, Stream.ACCOUNT, fields, ids, open_day, (60, 540))
    version = versioning.version_on(day)
    updated_at = change_timestamp(
        seed,
        Stream.ACCOUNT_VERSION,
        AccountField.CHANGE_SECOND,
        ids,
        version,
        versioning.version_start(version),
    )
    status = account_status(ids, version, seed)
    return Accounts(ids, customer_id, open_day, currency_id, account_type, status, updated_at, versioning)
