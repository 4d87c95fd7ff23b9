"""The raw step judges the frames it has just written exactly as the raw checks judge the files
written from them: the same outcomes, counts, samples and messages, on a clean window and on frames
with every kind of fault; and a frame it cannot vouch for, or a table it did not write, is judged on
its file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from banking_dw.check_outcomes import CheckOutcome
from banking_dw.contracts import CONTRACTS, contract
from banking_dw.generator import (
    Scale,
    expected_row_range,
    generate_day,
    generate_reference_tables,
    round_trips,
    write_csv,
)
from banking_dw.layout import csv_path
from banking_dw.raw import checks, window
from banking_dw.raw.balance_identity import BALANCE_IDENTITY
from banking_dw.raw.window import GeneratedChecks, evaluate_window

SCALE = Scale(transactions_per_day=300, seed=11)
DAYS = [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)]
Faults = Callable[[date, dict[str, pa.Table]], None]


def _expected(days: list[date]) -> dict[str, dict[date, tuple[int, int]]]:
    return {t.name: {day: expected_row_range(t.name, day, SCALE) for day in days} for t in CONTRACTS}


def _generate_write_and_check(root: Path, faults: Faults | None = None):
    """As the raw step does: each day generated, written, and handed to the checks as frames."""
    expected = _expected(DAYS)
    reference = generate_reference_tables(SCALE)
    with GeneratedChecks(list(CONTRACTS), expected, root) as generated:
        for day in DAYS:
            frames = {**reference, **generate_day(day, SCALE)}
            if faults:
                faults(day, frames)
            for name, frame in frames.items():
                write_csv(frame, csv_path(root, name, day))
            generated.add(day, {n: f for n, f in frames.items() if round_trips(contract(n), f)})
        return generated.outcomes(), expected, list(generated.batches.values())


def _on_files(root: Path, expected: dict[str, dict[date, tuple[int, int]]]) -> dict[str, list[CheckOutcome]]:
    return {t.name: evaluate_window(t, root, expected[t.name]) for t in CONTRACTS}


def _replace(frames: dict[str, pa.Table], table: str, column: str, row: int, value: object) -> None:
    frame = frames[table]
    values = frame[column].to_pylist()
    values[row] = value
    index = frame.schema.get_field_index(column)
    frames[table] = frame.set_column(index, frame.schema.field(index), pa.array(values, frame.schema.field(index).type))


def _faults(day: date, frames: dict[str, pa.Table]) -> None:
    """One fault per table and check, each on its own day, as a broken generator could make them."""
    if day == DAYS[0]:
        # Round-trips no longer, so judged on the file: its reader takes the quoted line break as
        # text (the landing audit is what refuses a value spanning lines).
        _replace(frames, "dim_customers", "address", 3, "1 Main St\nApt 2")
        # An integer past the rule's digits: the file's text breaks the contract.
        _replace(frames, "fact_customer_interactions", "channel_id", 0, 1_000_000_000)
    if day == DAYS[1]:
        _replace(frames, "fact_transactions", "transaction_id", 5, frames["fact_transactions"]["transaction_id"][4])
        _replace(frames, "fact_transactions", "transaction_status", 7, "Done")
        _replace(frames, "fact_investments", "account_id", 2, 987_654_321)
        _replace(frames, "fact_loans", "loan_fact_id", 0, 20240301 * 10**9 + 1)  # day one's first loan
    if day == DAYS[2]:
        _replace(frames, "dim_accounts", "currency_id", 1, None)
        _replace(frames, "dim_accounts", "account_type", 2, "   ")
        _replace(frames, "dim_accounts", "account_status", 3, "")
        # Not blank, though it begins with a space: the frame's shortcut leaves it to the rule.
        _replace(frames, "dim_accounts", "account_type", 4, " Savings")
        closing = frames["fact_daily_balances"]["closing_balance"][0].as_py()
        _replace(frames, "fact_daily_balances", "closing_balance", 0, closing + Decimal("0.01"))


def _comparable(outcomes: dict[str, list[CheckOutcome]]) -> dict[str, list[tuple]]:
    return {name: [(o.name, o.passed, o.description, o.metadata) for o in found] for name, found in outcomes.items()}


def test_a_clean_window_judged_on_its_frames_is_judged_as_its_files(tmp_path):
    on_frames, expected, batches = _generate_write_and_check(tmp_path)
    assert batches == [DAYS]
    assert all(o.passed for found in on_frames.values() for o in found), _comparable(on_frames)
    assert _comparable(on_frames) == _comparable(_on_files(tmp_path, expected))


def test_every_fault_in_a_frame_fails_the_check_it_fails_in_the_file(tmp_path):
    on_frames, expected, _ = _generate_write_and_check(tmp_path, _faults)
    assert _comparable(on_frames) == _comparable(_on_files(tmp_path, expected))
    failing = {(name, o.name) for name, found in on_frames.items() for o in found if not o.passed}
    assert failing == {
        ("fact_customer_interactions", checks.MATCHES_CONTRACT),
        ("fact_transactions", checks.KEY_UNIQUE_NOT_NULL),
        ("fact_transactions", checks.VALUES_ALLOWED),
        ("fact_investments", checks.FOREIGN_KEYS_RESOLVE),
        ("fact_loans", checks.KEY_UNIQUE_NOT_NULL),
        ("dim_accounts", checks.MATCHES_CONTRACT),
        # Blank is missing for the contract, and no account type either.
        ("dim_accounts", checks.VALUES_ALLOWED),
        ("fact_daily_balances", BALANCE_IDENTITY),
    }, failing
    contract_check = {o.name: o for o in on_frames["dim_accounts"]}[checks.MATCHES_CONTRACT]
    assert contract_check.metadata["bad_values_by_column"] == {"currency_id": 1, "account_type": 1, "account_status": 1}
    assert {(s["row"], s["column"], s["value"]) for s in contract_check.metadata["samples"]} == {
        (2, "currency_id", ""),
        (3, "account_type", "   "),
        (4, "account_status", ""),
    }
    allowed = {o.name: o for o in on_frames["dim_accounts"]}[checks.VALUES_ALLOWED]
    assert allowed.metadata["bad_values_by_column"] == {"account_type": 2}


def test_batches_carry_the_closing_balances_over_and_fact_keys_across_days(tmp_path, monkeypatch):
    """A batch a day: the next batch's continuity reads the day before from the frame kept of it."""
    monkeypatch.setattr(window, "ROWS_PER_PASS", 1)

    def continuity_broken(day: date, frames: dict[str, pa.Table]) -> None:
        if day == DAYS[2]:
            # Both ends moved by a cent: the day still adds up, but no longer continues the day before.
            balances = frames["fact_daily_balances"]
            for column in ("opening_balance", "closing_balance"):
                _replace(frames, "fact_daily_balances", column, 0, balances[column][0].as_py() + Decimal("0.01"))
        if day == DAYS[1]:
            _replace(frames, "fact_loans", "loan_fact_id", 0, 20240301 * 10**9 + 1)

    on_frames, expected, batches = _generate_write_and_check(tmp_path, continuity_broken)
    assert batches == [[day] for day in DAYS]
    balance = {o.name: o for o in on_frames["fact_daily_balances"]}[BALANCE_IDENTITY]
    assert not balance.passed and "!= previous closing" in balance.description
    loans = {o.name: o for o in on_frames["fact_loans"]}[checks.KEY_UNIQUE_NOT_NULL]
    assert not loans.passed and "appear on more than one day" in loans.description
    assert _comparable(on_frames) == _comparable(_on_files(tmp_path, expected))


