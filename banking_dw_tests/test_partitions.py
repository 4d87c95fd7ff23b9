from datetime import date

import dagster as dg
import pytest

from banking_dw.dbt.args import (
    ONE_MODEL_AT_A_TIME_ROWS,
    build_args,
    build_threads,
    target_environment,
    window_environment,
)
from banking_dw.partitions import DayWindow, daily_partitions, parse_partition_key


def test_window_is_half_open_and_counts_days():
    window = DayWindow(date(2024, 1, 1), date(2024, 1, 8))
    days = list(window.days())
    assert len(window) == 7
    assert days[0] == date(2024, 1, 1)
    assert days[-1] == date(2024, 1, 7)
    assert date(2024, 1, 8) not in days


def test_single_day_window_crosses_month_and_leap_day():
    leap_day = DayWindow.from_key_range("2024-02-29", "2024-02-29")
    assert list(leap_day.days()) == [date(2024, 2, 29)]
    assert leap_day.end == date(2024, 3, 1)


def test_empty_or_reversed_window_is_rejected():
    with pytest.raises(ValueError, match="empty day window"):
        DayWindow(date(2024, 1, 2), date(2024, 1, 2))
    with pytest.raises(ValueError):
        DayWindow(date(2024, 1, 3), date(2024, 1, 2))


def test_window_from_a_dagster_partition_range_matches_its_keys():
    start, end = "2024-01-30", "2024-02-02"
    keys = daily_partitions().get_partition_keys_in_range(dg.PartitionKeyRange(start, end))
    window = DayWindow.from_key_range(start, end)
    assert [d.isoformat() for d in window.days()] == keys
    assert window.end == date(2024, 2, 3)
    assert list(DayWindow.from_key_range(start, start).days()) == [date(2024, 1, 30)]


def test_a_reversed_key_range_is_rejected():
    with pytest.raises(ValueError, match="empty day window"):
        DayWindow.from_key_range("2024-01-02", "2024-01-01")


def test_partition_key_parsing_names_the_bad_key():
    assert parse_partition_key("2024-01-05") == date(2024, 1, 5)
    with pytest.raises(ValueError, match="'2024-13-01'"):
        parse_partition_key("2024-13-01")


def test_partitions_begin_with_the_bank_and_end_with_the_generator_calendar(monkeypatch):
    monkeypatch.delenv("BANKING_DW_FIRST_DAY", raising=False)
    assert daily_partitions().get_first_partition_key() == "2024-01-01"
    # The last key is also capped by today; the definition itself must stop with the calendar.
    assert daily_partitions().end.date() == date(2031, 1, 1)
    monkeypatch.setenv("BANKING_DW_FIRST_DAY", "2020-01-01")
    assert daily_partitions().get_first_partition_key() == "2020-01-01"
    for bad, answer in [("2024-13-01", "is not a day"), ("2031-01-01", "is outside the calendar")]:
        monkeypatch.setenv("BANKING_DW_FIRST_DAY", bad)
        with pytest.raises(ValueError, match=f"BANKING_DW_FIRST_DAY={bad}.*{answer}"):
            daily_partitions()


def test_dbt_builds_one_target_and_gets_the_half_open_window_from_the_environment():
    assert build_args() == [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--log-level-file",
        "none",
        "--no-write-json",
    ]
    assert build_args(1)[-2:] == ["--threads", "1"]
    # profiles.yml names its outputs after the targets, so dbt is told the target itself.
    assert target_environment("aws") == {"BANKING_DW_TARGET": "aws"}
    assert window_environment(DayWindow(date(2024, 1, 1), date(2024, 1, 3))) == {
        "BANKING_DW_MIN_DATE": "2024-01-01",
        "BANKING_DW_MAX_DATE": "2024-01-03",
    }


def test_duckdb_builds_a_chunk_at_volume_one_model_at_a_time():
    # a 10M-transaction day lands about 20M rows, a 1M day about 2M, a default week about 100k
    assert build_threads("local", 20_000_000) == 1
    assert build_threads("local", ONE_MODEL_AT_A_TIME_ROWS) == 1
    assert build_threads("local", ONE_MODEL_AT_A_TIME_ROWS - 1) is None
    assert build_threads("local", 2_000_000) is None
    # Redshift's concurrency is its own: the profile's threads whatever the volume.
    assert build_threads("aws", 20_000_000) is None


@pytest.mark.parametrize("days_per_chunk", [1, 2, 3, 31, 40])
def test_chunks_cover_the_window_in_order_without_gap_or_overlap(days_per_chunk):
    window = DayWindow(date(2024, 2, 27), date(2024, 3, 31))  # 33 days, across a leap day
    chunks = window.chunks(days_per_chunk)
    assert [day for chunk in chunks for day in chunk.days()] == list(window.days())
    assert all(len(chunk) <= days_per_chunk for chunk in chunks)
    assert len(chunks) == -(-len(window) // days_per_chunk)


def test_chunks_end_at_the_most_rows_and_a_larger_day_is_a_chunk_of_its_own():
    window = DayWindow(date(2024, 3, 1), date(2024, 3, 8))
    rows = dict(zip(window.days(), [4, 4, 4, 15, 1, 1, 9], strict=True))
    chunks = window.chunks(366, rows_per_chunk=10, rows=rows)
    assert [str(chunk) for chunk in chunks] == [
        "2024-03-01...2024-03-02",
        "2024-03-03",
        "2024-03-04",
        "2024-03-05...2024-03-06",
        "2024-03-07",
    ]
    # The day cap holds too, whichever ends a chunk first; days without rows count nothing.
    assert [len(chunk) for chunk in window.chunks(2, rows_per_chunk=100, rows=rows)] == [2, 2, 2, 1]
    assert window.chunks(366, rows_per_chunk=10, rows={}) == [window]


def test_a_chunk_holds_at_least_one_day():
    with pytest.raises(ValueError, match="at least one day"):
        DayWindow(date(2024, 1, 1), date(2024, 1, 3)).chunks(0)


def test_a_window_reads_as_an_operator_types_it():
    assert str(DayWindow(date(2024, 1, 1), date(2024, 1, 2))) == "2024-01-01"
    assert str(DayWindow(date(2024, 1, 1), date(2024, 1, 8))) == "2024-01-01...2024-01-07"
