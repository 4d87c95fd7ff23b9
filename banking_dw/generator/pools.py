"""Realistic value pools built once per seed with a seeded Faker; rows index into them in bulk."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyarrow as pa
from faker import Faker

from .keyed_random import Stream, day_generator

COUNTRY = "United States"
LOCATION_COUNT = 50
_NAME_POOL = 1_000
_STREET_POOL = 2_000
_RESIDENCE_POOL = 500
_COMPANY_POOL = 300
_DESCRIPTIONS_PER_KIND = 256
_NOT_EMAIL_SAFE = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True)
class Pools:
    first_names: pa.Array
    last_names: pa.Array
    # Lower-case ASCII forms of the names, same order, for e-mail local parts.
    first_name_handles: pa.Array
    last_name_handles: pa.Array
    email_domains: pa.Array
    streets: pa.Array
    residence_cities: pa.Array
    residence_states: pa.Array
    location_cities: pa.Array
    location_states: pa.Array
    location_postal_codes: pa.Array
    # Per transaction type id (1-based), a block of _DESCRIPTIONS_PER_KIND descriptions.
    descriptions: pa.Array

    @property
    def descriptions_per_type(self) -> int:
        return _DESCRIPTIONS_PER_KIND


def _faker(seed: int) -> Faker:
    fake = Faker("en_US")
    seed_state = day_generator(seed, Stream.FAKER_POOLS, 0).integers(0, 2**62)
    fake.seed_instance(int(seed_state))
    return fake


def _distinct(make, size: int, attempts: int = 3) -> list[str]:
    """Up to `size` distinct values (Faker's lists can be shorter than asked for)."""
    seen: dict[str, None] = {}
    for _ in range(size * attempts):
        seen.setdefault(make(), None)
        if len(seen) == size:
            break
    return list(seen)


def _single_line(text: str) -> str:
    # Glue's OpenCSVSerde cannot read multi-line records, so generated text never has newlines.
    return ", ".join(part.strip() for part in text.splitlines() if part.strip())


def _handle(name: str) -> str:
    return _NOT_EMAIL_SAFE.sub("", name.lower()) or "customer"


def _descriptions(fake: Faker) -> list[str]:
    companies = _distinct(lambda: _single_line(fake.company()), _COMPANY_POOL)
    people = [f"{fake.first_name()} {fake.last_name()}" for _ in range(_DESCRIPTIONS_PER_KIND)]
    merchants = [companies[i % len(companies)] for i in range(_DESCRIPTIONS_PER_KIND)]
    employers = [companies[-1 - i % len(companies)] for i in range(_DESCRIPTIONS_PER_KIND)]
    half = _DESCRIPTIONS_PER_KIND // 2
    by_type = {
        1: [f"Direct deposit from {e}" for e in employers[:half]]
        + ["Cash deposit", "Mobile check deposit"] * (half // 2),
        2: ["ATM withdrawal", "Cash withdrawal at branch"] * half,
        3: [f"Transfer from {p}" for p in people],
        4: [f"Transfer to {p}" for p in people],
        5: [f"Card payment at {m}" for m in merchants[:half]] + [f"Bill payment to {e}" for e in employers[:half]],
    }
    return [text for type_id in sorted(by_type) for text in by_type[type_id]]


@lru_cache(maxsize=8)
def pools(seed: int) -> Pools:
    fake = _faker(seed)
    first_names = _distinct(fake.first_name, _NAME_POOL)
    last_names = _distinct(fake.last_name, _NAME_POOL)
    residences = _distinct(lambda: (fake.city(), fake.state_abbr()), _RESIDENCE_POOL)
    location_states = [fake.state_abbr() for _ in range(LOCATION_COUNT)]
    locations = [
        (city, state, fake.postcode_in_state(state))
        for city, state in zip(_distinct(fake.city, LOCATION_COUNT), location_states, strict=False)
    ]
    return Pools(
        first_names=pa.array(first_names),
        last_names=pa.array(last_names),
        first_name_handles=pa.array([_handle(n) for n in first_names]),
        last_name_handles=pa.array([_handle(n) for n in last_names]),
        email_domains=pa.array(_distinct(fake.free_email_domain, 10)),
        streets=pa.array(_distinct(lambda: _single_line(fake.street_name()), _STREET_POOL)),
        residence_cities=pa.array([city for city, _ in residences]),
        residence_states=pa.array([state for _, state in residences]),
        location_cities=pa.array([city for city, _, _ in locations]),
        location_states=pa.array([state for _, state, _ in locations]),
        location_postal_codes=pa.array([code for _, _, code in locations]),
        descriptions=pa.array(_descriptions(fake)),
    )
