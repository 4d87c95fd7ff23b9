"""The synthetic bank: contract shape, determinism, internal consistency and the CSV format."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from banking_dw import contracts
from banking_dw.generator import (
    Scale,
    csv_bytes,
    expected_row_range,
    generate_day,
    generate_reference_tables,
    round_trips,
    write_bytes,
    write_csv,
)
from banking_dw.generator.arrow_columns import ARROW_TYPES
from banking_dw.generator.calendar import CALENDAR_END, CALENDAR_START
from banking_dw.generator.pools import pools
from banking_dw.layout import csv_path
from banking_dw.value_rules import ColumnType, is_valid_value

SMALL = Scale(transactions_per_day=400, seed=7)
FIRST = date(2024, 2, 20)
SPAN = [FIRST + timedelta(days=i) for i in range(40)]  # crosses a leap day and a month end


@pytest.fixture(scope="module")
def reference() -> dict[str, pa.Table]:
    return generate_reference_tables(SMALL)


@pytest.fixture(scope="module")
def days() -> dict[date, dict[str, pa.Table]]:
    return {day: generate_day(day, SMALL) for day in SPAN}


def rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def cents(value: Decimal) -> int:
    return int(value * 100)


def written_bytes(tables: dict[str, pa.Table], folder: Path, day: date) -> dict[str, bytes]:
    contents = {}
    for name, table in tables.items():
        path = csv_path(folder, name, day)
        write_csv(table, path)
        contents[name] = path.read_bytes()
    return contents


# --- scale -----------------------------------------------------------------------------------


def test_scale_reads_the_environment_when_called(monkeypatch):
    monkeypatch.delenv("BANKING_DW_TRANSACTIONS_PER_DAY", raising=False)
    monkeypatch.delenv("BANKING_DW_SEED", raising=False)
    assert Scale.from_env() == Scale()
    monkeypatch.setenv("BANKING_DW_TRANSACTIONS_PER_DAY", "250000")
    monkeypatch.setenv("BANKING_DW_SEED", "9")
    assert Scale.from_env() == Scale(transactions_per_day=250_000, seed=9)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("BANKING_DW_TRANSACTIONS_PER_DAY", "lots"), ("BANKING_DW_SEED", "1.5")],
)
def test_scale_names_the_variable_with_a_bad_value(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable):
        Scale.from_env()


def test_scale_rejects_volumes_it_cannot_honour():
    with pytest.raises(ValueError, match="transactions_per_day"):
        Scale(transactions_per_day=10)
    with pytest.raises(ValueError, match="seed"):
        Scale(seed=-1)


def test_volumes_are_proportional_to_transactions_per_day():
    scale = Scale(transactions_per_day=1_000_000)
    assert scale.investments_per_day == 10_000
    assert scale.loans_per_day == 5_000
    assert scale.interactions_per_day == 50_000


# --- shape -----------------------------------------------------------------------------------


def test_every_table_has_the_contract_columns_and_arrow_types(reference, days):
    tables = {**reference, **days[FIRST]}
    assert set(tables) == set(contracts.TABLE_NAMES)
    assert set(reference) == set(contracts.REFERENCE_TABLES)
    for name, table in tables.items():
        spec = contracts.contract(name)
        assert tuple(table.column_names) == spec.column_names, name
        for column in spec.columns:
            assert table.schema.field(column.name).type == ARROW_TYPES[column.type], (name, column.name)


def test_keys_are_unique_and_not_null_and_fact_keys_unique_across_days(reference, days):
    seen_fact_keys: dict[str, set] = defaultdict(set)
    for tables in [reference, *days.values()]:
        for name, table in tables.items():
            key = contracts.contract(name).key
            for column in key:
                assert table[column].null_count == 0, (name, column)
            values = list(zip(*(table[c].to_pylist() for c in key), strict=False))
            assert len(set(values)) == len(values), name
            if contracts.contract(name).is_fact:
                assert seen_fact_keys[name].isdisjoint(values), name
                seen_fact_keys[name].update(values)


def test_non_nullable_columns_have_no_nulls_and_values_are_allowed(reference, days):
    for tables in [reference, *days.values()]:
        for name, table in tables.items():
            for column in contracts.contract(name).columns:
                if not column.nullable:
                    assert table[column.name].null_count == 0, (name, column.name)
                if column.allowed_values is not None:
                    present = {str(v) for v in table[column.name].drop_null().unique().to_pylist()}
                    assert present <= set(column.allowed_values), (name, column.name, present)


def test_every_foreign_key_resolves_in_the_same_days_files(reference, days):
    for tables in days.values():
        available = {**reference, **tables}
        for name, table in tables.items():
            for column in contracts.contract(name).columns:
                if column.references is None:
                    continue
                target_table, target_column = column.references
                targets = set(available[target_table][target_column].to_pylist())
                missing = set(table[column.name].to_pylist()) - targets
                assert not missing, (name, column.name, sorted(missing)[:5])


def test_generated_text_is_single_line(reference, days):
    for tables in [reference, days[FIRST]]:
        for _name, table in tables.items():
            for field in table.schema:
                if pa.types.is_string(field.type):
                    assert not pc.any(pc.match_substring_regex(table[field.name], r"[\r\n]")).as_py()


# --- determinism -----------------------------------------------------------------------------


def test_same_inputs_give_byte_identical_csvs(tmp_path):
    day = date(2025, 6, 30)
    first = written_bytes(generate_day(day, SMALL), tmp_path / "a", day)
    pools.cache_clear()
    second = written_bytes(generate_day(day, SMALL), tmp_path / "b", day)
    assert first == second
    assert written_bytes(generate_reference_tables(SMALL), tmp_path / "c", day) == written_bytes(
        generate_reference_tables(SMALL), tmp_path / "d", day
    )


def test_reference_bytes_written_once_equal_a_fresh_write_for_any_day(tmp_path, reference):
    table = reference["dim_currencies"]
    path = csv_path(tmp_path, "dim_currencies", FIRST)
    assert write_bytes(csv_bytes(table), path) == path.stat().st_size
    assert path.read_bytes() == written_bytes({"dim_currencies": table}, tmp_path / "fresh", SPAN[-1])["dim_currencies"]


def test_a_day_alone_equals_the_same_day_inside_a_range(days):
    last = SPAN[-1]
    pools.cache_clear()
    alone = generate_day(last, SMALL)
    for name, table in alone.items():
        assert table.equals(days[last][name]), name


def test_different_seeds_give_different_banks():
    day = date(2024, 3, 15)
    one = generate_day(day, SMALL)
    other = generate_day(day, Scale(SMALL.transactions_per_day, seed=SMALL.seed + 1))
    for name in ("dim_customers", "fact_transactions", "fact_daily_balances"):
        assert not one[name].equals(other[name]), name
    assert not generate_reference_tables(SMALL)["dim_locations"].equals(
        generate_reference_tables(Scale(SMALL.transactions_per_day, seed=SMALL.seed + 1))["dim_locations"]
    )


def test_days_outside_the_calendar_are_refused():
    with pytest.raises(ValueError, match="calendar"):
        generate_day(date(2019, 12, 31), SMALL)
    with pytest.raises(ValueError, match="calendar"):
        generate_day(date(2031, 1, 1), SMALL)


def test_calendar_edges_generate_and_match_the_partitions():
    from banking_dw.partitions import FIRST_DAY, LAST_DAY

    assert (CALENDAR_START, CALENDAR_END) == (FIRST_DAY, LAST_DAY)
    for day in (CALENDAR_START, CALENDAR_END):
        assert generate_day(day, SMALL)["fact_transactions"].num_rows == SMALL.transactions_per_day


# --- reference dimensions --------------------------------------------------------------------


def test_dim_dates_is_the_iso_calendar(reference):
    dates = rows(reference["dim_dates"])
    assert dates[0]["date"] == date(2020, 1, 1) and dates[-1]["date"] == date(2030, 12, 31)
    assert len(dates) == (date(2030, 12, 31) - date(2020, 1, 1)).days + 1
    for row in dates:
        day = row["date"]
        iso = day.isocalendar()
        assert row["date_id"] == int(day.strftime("%Y%m%d"))
        assert (row["year"], row["month"], row["day_of_month"]) == (day.year, day.month, day.day)
        assert row["quarter"] == (day.month - 1) // 3 + 1
        assert (row["day_of_week"], row["week_of_year"]) == (iso.weekday, iso.week)
        assert row["month_name"] == day.strftime("%B") and row["day_name"] == day.strftime("%A")
        assert row["is_weekend"] == (iso.weekday >= 6)


def test_small_reference_dimensions(reference):
    types = {r["transaction_type_name"]: r["direction"] for r in rows(reference["dim_transaction_types"])}
    assert types == {
        "Deposit": "credit",
        "Transfer In": "credit",
        "Withdrawal": "debit",
        "Transfer Out": "debit",
        "Payment": "debit",
    }
    channels = {r["channel_name"]: r["is_digital"] for r in rows(reference["dim_channels"])}
    assert set(channels) == set(contracts.CHANNEL_NAMES) and channels["Mobile"] and not channels["ATM"]
    currencies = {r["currency_code"]: r["usd_exchange_rate"] for r in rows(reference["dim_currencies"])}
    assert currencies["USD"] == Decimal("1.00") and set(currencies) == set(contracts.CURRENCY_CODES)
    assert reference["dim_investment_types"].num_rows == len(contracts.INVESTMENT_TYPE_NAMES)
    locations = rows(reference["dim_locations"])
    assert len(locations) == 50 and all(r["country"] == "United States" for r in locations)
    assert all(re.fullmatch(r"[A-Z]{2}", r["state"]) and re.fullmatch(r"\d{5}", r["postal_code"]) for r in locations)
    loans = rows(reference["dim_loans"])
    assert len(loans) == 50 and len({r["loan_name"] for r in loans}) == 50
    assert {r["loan_type"] for r in loans} == set(contracts.LOAN_TYPES)
    assert all(Decimal("3") <= r["interest_rate"] <= Decimal("25") and 12 <= r["term_months"] <= 360 for r in loans)


# --- evolving dimensions ---------------------------------------------------------------------


def test_population_exists_on_the_day_and_grows_slowly(days):
    counts = [days[d]["dim_customers"].num_rows for d in SPAN]
    assert counts == sorted(counts)
    assert Scale(400).transactions_per_day / 5 <= counts[0] <= Scale(400).transactions_per_day / 3
    late = generate_day(date(2030, 6, 1), SMALL)["dim_customers"].num_rows
    assert counts[-1] < late < 2 * counts[-1]
    for day, tables in days.items():
        assert max(tables["dim_customers"]["join_date"].to_pylist()) <= day
        assert max(tables["dim_accounts"]["open_date"].to_pylist()) <= day
        accounts = tables["dim_accounts"].num_rows
        assert 1.2 * tables["dim_customers"].num_rows <= accounts <= 1.8 * tables["dim_customers"].num_rows


def test_customers_look_real(days):
    for row in rows(days[FIRST]["dim_customers"]):
        age_years = (FIRST - row["date_of_birth"]).days / 365.25
        assert 18 <= age_years <= 90
        assert row["email"].startswith(re.sub(r"[^a-z0-9]", "", row["first_name"].lower()))
        assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9]+\d+@[a-z.]+", row["email"])
        assert re.fullmatch(r"\(\d{3}\) \d{3}-\d{4}", row["phone"])
        assert re.fullmatch(r"\d+ \S.*", row["address"])
    emails = days[FIRST]["dim_customers"]["email"]
    assert len(emails.unique()) == len(emails)


@pytest.mark.parametrize("table", ["dim_customers", "dim_accounts"])
def test_versions_change_in_the_overnight_batch_and_only_with_updated_at(days, table):
    key = contracts.contract(table).key[0]
    attributes_by_version: dict[tuple, set] = defaultdict(set)
    versions_by_entity: dict[int, set] = defaultdict(set)
    for day, tables in days.items():
        for row in rows(tables[table]):
            stamp = row.pop("updated_at")
            assert stamp.time() < time(1) and stamp.date() <= day
            attributes_by_version[(row[key], stamp)].add(tuple(row.values()))
            versions_by_entity[row[key]].add(stamp)
    assert all(len(a) == 1 for a in attributes_by_version.values()), "attributes changed without updated_at"
    changed = [k for k, stamps in versions_by_entity.items() if len(stamps) > 1]
    assert changed, "no entity changed within the span"
    if table == "dim_accounts":
        statuses = {r["account_status"] for d in SPAN for r in rows(days[d][table])}
        assert statuses == set(contracts.ACCOUNT_STATUSES)


def test_every_event_happens_after_the_overnight_batch(days):
    for day, tables in days.items():
        start = datetime.combine(day, time(1))
        end = datetime.combine(day + timedelta(days=1), time(0))
        for name, column in (
            ("fact_transactions", "transaction_timestamp"),
            ("fact_customer_interactions", "interaction_timestamp"),
        ):
            stamps = tables[name][column]
            assert start <= pc.min(stamps).as_py() and pc.max(stamps).as_py() < end, name
        for name in tables:
            if "date_id" in tables[name].column_names:
                assert set(tables[name]["date_id"].to_pylist()) == {int(day.strftime("%Y%m%d"))}


# --- the bank balances -----------------------------------------------------------------------


def test_balances_move_only_by_completed_transactions(reference, days):
    direction = {r["transaction_type_id"]: r["direction"] for r in rows(reference["dim_transaction_types"])}
    previous_closing: dict[int, int] = {}
    for day, tables in days.items():
        accounts = {r["account_id"]: r for r in rows(tables["dim_accounts"])}
        credits: dict[int, int] = defaultdict(int)
        debits: dict[int, int] = defaultdict(int)
        for t in rows(tables["fact_transactions"]):
            assert t["transaction_amount"] > 0
            assert t["currency_id"] == accounts[t["account_id"]]["currency_id"]
            if t["transaction_status"] == "Completed":
                assert accounts[t["account_id"]]["account_status"] == "Active"
                bucket = credits if direction[t["transaction_type_id"]] == "credit" else debits
                bucket[t["account_id"]] += cents(t["transaction_amount"])
        balances = rows(tables["fact_daily_balances"])
        assert sorted(b["account_id"] for b in balances) == sorted(accounts)
        closing: dict[int, int] = {}
        for b in balances:
            account = b["account_id"]
            opening, close = cents(b["opening_balance"]), cents(b["closing_balance"])
            assert close == opening + cents(b["total_credits"]) - cents(b["total_debits"])
            assert (cents(b["total_credits"]), cents(b["total_debits"])) == (credits[account], debits[account])
            assert opening >= 0 and close >= 0
            assert b["currency_id"] == accounts[account]["currency_id"]
            if accounts[account]["open_date"] == day:
                assert opening == 0
            elif previous_closing:
                assert opening == previous_closing[account]
            if accounts[account]["account_status"] != "Active":
                assert opening == close
            closing[account] = close
        previous_closing = closing


# --- volumes and mixes -----------------------------------------------------------------------


def test_volumes_match_expected_row_range(reference, days):
    for name, table in reference.items():
        low, high = expected_row_range(name, FIRST, SMALL)
        assert low <= table.num_rows <= high, name
    for day in (SPAN[0], SPAN[-1]):
        for name, table in days[day].items():
            low, high = expected_row_range(name, day, SMALL)
            assert low <= table.num_rows <= high, (name, day)
    tables = days[FIRST]
    assert tables["fact_transactions"].num_rows == SMALL.transactions_per_day
    assert tables["fact_investments"].num_rows == 4
    assert tables["fact_loans"].num_rows == 2
    assert tables["fact_customer_interactions"].num_rows == 20
    with pytest.raises(KeyError, match="unknown table"):
        expected_row_range("fact_nothing", FIRST, SMALL)


def test_status_mixes_and_investment_returns():
    tables = generate_day(date(2024, 3, 15), Scale(transactions_per_day=20_000, seed=3))
    statuses = pc.value_counts(tables["fact_transactions"]["transaction_status"]).to_pylist()
    share = {s["values"]: s["counts"] / 20_000 for s in statuses}
    assert share["Completed"] > 0.9
    assert all(0.005 <= share[s] <= 0.05 for s in ("Pending", "Failed", "Reversed"))
    assert set(tables["fact_loans"]["loan_status"].to_pylist()) == set(contracts.LOAN_STATUSES)
    assert len(set(tables["fact_transactions"]["description"].to_pylist())) > 100
    investments = rows(tables["fact_investments"])
    ratios = [i["investment_return"] / i["investment_amount"] for i in investments]
    assert min(ratios) < 0 < max(ratios)
    assert all(Decimal("-0.2") <= r <= Decimal("0.3") for r in ratios)
    scores = tables["fact_customer_interactions"]["satisfaction_score"]
    assert 0 < scores.null_count < len(scores)


# --- CSV files -------------------------------------------------------------------------------


def test_csv_paths_follow_the_lake_layout(tmp_path):
    assert csv_path(tmp_path, "fact_transactions", date(2024, 3, 5)) == (
        tmp_path / "raw" / "fact_transactions" / "dt=2024-03-05" / "fact_transactions.csv"
    )
    assert csv_path(tmp_path, "dim_dates", date(2024, 3, 5)) == (
        tmp_path / "raw" / "dim_dates" / "dt=2024-03-05" / "dim_dates.csv"
    )
    with pytest.raises(KeyError, match="unknown table"):
        csv_path(tmp_path, "dim_nothing", date(2024, 3, 5))


def test_csv_text_formats(tmp_path, days):
    tables = days[FIRST]
    path = csv_path(tmp_path, "fact_transactions", FIRST)
    written = write_csv(tables["fact_transactions"], path)
    assert written == path.stat().st_size
    assert [p.name for p in path.parent.iterdir()] == [path.name], "temporary file left behind"
    records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert tuple(records[0]) == contracts.contract("fact_transactions").column_names
    assert len(records) == tables["fact_transactions"].num_rows + 1
    for record in records[1:]:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", record[3])
        assert re.fullmatch(r"\d+\.\d{2}", record[8])
    interactions = csv_path(tmp_path, "fact_customer_interactions", FIRST)
    write_csv(tables["fact_customer_interactions"], interactions)
    assert any(r[-1] == "" for r in csv.reader(io.StringIO(interactions.read_text())))
    dates = csv_path(tmp_path, "dim_dates", FIRST)
    write_csv(generate_reference_tables(SMALL)["dim_dates"], dates)
    lines = dates.read_text().splitlines()
    assert lines[1].split(",")[1] == "2020-01-01" and lines[1].endswith(",false")


def test_write_csv_round_trips_hostile_text(tmp_path):
    hostile = ["plain", 'say "hi"', "a,b,c", "line one\nline two", "crlf\r\nend", "ünïcødé ✓ 銀行", "", None]
    table = pa.table(
        {
            "id": pa.array(range(len(hostile)), pa.int64()),
            "text": pa.array(hostile, pa.string()),
            "amount": pa.array([Decimal("-1.05"), Decimal("0.00")] * 4, pa.decimal128(18, 2)),
            "flag": pa.array([True, False] * 4),
        }
    )
    path = tmp_path / "deep" / "er" / "hostile.csv"
    assert write_csv(table, path) == path.stat().st_size
    parsed = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=table.schema, strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )
    assert parsed.equals(table)
    # DuckDB reads a quoted empty field as null unless told otherwise.
    via_duckdb = duckdb.sql(
        f"select text from read_csv('{path}', all_varchar=true, header=true, allow_quoted_nulls=false) order by id::int"
    ).fetchall()
    assert [r[0] for r in via_duckdb] == hostile
    write_csv(table.slice(0, 1), path)  # replaces, never appends
    assert pacsv.read_csv(path).num_rows == 1


# --- frames whose files say exactly what they do ------------------------------------------------


def test_every_generated_frame_round_trips(reference, days):
    for tables in [reference, *days.values()]:
        for name, table in tables.items():
            assert round_trips(contracts.contract(name), table), name


def test_the_writer_writes_each_type_as_arrow_casts_it_to_text(tmp_path):
    """The premise of `round_trips`: a value's text in the file is its Arrow cast to a string."""
    values = {
        ColumnType.BIGINT: [-(10**17), 999_999_999_999_999_999],
        ColumnType.INTEGER: [-5, 999_999_999],
        ColumnType.DECIMAL: [Decimal("-0.05"), Decimal("99999999999999.99")],
        ColumnType.RATE: [Decimal("0.000001"), Decimal("-123456789012.5")],
        ColumnType.DATE: [date(1000, 1, 1), date(9999, 12, 31)],
        ColumnType.TIMESTAMP: [datetime(1000, 1, 1), datetime(9999, 12, 31, 23, 59, 59)],
        ColumnType.BOOLEAN: [True, False],
    }
    table = pa.table({kind.name: pa.array(v, ARROW_TYPES[kind]) for kind, v in values.items()})
    path = tmp_path / "types.csv"
    write_csv(table, path)
    written = list(csv.reader(io.StringIO(path.read_text())))[1:]
    for index, kind in enumerate(values):
        cast = table[kind.name].cast(pa.string()).to_pylist()
        assert [row[index] for row in written] == cast, kind
        assert all(is_valid_value(text, kind) for text in cast), kind


