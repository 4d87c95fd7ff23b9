"""A pure, vectorised, deterministic synthetic retail bank.

Every file is a function of (seed, day, scale) alone: any day can be generated on its own, and
the same inputs give byte-identical CSVs.
"""

from .csv_files import csv_bytes, round_trips, write_bytes, write_csv
from .day import expected_row_range, generate_day
from .reference import generate_reference_tables
from .scale import Scale

__all__ = [
    "Scale",
    "csv_bytes",
    "expected_row_range",
    "generate_day",
    "generate_reference_tables",
    "round_trips",
    "write_bytes",
    "write_csv",
]
