"""Erasure on request: a customer's personal data leaves every layer (raw files, lake, silver and its
quarantine, restricted and analysts' gold, the analysts' file), stays out when days are generated,
landed and loaded again, and every fact and report total stays as it was.

No test prints or reports a personal value: assertions name the column or the place, never the value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from banking_dw import duckdb_analysts
from banking_dw.contracts import CONTRACTS, Column, Personal, contract
from banking_dw.dbt.analysts import analysts_relations
from banking_dw.dbt.project import dbt_manifest
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.erase import main as erase_main
from banking_dw.erasure.job import ERASURE_JOB, ERASURE_OP, customer_id_from, erase_from_files, error_summary
from banking_dw.erasure.placeholders import ERASED_TABLE, erased_columns, erased_value, is_erased, rule_broken
from banking_dw.erasure.redaction import (
    RedactionError,
    free_text_columns,
    identifying_texts,
    redact_file,
    redact_stream,
    redact_table,
    redact_text_stream,
    texts_in,
)
from banking_dw.generator import Scale, csv_bytes, generate_day, write_csv
from banking_dw.landing.audit import audit_file
from banking_dw.landing.checks import verify_landed
from banking_dw.landing.local_lake import LocalLake
from banking_dw.landing.resources import Delivery, ErasedMeanwhile
from banking_dw.layout import csv_path, erasure_list_key, object_key, rejected_key, table_prefix
from banking_dw.partitions import FIRST_DAY
from banking_dw.raw_files import RawFiles
from banking_dw.settings import MASKING_KEY_ENV
from banking_dw.value_rules import ColumnType, is_valid_value

from .support import (
    TEST_SEED,
    TEST_TRANSACTIONS_PER_DAY,
    assert_recorded_digests_equal_the_rows,
    copy_data_dir,
    failed_checks,
    materialize,
    query,
    warehouse_environment,
)
from .test_aws import aws_env, client, enable_versioning, lake_and_catalog, quiet, version_counts  # noqa: F401

REPOSITORY = Path(__file__).resolve().parent.parent
CUSTOMERS = contract(ERASED_TABLE)
SCALE = Scale(transactions_per_day=TEST_TRANSACTIONS_PER_DAY, seed=TEST_SEED)
DAY = date(2024, 1, 2)
# The values an erasure removes, per customer row: each column, and the full name.
FULL_NAME = "full name"


def personal_values(row: dict[str, str]) -> dict[str, str]:
    """What identifies the customer in one of their rows: every erased column, and the full name."""
    values = {c.name: row[c.name] for c in erased_columns()}
    return values | {FULL_NAME: f"{row['first_name']} {row['last_name']}"}


def own_values(data: bytes, customer: int) -> dict[str, str]:
    """The customer's personal values in a dim_customers file that no other line has (a name
    shared with another customer is not theirs to find), which a redacted file must not hold."""
    [row] = rows_of(data, customer)
    others = b"\n".join(line for line in data.splitlines()[1:] if not line.startswith(f"{customer},".encode()))
    values = {name: value for name, value in personal_values(row).items() if value.encode() not in others}
    assert {"email", "phone", FULL_NAME} <= set(values)
    return values


def rows_of(data: bytes, customer: int) -> list[dict[str, str]]:
    return [r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))) if r["customer_id"] == str(customer)]


def leaked(text: str, values: dict[str, str]) -> list[str]:
    """The names of the columns whose value `text` holds (never the values)."""
    return sorted(name for name, value in values.items() if value in text)


# --------------------------------------------------------------------------- placeholders


def test_the_direct_identifiers_and_every_masked_quasi_identifier_are_erased_and_the_country_kept():
    erased = {c.name for c in erased_columns()}
    assert erased == {
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
        "address",
        "city",
        "state",
        "join_date",
    }
    assert {c.name for c in CUSTOMERS.columns if c.personal is Personal.DIRECT} <= erased
    # Every customer's in a one-country bank: analysts' gold shows it, and it leads to no one.
    assert {c.name for c in CUSTOMERS.columns if c.personal and not is_erased(c)} == {"country"}


@pytest.mark.parametrize("column", erased_columns(), ids=lambda c: c.name)
def test_each_placeholder_passes_its_columns_rules(column):
    value = erased_value(column)
    assert is_valid_value(value, column.type)
    assert value.strip() == value and value
    if column.max_length is not None:
        assert len(value) <= column.max_length
    if column.earliest is not None:
        assert value >= column.earliest
    if column.not_after_extract_day:
        # Not after any day the calendar can load: the first one is the strictest.
        assert date.fromisoformat(value) <= FIRST_DAY
    assert rule_broken(column, value) is None


def test_a_placeholder_reads_as_what_its_column_holds():
    email, phone = erased_value(CUSTOMERS.column("email")), erased_value(CUSTOMERS.column("phone"))
    assert email.count("@") == 1 and email.endswith(".invalid")  # a reserved domain: nobody receives it
    assert phone.startswith("(000)")
    assert (
        erased_value(CUSTOMERS.column("date_of_birth")) == erased_value(CUSTOMERS.column("join_date")) == "1900-01-01"
    )


def test_a_column_not_erased_or_whose_placeholder_breaks_its_rule_is_refused():
    with pytest.raises(ValueError, match="country is not erased"):
        erased_value(CUSTOMERS.column("country"))
    with pytest.raises(ValueError, match="no placeholder for the timestamp column seen_at"):
        erased_value(Column("seen_at", ColumnType.TIMESTAMP, "When.", personal=Personal.DIRECT))
    with pytest.raises(ValueError, match="longer than 4 characters"):
        erased_value(Column("code", ColumnType.VARCHAR, "A code.", personal=Personal.DIRECT, max_length_override=4))


@pytest.mark.parametrize(
    ("value", "problem"),
    [("1899-12-31", "before 1900-01-01"), ("2099-01-01", "after the extract day"), ("1990-02-30", "not a valid")],
)
def test_the_rules_a_placeholder_is_checked_against_do_catch_bad_dates(value, problem):
    assert problem in (rule_broken(CUSTOMERS.column("date_of_birth"), value) or "")


# --------------------------------------------------------------------------- redaction


@pytest.fixture(scope="module")
def customers_table():
    return generate_day(DAY, SCALE)[ERASED_TABLE]


def test_redacting_a_generated_file_gives_the_bytes_generating_it_redacted_gives(customers_table):
    erased = frozenset({3, 17, 50})
    original = csv_bytes(customers_table)
    redacted_table, by_table = redact_table(customers_table, erased)
    sink = io.BytesIO()
    # Chunks that cut lines anywhere.
    by_lines = redact_stream((original[i : i + 777] for i in range(0, len(original), 777)), sink, erased)

    assert sink.getvalue() == csv_bytes(redacted_table)
    assert by_lines == by_table and by_lines.rows == by_lines.changed == 3 and by_lines.customers == erased
    before, after = original.splitlines(), sink.getvalue().splitlines()
    changed = [n for n, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert len(changed) == 3, "only the erased customers' lines change"
    for customer in erased:
        [old] = rows_of(original, customer)
        [new] = rows_of(sink.getvalue(), customer)
        assert {c.name: new[c.name] for c in erased_columns()} == {c.name: erased_value(c) for c in erased_columns()}
        kept = [name for name in CUSTOMERS.column_names if name not in {c.name for c in erased_columns()}]
        assert {n: new[n] for n in kept} == {n: old[n] for n in kept}

    again = io.BytesIO()
    assert redact_stream([sink.getvalue()], again, erased).changed == 0
    assert again.getvalue() == sink.getvalue(), "redacting a redacted file changes nothing"


def test_a_banks_file_keeps_its_bom_line_endings_and_quoting_outside_the_erased_fields():
    header = ",".join(CUSTOMERS.column_names)
    other = '8,Ann,Lee,a@b.c,555,1980-01-01,"1 Main St, Apt 2",Town,ST,Land,Retail,2020-01-01,2020-01-01 00:00:00'
    erased_row = '" 7 ",Bo,"O""Neil",bo@x.y,(1) 2-3,1970-05-06,2 Elm,Town,ST,Land,Retail,2020-01-01,2020-01-01 00:00:00'
    data = b"\xef\xbb\xbf" + f"{header}\r\n{other}\r\n{erased_row}\r\n".encode()
    sink = io.BytesIO()
    result = redact_stream([data], sink, frozenset({7}))
    lines = sink.getvalue().split(b"\r\n")

    assert result.changed == 1
    assert sink.getvalue().startswith(b"\xef\xbb\xbf") and lines[1] == other.encode()
    assert leaked(lines[2].decode(), {"last": "Neil", "email": "bo@x.y", "dob": "1970-05-06", "address": "Elm"}) == []
    assert lines[2].startswith(b'" 7 ",')
    assert lines[2].endswith(b',"[erased]","[erased]",Land,Retail,1900-01-01,2020-01-01 00:00:00')


def test_a_row_of_an_erased_customer_that_cannot_be_split_fails_naming_its_line_not_its_values():
    header = ",".join(CUSTOMERS.column_names)
    data = f"{header}\n7,Bo,Secret-Surname\n".encode()
    with pytest.raises(RedactionError) as raised:
        redact_stream([data], io.BytesIO(), frozenset({7}))
    assert "line 2" in str(raised.value) and "Secret" not in str(raised.value)


def test_a_file_with_nothing_to_redact_is_left_untouched(tmp_path, customers_table):
    path = tmp_path / "dim_customers.csv"
    write_csv(customers_table, path)
    before = path.stat()
    assert redact_file(path, frozenset({10**12})).changed == 0
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


# --------------------------------------------------------------------------- free text


def test_a_customers_name_and_email_are_redacted_from_free_text_wherever_they_appear():
    """In any case, inside other words' company, in anyone's row; only the free-text column
    changes, only the lines that name the customer, and a second pass changes nothing."""
    texts = identifying_texts({"first_name": "Ann", "last_name": "O'Lee", "email": "ann.o.lee7@mail.example"})
    assert texts == {"Ann O'Lee", "ann.o.lee7@mail.example"}
    assert (
        identifying_texts({"first_name": "[erased]", "last_name": "[erased]", "email": "erased@erased.invalid"})
        == set()
    )
    assert identifying_texts({"first_name": "Al", "last_name": "", "email": ""}) == set(), "too short to tell apart"
    transactions = contract("fact_transactions")
    assert free_text_columns(transactions) == ("description",) and free_text_columns(CUSTOMERS) == ()
    header = ",".join(transactions.column_names).encode()
    rows = [
        b'1,10,20240102,2024-01-02 09:00:00,1,1,1,3,10.00,"Completed","Transfer from ANN O\'LEE"',
        b'2,11,20240102,2024-01-02 09:00:00,1,1,1,3,10.00,"Completed","Card payment"',
        b'3,12,20240102,2024-01-02 09:00:00,1,1,1,3,10.00,"Completed","Refund to ann.o.lee7@mail.example, ok"',
    ]
    data = b"\r\n".join([header, *rows]) + b"\r\n"
    sink = io.BytesIO()
    result = redact_text_stream((data[i : i + 50] for i in range(0, len(data), 50)), sink, ["description"], texts)
    lines = sink.getvalue().split(b"\r\n")
    assert (result.rows, result.changed) == (2, 2)
    assert lines[1].endswith(b'"Transfer from [erased]"') and lines[1][:60] == rows[0][:60]
    assert lines[2] == rows[1] and lines[3].endswith(b'"Refund to [erased], ok"')
    again = io.BytesIO()
    assert redact_text_stream([sink.getvalue()], again, ["description"], texts).changed == 0
    assert again.getvalue() == sink.getvalue()


def test_texts_of_the_erased_customers_are_read_from_their_rows_only(customers_table):
    data = csv_bytes(customers_table)
    [row] = rows_of(data, 5)
    assert texts_in([data], frozenset({5})) == {f"{row['first_name']} {row['last_name']}", row["email"]}
    assert texts_in([data], frozenset({10**12})) == frozenset()


def test_what_killed_writes_left_is_deleted_and_only_that(tmp_path, customers_table):
    """A raw step and a landing killed mid-write leave `.<table>.csv.*.tmp` beside the file, with
    clear values: the erasure deletes them (nothing reads them), and nothing else."""
    raw = RawFiles(data_dir=str(tmp_path / "data"))
    lake = LocalLake(root=str(tmp_path / "data" / "lake"))
    path = raw.path(ERASED_TABLE, DAY)
    write_csv(customers_table, path)
    audit = audit_file(path, CUSTOMERS)
    lake.publish_day(DAY, [Delivery(ERASED_TABLE, path, audit.rows, audit.size_bytes, audit.md5)], quiet)
    killed = [
        path.with_name(f".{path.name}.k1ll3d.tmp"),
        lake.local_path(object_key(ERASED_TABLE, DAY)).with_name(".dim_customers.csv.k1ll3d.tmp"),
        lake.local_path(rejected_key(ERASED_TABLE, DAY)).with_name(".dim_customers.csv.k1ll3d.tmp"),
    ]
    for leftover in killed:
        leftover.parent.mkdir(parents=True, exist_ok=True)
        leftover.write_bytes(path.read_bytes())
    files = erase_from_files(5, raw, lake, quiet)
    assert files.unfinished_writes == 3 and not any(leftover.exists() for leftover in killed)
    assert path.is_file() and lake.local_path(object_key(ERASED_TABLE, DAY)).is_file()


@pytest.mark.parametrize("text", ["abc", "0", "-3", "1.5", "", "99999999999999999999"])
def test_a_customer_id_that_is_not_one_is_refused_in_one_line(text):
    with pytest.raises(ValueError, match="is not a customer id") as raised:
        customer_id_from(text)
    assert "\n" not in str(raised.value)
    assert customer_id_from(" 42 ") == 42


@pytest.mark.parametrize("argument", ["abc", "-1", "0"])
def test_the_command_answers_a_bad_id_in_one_line(argument, capsys):
    assert erase_main([argument]) == 2
    err = capsys.readouterr().err
    assert err.startswith("banking-dw: ") and "is not a customer id" in err and err.count("\n") == 1, err


# --------------------------------------------------------------------------- the list, raw and landing


def test_the_erasure_list_holds_ids_only_and_a_publish_redacted_with_an_older_list_is_refused(tmp_path):
    lake = LocalLake(root=str(tmp_path / "lake"))
    assert lake.erased_customers() == frozenset()
    assert lake.add_erased_customer(7) and not lake.add_erased_customer(7)
    assert lake.add_erased_customer(3)
    assert lake.erased_customers() == {3, 7}
    assert json.loads(lake.read_bytes(erasure_list_key())) == {"customer_ids": [3, 7]}

    source = tmp_path / "dim_channels.csv"
    source.write_bytes(b'channel_id,channel_name,is_digital\n1,"Online",true\n')
    audit = audit_file(source, contract("dim_channels"))
    delivery = Delivery("dim_channels", source, audit.rows, audit.size_bytes, audit.md5)
    with pytest.raises(ErasedMeanwhile, match="land the day again"):
        lake.publish_day(DAY, [delivery], quiet, erased=frozenset({7}))
    assert lake.manifest(DAY).tables == {}
    assert set(lake.publish_day(DAY, [delivery], quiet, erased=frozenset({3, 7})).tables) == {"dim_channels"}


CUSTOMER_FILES = 'key:"raw/dim_customers" or key:"landing/dim_customers"'


def test_landing_redacts_the_banks_file_and_generation_writes_the_placeholders(tmp_path):
    """Raw and landing only (no warehouse): a customer put on the list after their day was
    generated is redacted by the next landing; generating the day again writes the placeholders."""
    data_dir = tmp_path / "data"
    day = DAY.isoformat()
    raw_path = csv_path(data_dir, ERASED_TABLE, DAY)
    lake = LocalLake(root=str(data_dir / "lake"))
    with warehouse_environment(data_dir):
        assert materialize(CUSTOMER_FILES, day).success
        customer = 5
        values = own_values(raw_path.read_bytes(), customer)
        lines = len(raw_path.read_bytes().splitlines())
        lake.add_erased_customer(customer)  # as the bank would send it: the file still holds the values

        landed = materialize('key:"landing/dim_customers"', day)
        assert landed.success and failed_checks(landed) == {}
        published = lake.read_bytes(object_key(ERASED_TABLE, DAY))
        assert published == raw_path.read_bytes(), "landing redacts the raw file itself, so the checksums agree"
        assert leaked(published.decode(), values) == []
        [row] = rows_of(published, customer)
        assert {c.name: row[c.name] for c in erased_columns()} == {c.name: erased_value(c) for c in erased_columns()}
        assert len(published.splitlines()) == lines

        regenerated = materialize(CUSTOMER_FILES, day)
        assert regenerated.success and failed_checks(regenerated) == {}
        assert raw_path.read_bytes() == published, "generation writes the same placeholders landing wrote"


# --------------------------------------------------------------------------- the lake on S3


def test_the_lake_is_erased_through_its_interface_on_s3(aws_env, tmp_path, customers_table):  # noqa: F811
    """The aws target's lake: a published day and a rejected file rewritten, the day's manifest
    following the new object, the bucket's earlier versions deleted, the list under the prefix."""
    lake, _ = lake_and_catalog()
    enable_versioning()
    raw = RawFiles(data_dir=str(tmp_path / "data"))
    path = raw.path(ERASED_TABLE, DAY)
    write_csv(customers_table, path)
    audit = audit_file(path, CUSTOMERS)
    lake.publish_day(DAY, [Delivery(ERASED_TABLE, path, audit.rows, audit.size_bytes, audit.md5)], quiet)
    lake.put(path, rejected_key(ERASED_TABLE, DAY + timedelta(days=1)), audit.md5)
    customer = 5
    values = own_values(path.read_bytes(), customer)
    # A landing killed mid-upload: S3 keeps the parts, unlisted, until the upload is aborted.
    s3, bucket = client("s3"), lake.bucket
    upload = s3.create_multipart_upload(Bucket=bucket, Key=lake.bucket_key(object_key(ERASED_TABLE, DAY)))
    s3.upload_part(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"], PartNumber=1, Body=path.read_bytes())

    files = erase_from_files(customer, raw, lake, quiet)

    assert files.unfinished_writes == 1 and s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert files.added and files.erased == {customer} and lake.erased_customers() == {customer}
    assert (files.lake.files, files.lake.rows, files.lake.manifests, files.lake.old_versions) == (2, 2, 1, 2)
    assert (files.raw.files, files.raw.rows) == (1, 1)
    for key in (object_key(ERASED_TABLE, DAY), rejected_key(ERASED_TABLE, DAY + timedelta(days=1))):
        assert leaked(lake.read_bytes(key).decode(), values) == [], key
    assert lake.read_bytes(object_key(ERASED_TABLE, DAY)) == path.read_bytes()
    outcomes = verify_landed(CUSTOMERS, {DAY: audit_file(path, CUSTOMERS)}, {DAY: lake.manifest(DAY)}, lake)
    assert all(o.passed for o in outcomes), [o.description for o in outcomes]
    assert set(version_counts(lake.bucket_key(table_prefix(ERASED_TABLE))).values()) == {1}

    again = erase_from_files(customer, raw, lake, quiet)
    assert not again.added and (again.lake.files, again.raw.files) == (0, 0)


# --------------------------------------------------------------------------- every layer, end to end


@dataclass(frozen=True)
class Erased:
    data_dir: Path
    home: Path
    customer: int
    # The customer's values, by column: kept out of the repr, which pytest prints for a failing test.
    values: dict[str, str] = field(repr=False)
    # Where a byte search found the values (place -> the columns whose value it holds).
    found_before: dict[str, list[str]]
    found_after_erasure: dict[str, list[str]]
    found_after_reload: dict[str, list[str]]
    searched: list[str]
    planted_after_erasure: dict[str, int]
    totals_before: dict[str, tuple]
    totals_erased: dict[str, tuple]
    totals_reloaded: dict[str, tuple]
    metadata: dict[str, object]
    job_events: str = field(repr=False)
    cli_out: str = field(repr=False)
    reload_failed_checks: dict[str, str]
    # Relations whose digests the warehouse still recorded right after the erasure changed rows in place.
    recorded_after_erasure: int


def totals(data_dir: Path) -> dict[str, tuple]:
    """Every gold and report table's row count and the sum of each numeric column."""
    connection = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        columns = connection.execute(
            "select table_schema, table_name, list(column_name order by ordinal_position)"
            " filter (where data_type like 'DECIMAL%' or data_type in ('BIGINT', 'INTEGER', 'HUGEINT', 'DOUBLE'))"
            " from information_schema.columns where table_schema in ('dev_gold', 'dev_reports')"
            " and table_name in (select table_name from information_schema.tables where table_type = 'BASE TABLE')"
            " group by all order by all"
        ).fetchall()
        found = {}
        for schema, table, numeric in columns:
            sums = "".join(f', sum("{c}")' for c in numeric or [])
            found[f"{schema}.{table}"] = connection.execute(f'select count(*){sums} from {schema}."{table}"').fetchone()
        return found
    finally:
        connection.close()


def files_under(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*") if path.is_file())


def found_in_bytes(folders: list[Path], values: dict[str, str]) -> dict[str, list[str]]:
    """Every file under `folders`, byte for byte (DuckDB files with their free blocks, SQLite
    databases and journals, logs, staging and hidden files): the columns whose value it holds."""
    needles = {name: value.encode() for name, value in values.items()}
    found = {}
    for path in files_under(*folders):
        data = path.read_bytes()
        if hits := sorted(name for name, needle in needles.items() if needle in data):
            found[str(path)] = hits
    return found


def choose_customer(data_dir: Path, days: list[date]) -> tuple[int, dict[str, str]]:
    """A customer with transactions on every day, and their personal values that appear nowhere
    outside their own rows (a name another customer shares is not theirs to find), among which
    their email, phone and full name: finding one anywhere later is a leak."""
    raw = RawFiles(data_dir=str(data_dir))
    corpus = {
        (table.name, day): raw.path(table.name, day).read_bytes().decode("utf-8-sig")
        for table in CONTRACTS
        for day in days
    }
    with_transactions = query(
        data_dir,
        "select customer_id from dev_gold.fact_transaction group by customer_id"
        " having count(distinct partition_date) = ? order by count(*) desc",
        [len(days)],
    )["customer_id"].tolist()
    for customer in with_transactions:
        mine = f"{customer},"
        others = "\n".join(
            "\n".join(line for line in text.splitlines() if not line.startswith(mine))
            if table == ERASED_TABLE
            else text
            for (table, _), text in corpus.items()
        )
        own = {
            f"{name} {day}": value
            for day in days
            for row in rows_of(corpus[(ERASED_TABLE, day)].encode(), customer)
            for name, value in personal_values(row).items()
            if value not in others
        }
        if {"email", "phone", FULL_NAME} <= {name.rsplit(" ", 1)[0] for name in own}:
            return customer, own
    raise AssertionError("no customer with transactions has an email, phone and name of their own")


def plant_in_descriptions(path: Path, customer_accounts: set[str], own: str, others: str) -> None:
    """The raw fact_transactions file with `own` as the description of its first transaction on one
    of the customer's accounts and `others` as that of its first on anyone else's; the description
    is the last column, quoted, as the generator writes it."""
    lines = path.read_bytes().split(b"\n")
    header = lines[0].decode().split(",")
    account = header.index("account_id")
    assert header[-1] == "description"
    texts = {True: own, False: others}
    for number, line in enumerate(lines[1:], start=1):
        fields = line.decode().split(",")
        theirs = len(fields) == len(header) and fields[account] in customer_accounts
        if len(fields) == len(header) and theirs in texts:
            lines[number] = f'{line.decode().rsplit(",", 1)[0]},"{texts.pop(theirs)}"'.encode()
    assert not texts, "a transaction of the customer's and one of someone else's"
    path.write_bytes(b"\n".join(lines))


def planted_rows(data_dir: Path) -> dict[str, int]:
    """Transactions whose description holds the placeholder, in silver, gold and the analysts' file."""
    counted = {}
    for place, path, relation in (
        ("silver", data_dir / "warehouse.duckdb", "dev_silver.stg_fact_transaction"),
        ("gold", data_dir / "warehouse.duckdb", "dev_gold.fact_transaction"),
        ("analysts", data_dir / "analysts" / "analysts.duckdb", "dev_gold.fact_transaction"),
    ):
        with duckdb.connect(str(path), read_only=True) as connection:
            [(counted[place],)] = connection.execute(
                f"select count(*) from {relation} where description like '%[erased]%'"
            ).fetchall()
    return counted


def leave_killed_writes(data_dir: Path, days: list[date]) -> list[Path]:
    """What a raw step and a landing killed mid-write leave: `.<table>.csv.*.tmp` beside the file,
    with the bank's clear values; and the day's transactions rejected once by the landing audit."""
    lake = LocalLake(root=str(data_dir / "lake"))
    left = []
    for day in days:
        raw_customers = csv_path(data_dir, ERASED_TABLE, day)
        for folder in (raw_customers.parent, lake.local_path(object_key(ERASED_TABLE, day)).parent):
            staging = folder / f".{ERASED_TABLE}.csv.k1ll3d.tmp"
            staging.write_bytes(raw_customers.read_bytes())
            left.append(staging)
    transactions = csv_path(data_dir, "fact_transactions", days[0])
    rejected = lake.local_path(rejected_key("fact_transactions", days[0]))
    rejected.parent.mkdir(parents=True, exist_ok=True)
    rejected.write_bytes(transactions.read_bytes())
    return [*left, rejected]


@pytest.fixture(scope="module")
def erased(built, window, tmp_path_factory) -> Erased:
    """The built window in a DAGSTER_HOME of its own, with the customer's name and email planted in
    two transactions' descriptions (theirs and someone else's) and loaded through every layer, and
    files left by killed writes; then the customer erased by the job and again by the command, and
    both days loaded again from generation (which produces the customer's values again) to
    reports. Every file under the data folder and DAGSTER_HOME is searched byte for byte before the
    erasure, right after it and after the reload."""
    first, second = window
    days = [date.fromisoformat(first), date.fromisoformat(second)]
    root = tmp_path_factory.mktemp("erasure")
    data_dir = copy_data_dir(built[0], root / "data")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPOSITORY / "deploy" / "dagster.yaml", home / "dagster.yaml")
    with warehouse_environment(data_dir), pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        patch.delenv(MASKING_KEY_ENV, raising=False)
        customer, values = choose_customer(data_dir, days)
        name = next(value for key, value in values.items() if key.startswith(FULL_NAME))
        email = next(value for key, value in values.items() if key.startswith("email"))
        accounts = set(
            query(data_dir, "select distinct account_id from dev_gold.dim_account where customer_id = ?", [customer])[
                "account_id"
            ].astype(str)
        )
        # Their own transaction's text begins with their name (analysts' gold shows its first two
        # words); someone else's names them further on.
        transactions = csv_path(data_dir, "fact_transactions", days[0])
        plant_in_descriptions(transactions, accounts, f"{name} via {email}", f"Transfer from {name} {email}")
        key = DuckDBWarehouse(path=str(data_dir / "warehouse.duckdb")).masking_key()
        # The customer's pseudonym in analysts' gold: nobody should find it once they are erased either.
        values["keyed email"] = hashlib.sha256(f"{key}:{email.strip().lower()}".encode()).hexdigest()
        with dg.DagsterInstance.get() as instance:
            # The planted day through landing, bronze, silver, gold and the analysts' file (not raw,
            # which would generate the file again).
            assert materialize("not group:raw", first, instance=instance).success
        searched = [str(p.relative_to(root)) for p in files_under(data_dir, home)]
        leave_killed_writes(data_dir, days)
        found_before = found_in_bytes([data_dir, home], values)
        totals_before = totals(data_dir)

        from banking_dw.definitions import defs

        with dg.DagsterInstance.get() as instance:
            result = (
                defs()
                .resolve_job_def(ERASURE_JOB)
                .execute_in_process(
                    run_config={"ops": {ERASURE_OP: {"config": {"customer_id": customer}}}}, instance=instance
                )
            )
        [output] = [e for e in result.all_events if e.is_successful_output and e.step_key == ERASURE_OP]
        metadata = {name: getattr(v, "value", v) for name, v in output.step_output_data.metadata.items()}
        job_events = "\n".join(str(event) for event in result.all_events)
        found_after_erasure = found_in_bytes([data_dir, home], values)
        planted = planted_rows(data_dir)
        totals_erased = totals(data_dir)

        cli = io.StringIO()
        from banking_dw.erase import erase

        assert erase(str(customer), out=cli) == 0
        relations = analysts_relations(dbt_manifest())
        with duckdb.connect() as connection:
            connection.execute(f"attach '{data_dir / 'warehouse.duckdb'}' as {duckdb_analysts.SOURCE} (read_only)")
            recorded_after_erasure = len(duckdb_analysts.recorded_parts(connection, relations))

        with dg.DagsterInstance.get() as instance:
            reloaded = materialize("*", first, second, instance=instance)
        assert reloaded.success
        assert_recorded_digests_equal_the_rows(data_dir / "warehouse.duckdb", relations)
    return Erased(
        data_dir,
        home,
        customer,
        values,
        found_before,
        found_after_erasure,
        found_in_bytes([data_dir, home], values),
        searched,
        planted,
        totals_before,
        totals_erased,
        totals(data_dir),
        metadata,
        job_events,
        cli.getvalue(),
        failed_checks(reloaded),
        recorded_after_erasure,
    )


@pytest.mark.slow
def test_the_byte_search_sees_the_values_where_they_are(erased):
    """The premise: before the erasure the search finds the customer's values in the bank's files,
    the lake, what killed writes left, the planted transactions and the warehouse file itself (a
    DuckDB file compresses some columns, but not all of them), and it reads DAGSTER_HOME's event log."""
    found = {place.replace(str(erased.data_dir), "data") for place in erased.found_before}
    day_files = [p for p in found if p.startswith("data/raw/dim_customers/") and p.endswith("/dim_customers.csv")]
    assert len(day_files) == 2, sorted(found)
    assert sum(p.endswith(".k1ll3d.tmp") for p in found) == 4, sorted(found)
    assert any(p.startswith("data/raw/fact_transactions/") for p in found), "the planted description"
    assert any(p.startswith("data/lake/_rejected/fact_transactions/") for p in found)
    assert "data/warehouse.duckdb" in found, sorted(found)
    assert any(place.endswith("event_log.db") for place in erased.searched)


@pytest.mark.slow
def test_no_file_under_the_data_folder_or_dagster_home_holds_any_value_of_the_erased_customer(erased):
    """Byte for byte, right after the erasure and after both days were loaded again: the raw files,
    the lake (objects, manifests, rejected files), what killed writes left, the warehouse file and
    the analysts' file (with their free blocks), Dagster's event log, run and compute logs."""
    assert erased.found_after_erasure == {}, "the customer's values (by column) found in these files"
    assert erased.found_after_reload == {}, "the customer's values (by column) came back in these files"


@pytest.mark.slow
def test_the_erased_customer_keeps_rows_keys_and_placeholders_that_pass_every_rule(erased, monkeypatch):
    customer = erased.customer
    placeholders = {c.name: erased_value(c) for c in erased_columns()}
    silver = query(erased.data_dir, "select * from dev_silver.stg_dim_customer where customer_id = ?", [customer])
    assert len(silver) >= 1
    for name, value in placeholders.items():
        # A date column reads back as a timestamp, compared as the day it holds.
        assert {str(v.date() if hasattr(v, "date") else v) for v in silver[name]} == {value}, name
    quarantined = query(
        erased.data_dir,
        "select count(*) as n from dev_silver.quarantine_dim_customer where trim(customer_id) = ?",
        [str(customer)],
    )
    assert quarantined["n"][0] == 0, "the placeholders pass silver's rules"
    masked = query(erased.data_dir, "select * from dev_gold.dim_customer where customer_id = ?", [customer])
    assert masked[["phone", "address", "city", "state", "join_date"]].isna().all().all()
    assert {str(v.date()) for v in masked["date_of_birth"]} == {"1950-01-01"}, "1900 is bottom-coded"
    monkeypatch.delenv(MASKING_KEY_ENV, raising=False)
    key = DuckDBWarehouse(path=str(erased.data_dir / "warehouse.duckdb")).masking_key()
    expected = hashlib.sha256(f"{key}:{placeholders['email']}".encode()).hexdigest()
    assert set(masked["email"]) == {expected}, "the keyed hash of the placeholder"
    listed = query(erased.data_dir, "select customer_id from dev_silver.erased_customers")
    assert listed["customer_id"].tolist() == [customer]


@pytest.mark.slow
def test_the_planted_descriptions_keep_their_rows_with_the_name_and_email_replaced(erased):
    """Silver holds both transactions' text with the name and email replaced; analysts' gold and
    file show the first two words of the customer's own, where their name was."""
    assert erased.planted_after_erasure == {"silver": 2, "gold": 1, "analysts": 1}
    assert (erased.metadata["free_text_silver_rows"], erased.metadata["free_text_gold_rows"]) == (2, 1)


@pytest.mark.slow
def test_every_fact_and_report_total_is_unchanged(erased):
    assert any(name.startswith("dev_reports.") for name in erased.totals_before)
    assert any("fact_transaction" in name for name in erased.totals_before)
    assert erased.totals_erased == erased.totals_before
    assert erased.totals_reloaded == erased.totals_before


@pytest.mark.slow
def test_the_job_records_counts_per_layer_and_never_a_value(erased):
    metadata = erased.metadata
    assert metadata["customer_id"] == erased.customer and metadata["erasure_list"] == "added"
    # Both days' customers file and object, each day's manifest; the planted day's transactions
    # file, object and manifest, and its rejected copy.
    assert (metadata["raw_files"], metadata["lake_objects"], metadata["lake_manifests"]) == (3, 4, 3)
    assert metadata["unfinished_writes_deleted"] == 4
    assert metadata["names_and_emails_searched"] >= 2
    for name in ("silver_rows", "gold_restricted_rows", "gold_rows"):
        assert metadata[name] >= 1, name
    assert metadata["quarantine_rows"] == 0
    assert str(metadata["warehouse_files"]).startswith("rewritten (")
    assert "analysts' file published anew" in str(metadata["warehouse_files"])
    assert leaked(json.dumps(metadata, default=str), erased.values) == []
    assert leaked(erased.job_events, erased.values) == []


@pytest.mark.slow
def test_the_command_erases_again_changing_nothing_and_says_so_per_layer(erased):
    out = erased.cli_out
    assert f"customer {erased.customer} erased" in out
    for layer in ("raw files", "lake", "leftovers", "silver", "gold", "files"):
        assert f"  {layer} " in out, layer
    assert "  raw files  0 file(s), 0 row(s)" in out and "  lake       0 object(s), 0 row(s)" in out
    assert "  leftovers  0 file(s)" in out and "free text: 0 row(s), 0 quarantined" in out
    assert leaked(out, erased.values) == []


@pytest.mark.slow
def test_the_command_answers_an_unknown_customer_in_one_line(erased, capsys):
    with warehouse_environment(erased.data_dir), pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(erased.home))
        assert erase_main(["999999999"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("banking-dw: customer 999999999 was not erased: customer 999999999 is in no")
    assert err.count("\n") == 1, err


@pytest.mark.slow
def test_loading_the_days_again_passes_every_check(erased):
    assert erased.reload_failed_checks == {}


@pytest.mark.slow
def test_the_erasure_forgets_the_digests_the_publish_recorded_and_the_next_build_records_them_again(erased):
    """It changed rows in place: the analysts' step hashes the warehouse itself until the next
    publish records each relation anew (the reload checks the records against the rows)."""
    assert erased.recorded_after_erasure == 0


def test_a_dbt_error_is_summed_up_in_one_line_without_the_sql_it_quotes():
    message = (
        "Encountered an error while running operation: Runtime Error\n"
        '  Binder Error: Referenced column "x" not found in FROM clause!\n'
        "  LINE 3: ... regexp_replace(description, 'Ann Lee', '[erased]') ..."
    )
    assert error_summary(message) == (
        'Encountered an error while running operation: Runtime Error: Binder Error: Referenced column "x" not found'
        " in FROM clause!"
    )
    assert error_summary("Database Error\n  near 'Ann Lee': syntax error") == "Database Error"