def test_the_step_judges_its_frames_not_what_lies_on_disk_and_a_day_without_one_on_its_file(tmp_path):
    """Proof of what is read: every file garbled after writing; the frames handed over pass, and the
    table whose frame is not handed over (one that does not round-trip) is judged on its file."""
    expected = _expected(DAYS[:1])
    frames = {**generate_reference_tables(SCALE), **generate_day(DAYS[0], SCALE)}
    for name in frames:
        path = csv_path(tmp_path, name, DAYS[0])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not,the,file\n")
    handed_over = {name: frame for name, frame in frames.items() if name != "fact_loans"}
    with GeneratedChecks(list(CONTRACTS), expected, tmp_path) as generated:
        generated.add(DAYS[0], handed_over)
        on_frames = generated.outcomes()
    assert all(o.passed for name, found in on_frames.items() if name != "fact_loans" for o in found)
    assert not any(o.passed for o in on_frames["fact_loans"])
    assert "header" in on_frames["fact_loans"][0].description


@pytest.mark.parametrize("parent", ["dim_accounts", "dim_channels"])
def test_a_table_the_step_did_not_write_is_read_from_its_file(tmp_path, parent):
    """The step writes only the transactions: their parents are judged as they lie on disk."""
    day = DAYS[0]
    written = {"fact_transactions": generate_day(day, SCALE)["fact_transactions"]}
    everything = {**generate_reference_tables(SCALE), **generate_day(day, SCALE)}
    for name, frame in everything.items():
        write_csv(frame, csv_path(tmp_path, name, day))
    csv_path(tmp_path, parent, day).unlink()
    expected = {"fact_transactions": {day: expected_row_range("fact_transactions", day, SCALE)}}
    with GeneratedChecks([contract("fact_transactions")], expected, tmp_path) as generated:
        generated.add(day, written)
        outcomes = {o.name: o for o in generated.outcomes()["fact_transactions"]}
    foreign_keys = outcomes[checks.FOREIGN_KEYS_RESOLVE]
    assert not foreign_keys.passed
    assert foreign_keys.metadata["unresolved_by_column"][contract(parent).key[0]] == -1
    assert f"cannot read {parent}" in foreign_keys.description