def _with(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(column), column, values)


def test_a_frame_whose_file_would_say_something_else_does_not_round_trip(reference, days):
    transactions = days[FIRST]["fact_transactions"]
    interactions = days[FIRST]["fact_customer_interactions"]
    rows = transactions.num_rows
    contract = contracts.contract("fact_transactions")
    broken = {
        "a line break inside a text": _with(transactions, "description", pa.array(["two\nlines"] * rows, pa.string())),
        "a carriage return inside a text": _with(transactions, "description", pa.array(["a\rb"] * rows)),
        "an integer past the rule's digits": _with(
            transactions, "channel_id", pa.array([1_000_000_000] * rows, pa.int32())
        ),
        "a year before 1000": _with(
            transactions,
            "transaction_timestamp",
            pa.array([datetime(999, 12, 31, 23, 0, 0)] * rows, pa.timestamp("s")),
        ),
        "another Arrow type": _with(transactions, "channel_id", transactions["channel_id"].cast(pa.int64())),
        "columns in another order": transactions.select(list(reversed(transactions.column_names))),
    }
    for why, frame in broken.items():
        assert not round_trips(contract, frame), why
    # Missing values are the checks' to judge: a frame with one still round-trips.
    assert round_trips(contracts.contract("fact_customer_interactions"), interactions)
    assert interactions["satisfaction_score"].null_count
    # A line break in the buffer but outside the values a slice holds is not in the file.
    around = pa.array(["x\ny", *["ok"] * rows, "z\rw"]).slice(1, rows)
    assert round_trips(contract, _with(transactions, "description", pa.chunked_array([around])))
