"""The fault matrix: one raw file of the second day goes bad, the user re-runs that day from
landing to reports, and the warehouse behaves as a user relies on.

The clean two-day warehouse (conftest's `built`) is copied ONCE and the faults are applied in
stages on that copy, each stage one run of the user's path for the second day:
  1. rejected: structural faults (reordered, missing or cut content, wrong encoding, compressed,
     binary, a value spanning lines, an empty full extract), each in a different table; landing
     refuses them all, the day is not published, nothing downstream runs, the published data stays;
  2. missing: the second day's landed objects removed, then its manifest (a half-landed day), and
     silver+ or gold re-run on their own: the completeness gate fails naming the table and day,
     before anything is replaced;
  3. lands clean: a BOM and an exact duplicate row; gold is identical to the clean build;
  4. warns: row faults the quarantine explains (a parent quarantined for one bad cell takes its
     children with it, saying why), a spurious customer version, and an event table with no event
     that day; the run succeeds with WARN checks only and reports rebuild with gold;
  5. restored: every good file back and the day re-run: gold and reports equal the clean build
     (the corrected reload of the spurious version, the lake healed).
Cases within a stage touch different tables or keys, so each case's assertions stay separable.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from banking_dw.contracts import TABLE_NAMES, contract
from banking_dw.landing.checks import FILE_STRUCTURE_VALID
from banking_dw.landing.local_lake import LocalLake
from banking_dw.layout import csv_path, manifest_key, object_key, rejected_key

from .live_dagster import gold_digest
from .support import copy_data_dir, materialize, query, warehouse_environment

# Builds warehouses with dbt: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow


USER_PATH = "group:landing or group:bronze or group:silver or group:gold or group:restricted or group:reports"
FACT_MODELS = {t: contract(t).model_name for t in TABLE_NAMES if t.startswith("fact_")}
BOM = b"\xef\xbb\xbf"
# One CSV field as the generator writes it: a quoted string ("" escapes a quote) or bare text.
_FIELD = re.compile(rb'"(?:[^"]|"")*"|[^,\n]*')


# --- editing a raw file as bytes, keeping the generator's quoting --------------------------------


def split_fields(line: bytes) -> list[bytes]:
    fields, position = [], 0
    while True:
        match = _FIELD.match(line, position)
        fields.append(match.group())
        position = match.end()
        if position >= len(line) or line[position : position + 1] != b",":
            return fields
        position += 1


def read_lines(path: Path) -> list[list[bytes]]:
    return [split_fields(line) for line in path.read_bytes().splitlines()]


def write_lines(path: Path, rows: list[list[bytes]]) -> None:
    path.write_bytes(b"".join(b",".join(row) + b"\n" for row in rows))


def unquoted(field: bytes) -> str:
    return field.decode().strip('"')


def swap_columns(path: Path, first: str, second: str) -> None:
    rows = read_lines(path)
    i, j = rows[0].index(first.encode()), rows[0].index(second.encode())
    for row in rows:
        row[i], row[j] = row[j], row[i]
    write_lines(path, rows)


def drop_last_column(path: Path) -> None:
    write_lines(path, [row[:-1] for row in read_lines(path)])


def header_only(path: Path) -> None:
    path.write_bytes(path.read_bytes().split(b"\n", 1)[0] + b"\n")


def cut_inside_last_quoted_field(path: Path) -> None:
    data = path.read_bytes().rstrip(b"\n")
    last_quote = data.rindex(b'"')
    path.write_bytes(data[: last_quote - 2])


def drop_a_closing_quote(path: Path, line_number: int) -> None:
    lines = path.read_bytes().split(b"\n")
    line = lines[line_number - 1]
    closing = line.index(b'",')
    lines[line_number - 1] = line[:closing] + line[closing + 1 :]
    path.write_bytes(b"\n".join(lines))


def empty(path: Path) -> None:
    path.write_bytes(b"")


def replace_field(path: Path, line_number: int, column: str, value: bytes) -> None:
    rows = read_lines(path)
    rows[line_number - 1][rows[0].index(column.encode())] = value
    write_lines(path, rows)


def compress(path: Path) -> None:
    path.write_bytes(gzip.compress(path.read_bytes()))


def binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 16)


def insert_empty_line(path: Path, after_line: int) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines[:after_line], b"\n", *lines[after_line:]]))


# --- what the warehouse holds -------------------------------------------------------------------


def warehouse_digest(data_dir: Path) -> dict[str, tuple[int, str]]:
    return {
        f"{schema}.{table}": d
        for schema in ("dev_gold", "dev_reports")
        for table, d in gold_digest(data_dir, schema).items()
    }


def gold_rows(data_dir: Path, table: str, day: str | None = None) -> pd.DataFrame:
    sql = f"select * from dev_gold.{table}" + (" where partition_date = ?" if day else "")
    frame = query(data_dir, sql, [day] if day else [])
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def frame_digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def day_digest(data_dir: Path, day: str) -> dict[str, str]:
    """Every gold fact's rows of one partition day."""
    return {model: frame_digest(gold_rows(data_dir, model, day)) for model in FACT_MODELS.values()}


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {f"{e.asset_key.to_user_string()}:{e.check_name}": e for e in result.get_asset_check_evaluations()}


