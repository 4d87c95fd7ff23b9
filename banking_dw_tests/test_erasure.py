"""Erasure on request: a customer's personal data leaves every layer (raw files, lake, silver and its
quarantine, restricted and analysts' gold, the analysts' file), stays out when days are generated,
landed and loaded again, and every fact and report total stays as it was.

No test prints or reports a personal value: assertions name the column or the place, never the value.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from banking_dw.contracts import CONTRACTS, Column, Personal, contract
from banking_dw.erase import main as erase_main
from banking_dw.erasure.job import ERASURE_JOB, ERASURE_OP, customer_id_from, erase_from_files
from banking_dw.erasure.placeholders import ERASED_TABLE, erased_columns, erased_value, is_erased, rule_broken
from banking_dw.erasure.redaction import RedactionError, redact_file, redact_stream, redact_table
from banking_dw.generator import Scale, csv_bytes, generate_day, write_csv
from banking_dw.landing.audit import audit_file
from banking_dw.landing.checks import verify_landed
from banking_dw.landing.local_lake import LocalLake
from banking_dw.landing.resources import Delivery, ErasedMeanwhile
from banking_dw.layout import csv_path, erasure_list_key, object_key, rejected_key, table_prefix
from banking_dw.partitions import FIRST_DAY
from banking_dw.raw_files import RawFiles
from banking_dw.value_rules import ColumnType, is_valid_value

from .support import (
    TEST_SEED,
    TEST_TRANSACTIONS_PER_DAY,
    copy_data_dir,
    failed_checks,
    materialize,
    query,
    warehouse_environment,
)
from .test_aws import aws_env, enable_versioning, lake_and_catalog, quiet, version_counts  # noqa: F401

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


def test_the_direct_identifiers_and_the_birth_date_are_erased_and_the_home_town_kept():
    erased = {c.name for c in erased_columns()}
    assert erased == {"first_name", "last_name", "email", "phone", "date_of_birth", "address"}
    assert {c.name for c in CUSTOMERS.columns if c.personal is Personal.DIRECT} <= erased
    # The analyses need the home town: the contract leaves it unmasked in analysts' gold.
    assert {c.name for c in CUSTOMERS.columns if c.personal and not is_erased(c)} == {"city", "state", "country"}


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
    assert phone[-4:].isdigit()  # analysts' gold shows the last four digits
    assert erased_value(CUSTOMERS.column("date_of_birth")) == "1900-01-01"


def test_a_column_not_erased_or_whose_placeholder_breaks_its_rule_is_refused():
    with pytest.raises(ValueError, match="city is not erased"):
        erased_value(CUSTOMERS.column("city"))
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
    assert lines[2].startswith(b'" 7 ",') and lines[2].endswith(b",Town,ST,Land,Retail,2020-01-01,2020-01-01 00:00:00")


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

    files = erase_from_files(customer, raw, lake, quiet)

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
    values: dict[str, str]
    totals_before: dict[str, tuple]
    totals_erased: dict[str, tuple]
    totals_reloaded: dict[str, tuple]
    metadata: dict[str, object]
    job_events: str
    cli_out: str
    reload_failed_checks: dict[str, str]


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


def relation_texts(path: Path, lake: Path | None = None) -> Iterator[tuple[str, str]]:
    """Every row of every table and view of a DuckDB file, all schemas, as text."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        if lake is not None:
            connection.execute("set file_search_path = ?", [str(lake)])
        relations = connection.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema not in ('information_schema', 'pg_catalog') order by all"
        ).fetchall()
        for schema, name in relations:
            yield f"{path.name}:{schema}.{name}", ""  # read, even when empty
            for row in connection.execute(f'select * from "{schema}"."{name}"').fetchall():
                yield f"{path.name}:{schema}.{name}", "\x1f".join("" if v is None else str(v) for v in row)
    finally:
        connection.close()


def file_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Every file under `folder` that is not a DuckDB database, as text."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and ".duckdb" not in path.name and not path.name.endswith(".msgpack"):
            yield str(path.relative_to(folder)), path.read_bytes().decode("utf-8", errors="replace")


def choose_customer(data_dir: Path, days: list[date]) -> tuple[int, dict[str, str]]:
    """A customer with accounts and transactions whose every personal value (each erased column and
    the full name) appears nowhere outside their own rows, so finding it anywhere later is a leak."""
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
        own: dict[str, str] = {}
        for day in days:
            for row in rows_of(corpus[(ERASED_TABLE, day)].encode(), customer):
                for name, value in personal_values(row).items():
                    own[f"{name} {day}"] = value
        others = "\n".join(
            "\n".join(line for line in text.splitlines() if not line.startswith(f"{customer},"))
            if table == ERASED_TABLE
            else text
            for (table, _), text in corpus.items()
        )
        if own and not leaked(others, own):
            return customer, own
    raise AssertionError("no customer with transactions has personal values of their own")


