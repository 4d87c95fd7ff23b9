"""Randomness that is a pure function of (seed, stream, keys): no global state, no hash().

Two kinds:
- day streams: a numpy Generator per (seed, stream, day), for the day's facts;
- keyed draws: a counter-based hash of (seed, stream, entity, version), so an entity's attributes
  on any day are computed directly, without drawing the entities or days before it.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_UNIT = 2.0**-53


class Stream(IntEnum):
    """One independent stream per concern, so changing one never shifts another."""

    FAKER_POOLS = 1
    LOAN_PRODUCTS = 3
    CUSTOMER = 10
    CUSTOMER_VERSION = 11
    ACCOUNT = 20
    ACCOUNT_VERSION = 21
    BALANCE_LEVEL = 30
    BALANCE_DAY = 31
    TRANSACTIONS = 40
    INVESTMENTS = 41
    LOANS = 42
    INTERACTIONS = 43


def day_generator(seed: int, stream: Stream, day_ordinal: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, int(stream), day_ordinal])))


def _splitmix64(x: np.ndarray) -> np.ndarray:
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


def _stream_key(seed: int, stream: Stream, field: int) -> np.uint64:
    return np.uint64(np.random.SeedSequence([seed, int(stream), field]).generate_state(1, np.uint64)[0])


def keyed_uniform(seed: int, stream: Stream, field: int, *keys: np.ndarray | int) -> np.ndarray:
    """Uniform [0, 1) per row of the broadcast keys; `field` separates attributes of one entity."""
    h = np.full(np.broadcast(*keys).shape, _stream_key(seed, stream, field), dtype=np.uint64)
    for key in keys:
        h = _splitmix64(h ^ np.asarray(key).astype(np.uint64))
    return (h >> np.uint64(11)).astype(np.float64) * _UNIT


def keyed_integers(seed: int, stream: Stream, field: int, high: int, *keys: np.ndarray | int) -> np.ndarray:
    """Integers in [0, high)."""
    return (keyed_uniform(seed, stream, field, *keys) * high).astype(np.int64)


def keyed_choice(seed: int, stream: Stream, field: int, weights: tuple[float, ...], *keys: np.ndarray) -> np.ndarray:
    """Index into `weights` (which need not sum to one) per row."""
    u = keyed_uniform(seed, stream, field, *keys)
    cumulative = np.cumsum(weights, dtype=np.float64)
    cumulative /= cumulative[-1]
    return np.minimum(np.searchsorted(cumulative, u, side="right"), len(weights) - 1).astype(np.int64)
