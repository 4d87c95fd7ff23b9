"""The CSV checks catch what they claim to, and name the table, partition, column and row."""

import gzip
from datetime import date
from pathlib import Path

import pytest

from banking_dw.contracts import contract
from banking_dw.layout import csv_path
from banking_dw.raw import checks, window
from banking_dw.raw.checks import evaluate
from banking_dw.raw.reading import WindowFiles, checks_connection
from banking_dw.raw.values import invalid_value_predicate

DAY = date(2024, 1, 2)
TYPES = "transaction_type_id,transaction_type_name,direction\n1,Deposit,credit\n2,Withdrawal,debit\n"
ACCOUNTS_HEADER = "account_id,customer_id,account_type,currency_id,account_status,open_date,updated_at\n"
BALANCES_HEADER = "account_id,date_id,currency_id,opening_balance,total_credits,total_debits,closing_balance\n"
TX_HEADER = (
    "transaction_id,account_id,date_id,transaction_timestamp,channel_id,location_id,currency_id,"
    "transaction_type_id,transaction_amount,transaction_status,description\n"
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _outcomes(tmp_path: Path, name: str, text: str, references: dict[str, str] | None = None):
    connection = checks_connection()
    files = WindowFiles(contract(name), {DAY: _write(tmp_path / f"{name}.csv", text)}, connection)
    refs = {k: _write(tmp_path / f"ref_{k}.csv", v) for k, v in (references or {}).items()}

    def load(table: str, days, columns):
        found = {day: refs[table] for day in days} if table in refs else {}
        return WindowFiles(contract(table), found, connection, f"ref_{table}_{len(columns)}", columns)

    return {o.name: o for o in evaluate(connection, files, {DAY: (1, 10)}, load)}


def _transaction(tx_id="1", amount="10.00", status="Completed", description="Card payment"):
    return f'{tx_id},7,20240102,2024-01-02 09:00:00,1,1,1,1,{amount},{status},"{description}"\n'


def test_every_value_type_has_a_predicate_that_rejects_garbage():
    import duckdb

    for column in contract("fact_transactions").columns + contract("dim_dates").columns:
        predicate = invalid_value_predicate(column)
        bad = duckdb.execute(f"select {predicate} from (select 'garbage' as \"{column.name}\")").fetchone()[0]
        assert bad is (column.type.value != "varchar"), column.name


@pytest.mark.parametrize(
    ("column", "good", "bad"),
    [
        ("transaction_amount", "12.5", "12.345"),
        ("transaction_amount", "-3.00", "abc"),
        ("transaction_timestamp", "2024-01-02 23:59:59", "2024-01-02T23:59:59"),
        ("date_id", "20240102", "2024-01-02"),
        ("transaction_id", "9000000001", ""),
    ],
)
def test_predicates_accept_the_contract_format_only(column, good, bad):
    import duckdb

    predicate = invalid_value_predicate(contract("fact_transactions").column(column))
    check = lambda value: duckdb.execute(f'select {predicate} from (select ? as "{column}")', [value]).fetchone()[0]  # noqa: E731
    assert check(good) is False
    assert check(bad) is True


def test_impossible_dates_are_rejected_even_when_well_formed():
    import duckdb

    predicate = invalid_value_predicate(contract("dim_customers").column("date_of_birth"))
    assert duckdb.execute(f"select {predicate} from (select '2023-02-30' as date_of_birth)").fetchone()[0]


def test_clean_transactions_pass_and_a_bad_amount_fails_the_contract_naming_row_and_column(tmp_path):
    references = {
        "dim_accounts": ACCOUNTS_HEADER + "7,3,Checking,1,Active,2023-01-01,2023-01-01 00:10:00\n",
        "dim_dates": "date_id,date,year,quarter,month,month_name,day_of_month,day_of_week,day_name,week_of_year,is_weekend\n"
        "20240102,2024-01-02,2024,1,1,January,2,2,Tuesday,1,false\n",
        "dim_channels": "channel_id,channel_name,is_digital\n1,Online,true\n",
        "dim_locations": "location_id,city,state,country,postal_code\n1,Austin,TX,USA,73301\n",
        "dim_currencies": "currency_id,currency_code,currency_name,usd_exchange_rate\n1,USD,US Dollar,1.00\n",
        "dim_transaction_types": TYPES,
    }
    clean = _outcomes(
        tmp_path / "clean", "fact_transactions", TX_HEADER + _transaction("1") + _transaction("2"), references
    )
    assert all(o.passed for o in clean.values()), {k: o.description for k, o in clean.items() if not o.passed}

    hostile = 'Paid "Smith, O\'Brien", line two'
    corrupted = TX_HEADER + _transaction("1", description=hostile.replace('"', '""')) + _transaction("2", amount="abc")
    outcomes = _outcomes(tmp_path / "bad", "fact_transactions", corrupted, references)
    contract_check = outcomes[checks.MATCHES_CONTRACT]
    assert not contract_check.passed
    assert "fact_transactions" in contract_check.description
    assert contract_check.metadata["bad_values_by_column"] == {"transaction_amount": 1}
    sample = contract_check.metadata["samples"][0]
    assert sample == {
        "partition": "2024-01-02",
        "row": 2,
        "value": "abc",
        "column": "transaction_amount",
        "expected": "decimal(18,2)",
    }
    # The hostile but well-quoted description is not a failure, and other checks are unaffected.
    assert outcomes[checks.KEY_UNIQUE_NOT_NULL].passed


def test_duplicate_and_missing_keys_fail_the_key_check(tmp_path):
    text = TX_HEADER + _transaction("1") + _transaction("1") + _transaction("")
    outcomes = _outcomes(tmp_path, "fact_transactions", text)
    key = outcomes[checks.KEY_UNIQUE_NOT_NULL]
    assert not key.passed
    assert key.metadata["failing_rows"] == 3
    problems = {(s["row"], s["problem"]) for s in key.metadata["samples"]}
    assert problems == {(1, "duplicate key"), (2, "duplicate key"), (3, "missing key")}


def test_extract_keys_repeat_across_days_but_not_within_a_day(tmp_path):
    row = "7,3,Checking,1,Active,2023-01-01,2023-01-01 00:10:00\n"
    first = _write(tmp_path / "d1.csv", ACCOUNTS_HEADER + row)
    second = _write(tmp_path / "d2.csv", ACCOUNTS_HEADER + row)
    connection = checks_connection()
    WindowFiles(contract("dim_accounts"), {date(2024, 1, 1): first, DAY: second}, connection)
    assert checks._key(connection, contract("dim_accounts")).passed

    WindowFiles(contract("dim_accounts"), {DAY: _write(tmp_path / "d3.csv", ACCOUNTS_HEADER + row + row)}, connection)
    assert not checks._key(connection, contract("dim_accounts")).passed


def test_unknown_status_fails_allowed_values(tmp_path):
    outcomes = _outcomes(tmp_path, "fact_transactions", TX_HEADER + _transaction("1", status="Done"))
    allowed = outcomes[checks.VALUES_ALLOWED]
    assert not allowed.passed
    assert allowed.metadata["bad_values_by_column"] == {"transaction_status": 1}


def test_unknown_account_fails_foreign_keys_against_the_same_day(tmp_path):
    accounts = ACCOUNTS_HEADER + "8,3,Checking,1,Active,2023-01-01,2023-01-01 00:10:00\n"
    outcomes = _outcomes(tmp_path, "fact_transactions", TX_HEADER + _transaction("1"), {"dim_accounts": accounts})
    fk = outcomes[checks.FOREIGN_KEYS_RESOLVE]
    assert not fk.passed
    assert fk.metadata["unresolved_by_column"]["account_id"] == 1
    assert {
        "partition": "2024-01-02",
        "row": 1,
        "value": "7",
        "column": "account_id",
        "references": "dim_accounts.account_id",
    } in fk.metadata["samples"]
    # Reference tables that cannot be read are failures too, never silently skipped.
    assert fk.metadata["unresolved_by_column"]["channel_id"] == -1


def test_row_count_outside_volume_fails(tmp_path):
    files = WindowFiles(
        contract("fact_transactions"),
        {DAY: _write(tmp_path / "t.csv", TX_HEADER + _transaction("1"))},
        checks_connection(),
    )
    outcome = checks._row_count(files, {DAY: (5, 10)})
    assert not outcome.passed
    assert "2024-01-02: 1 not in [5, 10]" in outcome.description


def test_wrong_header_fails_every_check_with_the_reason(tmp_path):
    outcomes = _outcomes(tmp_path, "dim_transaction_types", "id,name,direction\n1,Deposit,credit\n")
    assert outcomes and all(not o.passed for o in outcomes.values())
    assert "header" in outcomes[checks.MATCHES_CONTRACT].description


def test_short_row_is_reported_not_lost(tmp_path):
    outcomes = _outcomes(tmp_path, "dim_transaction_types", TYPES + "3,Payment\n")
    contract_check = outcomes[checks.MATCHES_CONTRACT]
    assert not contract_check.passed
    assert contract_check.metadata["malformed_rows"] == 1


def test_balance_identity_catches_a_broken_closing_balance(tmp_path):
    tx = TX_HEADER + _transaction("1", amount="10.00")
    references = {"fact_transactions": tx, "dim_transaction_types": TYPES}
    good = BALANCES_HEADER + "7,20240102,1,100.00,10.00,0.00,110.00\n"
    assert _outcomes(tmp_path / "ok", "fact_daily_balances", good, references)[checks.BALANCE_IDENTITY].passed

    broken = BALANCES_HEADER + "7,20240102,1,100.00,10.00,0.00,111.00\n"
    outcome = _outcomes(tmp_path / "bad", "fact_daily_balances", broken, references)[checks.BALANCE_IDENTITY]
    assert not outcome.passed
    assert "closing 111.00 != opening 100.00 + credits 10.00 - debits 0.00" in outcome.description

    unbacked = BALANCES_HEADER + "7,20240102,1,100.00,20.00,0.00,120.00\n"
    outcome = _outcomes(tmp_path / "tx", "fact_daily_balances", unbacked, references)[checks.BALANCE_IDENTITY]
    assert not outcome.passed
    assert "Completed transactions" in outcome.description


def _lay_out(root: Path, files: dict[tuple[str, date], str]) -> Path:
    """Files as the raw step lays them out under `root` (banking_dw.layout.csv_path)."""
    for (name, day), text in files.items():
        _write(csv_path(root, name, day), text)
    return root


def _window(tmp_path: Path, table: str, texts: dict[date, str]):
    root = _lay_out(tmp_path, {(table, day): text for day, text in texts.items()})
    return {o.name: o for o in window.evaluate_window(contract(table), root, dict.fromkeys(texts, (1, 10)))}


def test_the_window_is_checked_day_by_day_but_fact_keys_may_not_repeat_across_days(tmp_path):
    outcomes = _window(
        tmp_path,
        "fact_transactions",
        {date(2024, 1, 1): TX_HEADER + _transaction("1"), DAY: TX_HEADER + _transaction("1") + _transaction("2")},
    )
    key = outcomes[checks.KEY_UNIQUE_NOT_NULL]
    assert not key.passed
    assert "appear on more than one day" in key.description
    assert key.metadata["samples"][0]["transaction_id"] == "1"
    # Per-day results are combined: both days' rows are counted.
    assert outcomes[checks.ROW_COUNT_IN_VOLUME].metadata["rows_by_partition"] == {"2024-01-01": 1, "2024-01-02": 2}


def _balances(tmp_path: Path, yesterday: str, today: str) -> dict[str, object]:
    """Today's balances checked, yesterday's file beside them (outside the window)."""
    root = _lay_out(
        tmp_path,
        {
            ("fact_daily_balances", date(2024, 1, 1)): yesterday,
            ("fact_daily_balances", DAY): today,
            ("fact_transactions", DAY): TX_HEADER + _transaction("1", amount="10.00"),
            ("dim_transaction_types", DAY): TYPES,
        },
    )
    return {o.name: o for o in window.evaluate_window(contract("fact_daily_balances"), root, {DAY: (1, 1)})}


def test_an_unreadable_previous_day_fails_continuity_instead_of_skipping_it(tmp_path):
    today = BALANCES_HEADER + "7,20240102,1,100.00,10.00,0.00,110.00\n"
    outcome = _balances(tmp_path, "account;date_id\n7;20240101\n", today)[checks.BALANCE_IDENTITY]
    assert not outcome.passed
    assert "previous day is unreadable" in outcome.description


def test_continuity_looks_back_at_the_day_before_the_window(tmp_path):
    yesterday = BALANCES_HEADER + "7,20240101,1,0.00,0.00,0.00,90.00\n"
    today = BALANCES_HEADER + "7,20240102,1,100.00,10.00,0.00,110.00\n"
    balance = _balances(tmp_path, yesterday, today)[checks.BALANCE_IDENTITY]
    assert not balance.passed
    assert "opening 100.00 != previous closing 90.00" in balance.description


def test_combine_adds_counts_merges_partitions_and_names_every_failure():
    from banking_dw.check_outcomes import CheckOutcome, combine

    day_1 = CheckOutcome("c", False, "t: day one broke", {"failing_rows": 2, "samples": [1, 2], "by": {"a": 1}})
    day_2 = CheckOutcome("c", True, "t: fine", {"rows": 5})
    day_3 = CheckOutcome("c", False, "t: day three broke", {"failing_rows": 1, "samples": [3], "by": {"a": 2, "b": 1}})
    combined = combine("c", [day_1, day_2, day_3])
    assert not combined.passed
    assert combined.description == "t: day one broke; t: day three broke"
    assert combined.metadata == {"failing_rows": 3, "samples": [1, 2, 3], "by": {"a": 3, "b": 1}}
    assert combine("c", [day_2, day_2]).passed


def test_a_byte_order_mark_is_not_part_of_the_header(tmp_path):
    path = tmp_path / "types.csv"
    path.write_bytes(b"\xef\xbb\xbf" + TYPES.encode())
    connection = checks_connection()
    files = WindowFiles(contract("dim_transaction_types"), {DAY: path}, connection)
    outcomes = {o.name: o for o in evaluate(connection, files, {DAY: (1, 10)}, None)}
    assert outcomes[checks.MATCHES_CONTRACT].passed, outcomes[checks.MATCHES_CONTRACT].description


def test_days_are_checked_in_batches_of_bounded_rows_each_holding_at_least_one_day():
    days = [date(2024, 1, d) for d in (3, 1, 2, 4)]
    assert window.day_batches(days, lambda day: 100, budget=250) == [
        [date(2024, 1, 1), date(2024, 1, 2)],
        [date(2024, 1, 3), date(2024, 1, 4)],
    ]
    assert window.day_batches(days[:2], lambda day: 1_000, budget=250) == [[date(2024, 1, 1)], [date(2024, 1, 3)]]


def test_an_unreadable_day_does_not_hide_a_bad_value_on_another_day_of_the_batch(tmp_path):
    outcomes = _window(
        tmp_path,
        "fact_transactions",
        {
            date(2024, 1, 1): TX_HEADER.replace("amount", "amount_usd") + _transaction("1"),
            DAY: TX_HEADER + _transaction("2", amount="abc"),
        },
    )
    contract_outcome = outcomes[checks.MATCHES_CONTRACT]
    assert not contract_outcome.passed
    assert "2024-01-01: header" in contract_outcome.description
    assert contract_outcome.metadata["bad_values_by_column"] == {"transaction_amount": 1}


@pytest.mark.parametrize(
    "data", [gzip.compress(b"a,b\n1,2\n", mtime=0), bytes(range(256)) * 4, "loan_fact_id\nCaf\xe9\n".encode("latin-1")]
)
def test_a_file_that_is_not_csv_text_fails_every_check_by_day_instead_of_crashing(tmp_path, data):
    path = tmp_path / "fact_loans.csv"
    path.write_bytes(data)
    connection = checks_connection()
    files = WindowFiles(contract("fact_loans"), {date(2024, 1, 1): path}, connection)
    outcomes = evaluate(connection, files, {date(2024, 1, 1): (0, 10)}, None)
    assert outcomes and not any(o.passed for o in outcomes)
    assert all("2024-01-01: not readable as CSV text" in o.description for o in outcomes)


def test_a_personal_value_is_never_shown_in_a_check(tmp_path):
    customers = (
        "customer_id,first_name,last_name,email,phone,date_of_birth,address,city,state,country,"
        "customer_segment,join_date,updated_at\n"
        '1,"Ann","Lee","a@x.com","(555) 123-4567",1985-13-40,"1 Main","Town","TX","USA","Retail",2020-01-01,'
        "2020-01-01 00:00:00\n"
        '2,"Bob","Ray","b@x.com","(555) 765-4321",1990-01-01,"2 Main","Town","TX","USA","Retail",2020-01-01,'
        "2020-01-01 00:00:00\n"
        '3,"Cy","Ode","c@x.com"\n'
    )
    contract_check = _outcomes(tmp_path, "dim_customers", customers)[checks.MATCHES_CONTRACT]
    assert not contract_check.passed
    assert contract_check.metadata["malformed_rows"] == 1
    assert contract_check.metadata["bad_values_by_column"] == {"date_of_birth": 1}
    assert "1985-13-40" not in contract_check.description and "Ann" not in contract_check.description
    assert "(personal data, not shown)" in contract_check.description