@pytest.fixture(scope="module")
def erased(built, window, tmp_path_factory) -> Erased:
    """The built window, one customer erased by the job and again by the command, then both days
    loaded again from generation (which produces the customer's values again) to reports."""
    first, second = window
    days = [date.fromisoformat(first), date.fromisoformat(second)]
    root = tmp_path_factory.mktemp("erasure")
    data_dir = copy_data_dir(built[0], root / "data")
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with warehouse_environment(data_dir), pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        customer, values = choose_customer(data_dir, days)
        totals_before = totals(data_dir)

        from banking_dw.definitions import defs

        result = (
            defs()
            .resolve_job_def(ERASURE_JOB)
            .execute_in_process(
                run_config={"ops": {ERASURE_OP: {"config": {"customer_id": customer}}}},
                instance=dg.DagsterInstance.ephemeral(),
            )
        )
        [output] = [e for e in result.all_events if e.is_successful_output and e.step_key == ERASURE_OP]
        metadata = {name: getattr(v, "value", v) for name, v in output.step_output_data.metadata.items()}
        job_events = "\n".join(str(event) for event in result.all_events)
        totals_erased = totals(data_dir)

        cli = io.StringIO()
        from banking_dw.erase import erase

        assert erase(str(customer), out=cli) == 0

        reloaded = materialize("*", first, second)
        assert reloaded.success
    return Erased(
        data_dir,
        home,
        customer,
        values,
        totals_before,
        totals_erased,
        totals(data_dir),
        metadata,
        job_events,
        cli.getvalue(),
        failed_checks(reloaded),
    )


@pytest.mark.slow
def test_no_personal_value_of_the_erased_customer_remains_anywhere(erased):
    data_dir = erased.data_dir
    places = [
        *file_texts(data_dir),  # raw files, lake objects, manifests, the erasure list, rejected files
        *relation_texts(data_dir / "warehouse.duckdb", lake=data_dir / "lake"),  # every schema, bronze views too
        *file_texts(erased.home),  # the command's run: Dagster's event log and the log file
    ]
    analysts = data_dir / "analysts" / "analysts.duckdb"
    if analysts.is_file():
        places += list(relation_texts(analysts))
    found = {}
    for where, text in places:
        if hits := leaked(text, erased.values):
            found.setdefault(where, set()).update(hits)
    assert found == {}, f"personal values (by column) still found in: {found}"
    assert {where.split(":")[1] for where, _ in places if where.startswith("warehouse.duckdb:")} >= {
        "dev_silver.stg_dim_customer",
        "dev_silver.quarantine_dim_customer",
        "dev_restricted.dim_customer_pii",
        "dev_gold.dim_customer",
        "dev_bronze.dim_customers",
    }, "the scan reads every layer"


@pytest.mark.slow
def test_the_erased_customer_keeps_rows_keys_and_placeholders_that_pass_every_rule(erased):
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
    assert set(masked["phone"]) == {"***" + placeholders["phone"][-4:]}
    assert {str(v.date()) for v in masked["date_of_birth"]} == {"1900-01-01"}
    assert masked["address"].isna().all()
    email_hashes = query(
        erased.data_dir,
        "select distinct email = md5(lower(trim(?))) as derived_from_placeholder from dev_gold.dim_customer"
        " where customer_id = ?",
        [placeholders["email"], customer],
    )
    assert email_hashes["derived_from_placeholder"].tolist() == [True]
    listed = query(erased.data_dir, "select customer_id from dev_silver.erased_customers")
    assert listed["customer_id"].tolist() == [customer]


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
    # Both days' file and object, each day's manifest, the customer's rows in silver and gold.
    assert (metadata["raw_files"], metadata["lake_objects"], metadata["lake_manifests"]) == (2, 2, 2)
    assert metadata["raw_rows"] == metadata["lake_rows"] == 2
    for name in ("silver_rows", "gold_restricted_rows", "gold_rows"):
        assert metadata[name] >= 1, name
    assert metadata["quarantine_rows"] == 0
    assert str(metadata["analysts_file"]).startswith("republished")
    assert leaked(json.dumps(metadata, default=str), erased.values) == []
    assert leaked(erased.job_events, erased.values) == []


@pytest.mark.slow
def test_the_command_erases_again_changing_nothing_and_says_so_per_layer(erased):
    out = erased.cli_out
    assert f"customer {erased.customer} erased" in out
    for layer in ("raw files", "lake", "silver", "gold", "analysts"):
        assert f"  {layer} " in out, layer
    assert "  raw files  0 file(s), 0 row(s)" in out and "  lake       0 object(s), 0 row(s)" in out
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