def failing(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {name: e for name, e in evaluations(result).items() if not e.passed}


def quarantine_check(name: str) -> str | None:
    """The asset of a failed `quarantine_is_empty` check."""
    asset, check = name.split(":")
    return asset if check == "quarantine_is_empty" else None


def quarantine(data_dir: Path, model: str, day: str) -> pd.DataFrame:
    return query(data_dir, f"select * from dev_silver.quarantine_{model} where dt = ?", [day])


def materialized_groups(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.path[0] for e in result.get_asset_materialization_events()}


def run_day(data_dir: Path, day: str) -> dg.ExecuteInProcessResult:
    with warehouse_environment(data_dir):
        return materialize(USER_PATH, day, raise_on_error=False)


# --- the staged copy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clean:
    data_dir: Path
    first: str
    second: str
    digest: dict[str, tuple[int, str]]
    first_day: dict[str, str]
    manifest: object


@dataclass
class Stage:
    result: dg.ExecuteInProcessResult
    facts: dict[str, object]


@pytest.fixture(scope="module")
def clean(built, window) -> Clean:
    data_dir, result = built
    assert result.success
    manifest = LocalLake(root=str(data_dir / "lake")).manifest(date.fromisoformat(window[1]))
    return Clean(data_dir, *window, warehouse_digest(data_dir), day_digest(data_dir, window[0]), manifest)


@pytest.fixture(scope="module")
def copy(clean, tmp_path_factory) -> Path:
    return copy_data_dir(clean.data_dir, tmp_path_factory.mktemp("fault_matrix") / "data")


def raw(data_dir: Path, table: str, day: str) -> Path:
    return csv_path(data_dir, table, date.fromisoformat(day))


class Faults:
    """Applies faults to the copy's raw files and restores the good bytes afterwards."""

    def __init__(self, data_dir: Path, day: str) -> None:
        self.data_dir, self.day = data_dir, day
        self.good: dict[str, bytes] = {}

    def apply(self, table: str, edit: Callable[[Path], None]) -> bytes:
        path = raw(self.data_dir, table, self.day)
        self.good.setdefault(table, path.read_bytes())
        edit(path)
        return path.read_bytes()

    def restore(self) -> None:
        for table, data in self.good.items():
            raw(self.data_dir, table, self.day).write_bytes(data)
        self.good.clear()


@pytest.fixture(scope="module")
def faults(copy, clean) -> Faults:
    return Faults(copy, clean.second)


# Stage 1: case -> (table, edit, the problem the description must name).
REJECTED = {
    "customer columns reordered": (
        "dim_customers",
        lambda p: swap_columns(p, "first_name", "last_name"),
        "line 1: header differs from the contract: the columns are in another order from field 2",
    ),
    "transaction columns reordered": (
        "fact_transactions",
        lambda p: swap_columns(p, "channel_id", "currency_id"),
        "line 1: header differs from the contract",
    ),
    "an empty full extract": (
        "fact_daily_balances",
        header_only,
        "line 2: no data rows (header only); fact_daily_balances is a full extract, never empty",
    ),
    "missing column": (
        "fact_customer_interactions",
        drop_last_column,
        "line 1: header differs from the contract: missing ['satisfaction_score']",
    ),
    "cut inside the last quoted field": ("fact_loans", cut_inside_last_quoted_field, "the last line has no newline"),
    "closing quote missing": (
        "dim_accounts",
        lambda p: drop_a_closing_quote(p, 3),
        "line 3: a quoted value is not closed by the end of the line",
    ),
    "0-byte file": ("dim_channels", empty, "line 1: the file is empty (0 bytes)"),
    "not UTF-8": (
        "dim_locations",
        lambda p: replace_field(p, 3, "city", '"Mâcon"'.encode("latin-1")),
        "line 3, byte",
    ),
    "gzip-compressed": ("dim_loans", compress, "line 1: the file is gzip-compressed; land the uncompressed CSV"),
    "binary": ("dim_investment_types", binary, "line 1, byte 0: a NUL byte: binary data, not CSV text"),
    "a value spanning lines": (
        "dim_currencies",
        lambda p: replace_field(p, 2, "currency_name", b'"US\nDollar"'),
        "line 2: a quoted value is not closed by the end of the line (a value never spans lines",
    ),
    "an empty line": ("fact_investments", lambda p: insert_empty_line(p, 3), "line 4: an empty line"),
}


@pytest.fixture(scope="module")
def rejected(faults, copy, clean) -> Stage:
    bad = {table: faults.apply(table, edit) for table, edit, _ in REJECTED.values()}
    result = run_day(copy, clean.second)
    lake, day = LocalLake(root=str(copy / "lake")), date.fromisoformat(clean.second)
    facts = {
        "bad": bad,
        "digest": warehouse_digest(copy),
        "manifest": lake.manifest(day),
        "published": {table: lake.read_bytes(object_key(table, day)) for table in bad},
        "kept": {table: lake.read_bytes(rejected_key(table, day)) for table in bad},
    }
    faults.restore()
    return Stage(result, facts)


def test_rejected_files_fail_the_run_before_anything_downstream(rejected, clean):
    assert not rejected.result.success
    assert materialized_groups(rejected.result) <= {"landing"}
    assert not any(e.step_key == "crawled_bronze_tables" for e in rejected.result.get_step_success_events())
    corrupted = {table for table, _, _ in REJECTED.values()}
    # A rejected file also differs from what was published: its landing checks say so, nothing else fails.
    assert {name.split(":")[0] for name in failing(rejected.result)} == {f"landing/{t}" for t in corrupted}
    assert rejected.facts["digest"] == clean.digest, "a rejected day must leave gold and reports as they were"


@pytest.mark.parametrize("case", list(REJECTED))
def test_a_structurally_broken_file_is_rejected_by_name_partition_and_problem(rejected, copy, clean, case):
    table, _, problem = REJECTED[case]
    check = failing(rejected.result).get(f"landing/{table}:{FILE_STRUCTURE_VALID}")
    assert check is not None, sorted(failing(rejected.result))
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert f"{table} {clean.second}: " in check.description and problem in check.description, check.description
    assert rejected.facts["kept"][table] == rejected.facts["bad"][table]
    assert rejected.facts["published"][table] == faults_good(clean, table)


def test_a_rejected_day_publishes_none_of_its_tables(rejected, clean):
    assert rejected.facts["manifest"] == clean.manifest, "the day's manifest must be the clean one, untouched"


def faults_good(clean: Clean, table: str) -> bytes:
    return raw(clean.data_dir, table, clean.second).read_bytes()


# Stage 2: the second day's landed files go missing, and silver+ or gold alone is run over it.
MISSING_OBJECTS = ("fact_loans", "dim_accounts")


def run_selection(data_dir: Path, selection: str, day: str) -> dg.ExecuteInProcessResult:
    with warehouse_environment(data_dir):
        return materialize(selection, day, raise_on_error=False)


def gate_failure(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [e for e in result.all_events if e.is_step_failure]
    return failure.step_failure_data.error.message


@pytest.fixture(scope="module")
def missing(rejected, copy, clean) -> Stage:
    lake = LocalLake(root=str(copy / "lake"))
    day = date.fromisoformat(clean.second)
    kept = copy.parent / "kept"
    for table in MISSING_OBJECTS:
        source = lake.local_path(object_key(table, day))
        (kept / table).mkdir(parents=True)
        shutil.move(source, kept / table / source.name)
    silver_up = run_selection(copy, "group:silver+", clean.second)
    gold_only = run_selection(copy, "group:gold", clean.second)
    shutil.move(lake.local_path(manifest_key(day)), kept / "manifest.json")
    half_landed = run_selection(copy, 'key:"silver/validated_fact_loan" or key:"silver/stg_fact_loan"', clean.second)
    without_verdict = run_selection(copy, 'key:"silver/stg_fact_loan"', clean.second)
    facts = {
        "silver_up": silver_up,
        "gold_only": gold_only,
        "half_landed": half_landed,
        "without_verdict": without_verdict,
        "digest": warehouse_digest(copy),
    }
    return Stage(silver_up, facts)


def test_removed_landed_files_fail_silver_and_gold_reruns_before_anything_is_replaced(missing, clean):
    for run in ("silver_up", "gold_only"):
        result = missing.facts[run]
        assert not result.success, run
        assert result.get_asset_materialization_events() == [], run
        message = gate_failure(result)
        assert "completeness gate" in message and "nothing was replaced" in message, message
        for table in MISSING_OBJECTS:
            assert f"{table} {clean.second}: its published object" in message, (run, message)
    assert missing.facts["digest"] == clean.digest, "a missing day must leave gold and reports as they were"


def test_a_half_landed_day_fails_a_rerun_of_one_silver_model_naming_its_tables(missing, clean):
    message = gate_failure(missing.facts["half_landed"])
    assert f"fact_loans {clean.second}: not published in the lake" in message, message
    assert f"dim_customers {clean.second}: not published in the lake" in message, message


def test_a_silver_model_run_without_its_verdict_is_refused_naming_both(missing):
    message = gate_failure(missing.facts["without_verdict"])
    assert "stg_fact_loan read(s) validated_fact_loan, which this selection does not build" in message, message


# Stage 3: faults that change nothing in gold.
def add_bom(path: Path) -> None:
    path.write_bytes(BOM + path.read_bytes())


def duplicate_row(path: Path, line_number: int) -> None:
    rows = read_lines(path)
    write_lines(path, [*rows, rows[line_number - 1]])


DUPLICATED_LINE = 5


@pytest.fixture(scope="module")
def lands_clean(missing, faults, copy, clean) -> Stage:
    faults.apply("dim_accounts", add_bom)
    duplicated = unquoted(read_lines(raw(copy, "fact_transactions", clean.second))[DUPLICATED_LINE - 1][0])
    faults.apply("fact_transactions", lambda p: duplicate_row(p, DUPLICATED_LINE))
    result = run_day(copy, clean.second)
    facts = {
        "digest": warehouse_digest(copy),
        "landed": LocalLake(root=str(copy / "lake")).read_bytes(
            object_key("dim_accounts", date.fromisoformat(clean.second))
        ),
        "quarantine": quarantine(copy, "fact_transaction", clean.second),
        "duplicated": duplicated,
    }
    faults.restore()
    return Stage(result, facts)


def test_a_bom_and_an_exact_duplicate_leave_gold_and_reports_identical(lands_clean, clean):
    assert lands_clean.result.success
    assert materialized_groups(lands_clean.result) >= {"landing", "bronze", "silver", "gold", "reports"}
    assert lands_clean.facts["digest"] == clean.digest


def test_a_file_with_a_bom_lands_and_passes_every_check(lands_clean):
    assert lands_clean.facts["landed"].startswith(BOM)
    on_accounts = {n: e for n, e in evaluations(lands_clean.result).items() if "dim_account" in n.split(":")[0]}
    assert on_accounts and all(e.passed for e in on_accounts.values()), sorted(
        n for n, e in on_accounts.items() if not e.passed
    )


def test_an_exact_duplicate_keeps_one_copy_and_quarantines_the_other(lands_clean, clean):
    rows = lands_clean.facts["quarantine"]
    duplicated = lands_clean.facts["duplicated"]
    assert rows.transaction_id.tolist() == [duplicated]
    assert rows.quarantine_reason.tolist() == [f"transaction_id {duplicated}: exact duplicate of a row kept in silver"]
    failed = failing(lands_clean.result)
    assert [quarantine_check(name) for name in failed] == ["silver/quarantine_fact_transaction"], sorted(failed)
    assert all(e.severity == dg.AssetCheckSeverity.WARN for e in failed.values())


# Stage 4: row faults the quarantine explains, and a spurious customer version.
def fields_of(data_dir: Path, table: str, day: str) -> pd.DataFrame:
    return pd.read_csv(raw(data_dir, table, day), dtype=str, keep_default_na=False)


def edit_row(path: Path, column: str, key_value: str, change: Callable[[bytes], bytes]) -> None:
    rows = read_lines(path)
    index = rows[0].index(column.encode())
    for row in rows[1:]:
        if unquoted(row[0]) == key_value:
            row[index] = change(row[index])
    write_lines(path, rows)


def append_conflicting_copy(path: Path, key_value: str, column: str) -> None:
    rows = read_lines(path)
    index = rows[0].index(column.encode())
    copy = next(list(row) for row in rows[1:] if unquoted(row[0]) == key_value)
    copy[index] = b'"conflict.' + copy[index].strip(b'"') + b'"'
    write_lines(path, [*rows, copy])


def later(days: int) -> Callable[[bytes], bytes]:
    def shift(field: bytes) -> bytes:
        moment = datetime.fromisoformat(field.decode()) + timedelta(days=days)
        return moment.strftime("%Y-%m-%d %H:%M:%S").encode()

    return shift


@dataclass(frozen=True)
class WarnPlan:
    late_transaction: str
    negative_transaction: str
    conflicting_customer: str
    spurious_customer: str
    spurious_updated_at: str
    # Customers quarantined for one bad cell each: their accounts and facts follow them.
    impossible_join_customer: str
    future_birth_customer: str
    ancient_birth_customer: str
    runaway_name_customer: str

    @property
    def quarantined_customers(self) -> list[str]:
        return [
            self.impossible_join_customer,
            self.future_birth_customer,
            self.ancient_birth_customer,
            self.runaway_name_customer,
        ]


IMPOSSIBLE_JOIN_DATE = b"2024-02-30"
FUTURE_BIRTH_DATE, ANCIENT_BIRTH_DATE = b"2099-01-01", b"1850-06-01"
RUNAWAY_NAME_LENGTH = 1 << 20


def plan_warnings(clean: Clean) -> WarnPlan:
    """Two Completed transactions and six customers, none sharing an account or a customer, so
    each fault's effect is told apart; every customer has transactions that day, and neither the
    customer nor its accounts change version that day (its facts keep the same surrogate keys)."""
    transactions = fields_of(clean.data_dir, "fact_transactions", clean.second)
    accounts = fields_of(clean.data_dir, "dim_accounts", clean.second)
    customers = fields_of(clean.data_dir, "dim_customers", clean.second)
    owner = dict(zip(accounts.account_id, accounts.customer_id, strict=False))
    transactions["customer_id"] = transactions.account_id.map(owner)
    unchanged_customers = set(
        customers.merge(
            fields_of(clean.data_dir, "dim_customers", clean.first), on=["customer_id", "updated_at"]
        ).customer_id
    )
    previous_versions = fields_of(clean.data_dir, "dim_accounts", clean.first)[["account_id", "updated_at"]]
    kept_versions = accounts.merge(previous_versions, on=["account_id", "updated_at"], how="left", indicator=True)
    unchanged = unchanged_customers - set(kept_versions[kept_versions._merge == "left_only"].customer_id)
    active = [c for c in transactions.customer_id.drop_duplicates() if c in unchanged]
    spurious, conflicting, impossible_join, future_birth, ancient_birth, runaway_name = active[:6]
    completed = transactions[
        (transactions.transaction_status == "Completed") & ~transactions.customer_id.isin(active[:6])
    ].drop_duplicates("customer_id")
    return WarnPlan(
        late_transaction=completed.transaction_id.iloc[0],
        negative_transaction=completed.transaction_id.iloc[1],
        conflicting_customer=conflicting,
        spurious_customer=spurious,
        spurious_updated_at=f"{clean.second} 00:00:00",
        impossible_join_customer=impossible_join,
        future_birth_customer=future_birth,
        ancient_birth_customer=ancient_birth,
        runaway_name_customer=runaway_name,
    )


@pytest.fixture(scope="module")
def warns(lands_clean, faults, copy, clean) -> Stage:
    plan = plan_warnings(clean)
    faults.apply("fact_transactions", lambda p: edit_row(p, "transaction_timestamp", plan.late_transaction, later(3)))
    faults.apply(
        "fact_transactions", lambda p: edit_row(p, "transaction_amount", plan.negative_transaction, lambda f: b"-" + f)
    )
    faults.apply("dim_customers", lambda p: append_conflicting_copy(p, plan.conflicting_customer, "email"))
    faults.apply(
        "dim_customers",
        lambda p: edit_row(p, "updated_at", plan.spurious_customer, lambda _: plan.spurious_updated_at.encode()),
    )
    faults.apply("dim_customers", lambda p: edit_row(p, "city", plan.spurious_customer, lambda _: b'"Spurioustown"'))
    bad_cells = [
        (plan.impossible_join_customer, "join_date", IMPOSSIBLE_JOIN_DATE),
        (plan.future_birth_customer, "date_of_birth", FUTURE_BIRTH_DATE),
        (plan.ancient_birth_customer, "date_of_birth", ANCIENT_BIRTH_DATE),
        (plan.runaway_name_customer, "first_name", b'"' + b"A" * RUNAWAY_NAME_LENGTH + b'"'),
    ]
    for customer, column, value in bad_cells:
        faults.apply("dim_customers", lambda p, c=customer, k=column, v=value: edit_row(p, k, c, lambda _: v))
    faults.apply("fact_investments", header_only)
    result = run_day(copy, clean.second)
    facts = {
        "plan": plan,
        "digest": warehouse_digest(copy),
        "first_day": day_digest(copy, clean.first),
        "gold": {model: gold_rows(copy, model) for model in [*FACT_MODELS.values(), "dim_customer", "dim_account"]},
        "quarantine_transactions": quarantine(copy, "fact_transaction", clean.second),
        "quarantine_customers": quarantine(copy, "dim_customer", clean.second),
        "quarantine_accounts": quarantine(copy, "dim_account", clean.second),
        "reasons": query(
            copy,
            " union all ".join(
                f"select quarantine_reason from dev_silver.quarantine_{model}"
                for model in [contract(t).model_name for t in TABLE_NAMES]
            ),
        ).quarantine_reason.tolist(),
        "investments_landed": LocalLake(root=str(copy / "lake"))
        .manifest(date.fromisoformat(clean.second))
        .tables["fact_investments"]
        .rows,
        "stg_spurious": query(
            copy,
            "select * from dev_silver.stg_dim_customer where customer_id = ? and first_extract_date <= ? and last_extract_date >= ?",
            [int(plan.spurious_customer), clean.second, clean.second],
        ),
        "reports_consistent": reports_consistent_with_gold(copy),
    }
    faults.restore()
    return Stage(result, facts)


def reports_consistent_with_gold(data_dir: Path) -> pd.DataFrame:
    """Rows of the top-customers report and of an independent computation from gold that differ."""
    return query(
        data_dir,
        """
        with recomputed as (
            select f.customer_id, count(*) as total_transactions,
                   round(sum(f.transaction_amount * c.usd_exchange_rate), 2) as total_amount
            from dev_gold.fact_transaction f
            join dev_gold.dim_currency c on c.currency_id = f.currency_id
            where f.transaction_status = 'Completed'
              and f.customer_id in (select customer_id from dev_gold.dim_customer where is_current)
            group by f.customer_id
            order by total_amount desc, f.customer_id
            limit 10
        ),
        reported as (
            select customer_id, total_transactions, round(total_amount, 2) as total_amount
            from dev_reports.top_customers_by_transaction_volume
        )
        (select * from recomputed except select * from reported)
        union all
        (select * from reported except select * from recomputed)
        """,
    )


def test_row_faults_only_warn_and_reports_rebuild_with_gold(warns, clean):
    result = warns.result
    assert result.success
    assert materialized_groups(result) >= {"landing", "bronze", "silver", "gold", "reports"}
    failed = failing(result)
    assert failed and all(e.severity == dg.AssetCheckSeverity.WARN for e in failed.values()), {
        n: e.severity for n, e in failed.items()
    }
    assert {"silver/quarantine_fact_transaction", "silver/quarantine_dim_customer"} <= {
        quarantine_check(name) for name in failed
    }, sorted(failed)
    assert warns.facts["reports_consistent"].empty
    assert warns.facts["first_day"] == clean.first_day, "the other day's facts must not change"


def _reasons(frame: pd.DataFrame, key: str) -> dict[str, list[str]]:
    return frame.groupby(key).quarantine_reason.apply(list).to_dict()


def test_a_transaction_three_days_late_is_quarantined_as_not_on_its_day(warns, clean):
    plan = warns.facts["plan"]
    reasons = _reasons(warns.facts["quarantine_transactions"], "transaction_id")
    [reason] = reasons[plan.late_transaction]
    assert reason.startswith("transaction_timestamp: ") and f"is not on the partition day {clean.second}" in reason


def lost_keys(before: pd.DataFrame, after: pd.DataFrame, key: list[str]) -> set[tuple]:
    merged = before[key].merge(after[key], on=key, how="left", indicator=True)
    return set(merged[merged._merge == "left_only"][key].astype(str).itertuples(index=False, name=None))


def expected_losses(clean: Clean, plan: WarnPlan) -> dict[str, set[tuple]]:
    """The gold fact rows the faults take out of the second day: the two quarantined transactions,
    every fact of the customers quarantined with their accounts, and the day's investments."""
    losses = {}
    for table, model in FACT_MODELS.items():
        rows = gold_rows(clean.data_dir, model, clean.second)
        key = list(contract(table).key)
        gone = rows[rows.customer_id.astype(str).isin(plan.quarantined_customers)]
        if model == "fact_investment":
            gone = rows
        losses[model] = set(gone[key].astype(str).itertuples(index=False, name=None))
    losses["fact_transaction"] |= {(plan.late_transaction,), (plan.negative_transaction,)}
    return losses


def test_a_quarantined_completed_transaction_warns_and_no_other_row_is_lost(warns, clean):
    plan = warns.facts["plan"]
    reasons = _reasons(warns.facts["quarantine_transactions"], "transaction_id")
    [reason] = reasons[plan.negative_transaction]
    assert reason.startswith("transaction_amount: negative -"), reason
    expected = expected_losses(clean, plan)
    assert expected["fact_transaction"] - {(plan.late_transaction,), (plan.negative_transaction,)}, (
        "the quarantined customers must have had transactions that day"
    )
    for table, model in FACT_MODELS.items():
        key = list(contract(table).key)
        assert lost_keys(gold_rows(clean.data_dir, model), warns.facts["gold"][model], key) == expected[model], model
    for model, key in [("dim_customer", ["customer_id", "updated_at"]), ("dim_account", ["account_id", "updated_at"])]:
        assert lost_keys(gold_rows(clean.data_dir, model), warns.facts["gold"][model], key) == set(), model


def test_a_customer_quarantined_for_one_bad_cell_takes_its_accounts_and_transactions_saying_why(warns, clean):
    plan, day = warns.facts["plan"], clean.second
    customer = plan.impossible_join_customer
    # A join date is a quasi-identifier: the reason names the column and the rule, never the value.
    why = "join_date: not a date"
    assert _reasons(warns.facts["quarantine_customers"], "customer_id")[customer] == [why]
    accounts = warns.facts["quarantine_accounts"]
    mine = accounts[accounts.customer_id == customer]
    assert len(mine), "the customer's accounts are quarantined with it"
    assert set(mine.quarantine_reason) == {f"customer_id: customer {customer} on {day} is quarantined ({why})"}
    transactions = warns.facts["quarantine_transactions"]
    theirs = transactions[transactions.account_id.isin(mine.account_id)]
    assert len(theirs)
    for account, reason in zip(theirs.account_id, theirs.quarantine_reason, strict=True):
        assert reason == (
            f"account_id: account {account} on {day} is quarantined"
            f" (customer_id: customer {customer} on {day} is quarantined ({why}))"
        ), reason


def test_implausible_birth_dates_and_a_runaway_name_are_quarantined_without_their_values(warns, clean):
    plan = warns.facts["plan"]
    reasons = _reasons(warns.facts["quarantine_customers"], "customer_id")
    assert reasons[plan.future_birth_customer] == [f"date_of_birth: after the extract day {clean.second}"]
    assert reasons[plan.ancient_birth_customer] == ["date_of_birth: before 1900-01-01"]
    assert reasons[plan.runaway_name_customer] == [f"first_name: longer than 255 characters ({RUNAWAY_NAME_LENGTH})"]
    personal = [FUTURE_BIRTH_DATE.decode(), ANCIENT_BIRTH_DATE.decode(), "AAAA"]
    assert not [r for r in warns.facts["reasons"] if any(value in r for value in personal)]


def test_a_day_without_investments_loads_and_no_investment_check_fails(warns, clean):
    assert warns.facts["investments_landed"] == 0
    investments = warns.facts["gold"]["fact_investment"]
    assert not (investments.partition_date.astype(str) == clean.second).any()
    assert not [name for name in failing(warns.result) if "investment" in name], sorted(failing(warns.result))


def rows_of(facts: pd.DataFrame, customer: str, day: str) -> pd.DataFrame:
    return facts[(facts.customer_id == int(customer)) & (facts.partition_date.astype(str) == day)]


def test_a_conflicting_customer_is_quarantined_and_its_accounts_and_facts_stay(warns, clean):
    plan = warns.facts["plan"]
    customer = plan.conflicting_customer
    reasons = _reasons(warns.facts["quarantine_customers"], "customer_id")
    assert (
        reasons[customer]
        == [f"customer_id {customer}: conflicting copies of the key (different values), all quarantined"] * 2
    )
    for model in ["fact_transaction", "dim_account", "dim_customer"]:
        before = gold_rows(clean.data_dir, model)
        after = warns.facts["gold"][model]

        def mine(frame):
            return frame[frame.customer_id == int(customer)].drop(columns=["extract_date"], errors="ignore")

        pd.testing.assert_frame_equal(
            mine(after).reset_index(drop=True), mine(before).reset_index(drop=True), obj=model
        )
    assert len(rows_of(warns.facts["gold"]["fact_transaction"], customer, clean.second)) > 0


def test_a_spurious_customer_version_reaches_silver_and_gold(warns, clean):
    plan = warns.facts["plan"]
    assert warns.facts["stg_spurious"].city.tolist() == ["Spurioustown"]
    versions = warns.facts["gold"]["dim_customer"].query(f"customer_id == {plan.spurious_customer}")
    # Analysts' gold removes the town: the spurious version is the one its updated_at starts.
    spurious = versions[versions.valid_from == pd.Timestamp(plan.spurious_updated_at)]
    assert len(spurious) == 1 and spurious.is_current.all()
    facts = rows_of(warns.facts["gold"]["fact_transaction"], plan.spurious_customer, clean.second)
    assert len(facts) and (facts.customer_sk == spurious.customer_sk.iloc[0]).all()


# Stage 5: every good file back, the day re-run.
@pytest.fixture(scope="module")
def restored(warns, faults, copy, clean) -> Stage:
    assert not faults.good
    result = run_day(copy, clean.second)
    facts = {
        "digest": warehouse_digest(copy),
        "quarantined": {
            model: len(quarantine(copy, model, clean.second))
            for model in [*FACT_MODELS.values(), "dim_customer", "dim_account"]
        },
        "spurious_in_silver": query(
            copy, "select count(*) as n from dev_silver.stg_dim_customer where city = 'Spurioustown'"
        ).n[0],
    }
    return Stage(result, facts)


def test_restoring_the_good_files_gives_the_clean_warehouse_back(restored, clean):
    assert restored.result.success
    assert failing(restored.result) == {}
    assert restored.facts["quarantined"] == {model: 0 for model in restored.facts["quarantined"]}
    assert restored.facts["spurious_in_silver"] == 0
    assert restored.facts["digest"] == clean.digest
