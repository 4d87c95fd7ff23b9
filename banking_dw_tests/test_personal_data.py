"""Personal data stays where it belongs: clear values only in the warehouse's restricted schema.

One data directory is built for the module as an operator would: the raw files of two days, then
day 2's customers file broken on purpose (a birth date in the future, an email that is not one),
then the rest of the graph through `python -m banking_dw.run` (what `make run` runs) in a
subprocess against a DAGSTER_HOME of its own, then the alert sensors with a webhook. Every place an
operator, an alert or an analyst sees is searched for the customers' names, emails, phones and
addresses; analysts' own DuckDB file must answer the original project's six queries and hold
nothing else.

A failing assertion names the place and the number of values found there, never a value.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from banking_dw import settings
from banking_dw.alerts.local_ledger import LocalAlertLedger
from banking_dw.alerts.sensors import alert_on_failed_checks_after_failure, alert_on_failed_checks_after_success
from banking_dw.alerts.sinks import WEBHOOK_ENV, AlertSinks
from banking_dw.analysts import main as analysts_main
from banking_dw.contracts import CONTRACTS, Mask, contract
from banking_dw.dbt.analysts import analysts_relations
from banking_dw.dbt.project import dbt_manifest
from banking_dw.duckdb_analysts import connect_as_analyst
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.landing.local_lake import LocalLake
from banking_dw.layout import RAW, csv_path
from banking_dw.raw_files import RawFiles
from banking_dw.run import QUIET_LOGGING
from banking_dw.warehouse import AnalystRelation

from .support import running_webhook, toy_analysts_warehouse, warehouse_environment

# Builds a warehouse with dbt: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parent.parent
# Day 2's customers file is broken four ways, each a rule whose message could quote the value:
# a birth date in the future (silver's range rule), an email that is not one (no rule: it reaches
# the restricted model, and analysts' gold as a hash), a phone longer than the contract's 32
# characters (silver's length rule) and a birth date that is no date (the raw check's type rule,
# whose samples an alert shows, and silver's).
BAD_BIRTH_DATE = "2999-01-01"
BAD_EMAIL = "not-an-email"
LONG_PHONE = "+1 (555) 010-0199 extension 98765-4321"
IMPOSSIBLE_BIRTH_DATE = "1990-02-30"
PUBLISHED_SCHEMAS = ("dev_gold", "dev_reports")
RESTRICTED = "dev_restricted.dim_customer_pii"
# The personal columns of a customer the search looks for.
IDENTITY = ("customer_id", "first_name", "last_name", "email", "phone", "address")


# --------------------------------------------------------------------------- the module's run


@dataclass(frozen=True)
class LeakRun:
    data_dir: Path
    home: Path
    days: tuple[date, date]
    # What `python -m banking_dw.run` wrote to the terminal, both streams, and what the webhook
    # received: kept out of the repr, which pytest prints for a failing test.
    output: str = field(repr=False)
    webhook_bodies: list[dict[str, Any]] = field(repr=False)
    # The customers whose day-2 row was broken: future birth date, email, phone, impossible birth date.
    broken: tuple[int, ...]

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def analysts(self) -> Path:
        return self.data_dir / "analysts" / "analysts.duckdb"


def _break_customers(data_dir: Path, first: date, second: date) -> tuple[int, ...]:
    """Day 2's customers file broken as BAD_BIRTH_DATE, BAD_EMAIL, LONG_PHONE and
    IMPOSSIBLE_BIRTH_DATE say, edited in place as the bank might send it, each for a customer day 1
    also has; returns those customers."""
    path = csv_path(data_dir, "dim_customers", second)
    lines = path.read_text(encoding="utf-8").split("\n")
    with csv_path(data_dir, "dim_customers", first).open(encoding="utf-8", newline="") as handle:
        known = {row["customer_id"] for row in csv.DictReader(handle)}
    header = next(csv.reader([lines[0]]))
    rows = [
        (number, dict(zip(header, next(csv.reader([line])), strict=True)))
        for number, line in enumerate(lines)
        if number and line
    ]
    candidates = [(number, row) for number, row in rows if row["customer_id"] in known]
    broken = []
    # The generator quotes text and writes dates bare: each old value occurs once in its line.
    for (number, row), old, new in zip(
        (candidates[2], candidates[5], candidates[8], candidates[11]),
        (",{date_of_birth},", '"{email}"', '"{phone}"', ",{date_of_birth},"),
        (f",{BAD_BIRTH_DATE},", f'"{BAD_EMAIL}"', f'"{LONG_PHONE}"', f",{IMPOSSIBLE_BIRTH_DATE},"),
        strict=True,
    ):
        old = old.format(**row)
        assert lines[number].count(old) == 1
        lines[number] = lines[number].replace(old, new)
        broken.append(int(row["customer_id"]))
    path.write_text("\n".join(lines), encoding="utf-8")
    return tuple(broken)


def _run_quietly(instance: dg.DagsterInstance, window: tuple[str, str], checks_only: bool) -> dg.ExecuteInProcessResult:
    """The raw layer in this process, as support.materialize runs a selection, but with Dagster's
    console log off (as `make run` has it): pytest shows a failed test's captured output, and a
    leak must not reach the terminal through the test itself. With `checks_only`, the raw checks
    alone judge the files as they stand (the UI's *Execute* on a check), as an operator would
    after the broken file arrived: their descriptions then reach the event log and the alerts."""
    from banking_dw.definitions import defs

    definitions = defs()
    selection = dg.AssetSelection.groups(RAW)
    if checks_only:
        graph = definitions.resolve_asset_graph()
        selection = dg.AssetSelection.checks(*(key for key in graph.asset_check_keys if key.asset_key.path[0] == RAW))
    return dg.materialize(
        definitions.assets,
        selection=selection,
        resources=definitions.resources,
        instance=instance,
        run_config=QUIET_LOGGING,
        tags={"dagster/asset_partition_range_start": window[0], "dagster/asset_partition_range_end": window[1]},
        raise_on_error=not checks_only,
    )


def _run_alert_sensors(instance: dg.DagsterInstance) -> None:
    """Each finished run judged by its alert sensor once, as the daemon would."""
    for run in instance.get_runs():
        succeeded = run.status == dg.DagsterRunStatus.SUCCESS
        sensor = alert_on_failed_checks_after_success if succeeded else alert_on_failed_checks_after_failure
        event_type = dg.DagsterEventType.RUN_SUCCESS if succeeded else dg.DagsterEventType.RUN_FAILURE
        [record] = instance.get_records_for_run(run.run_id, of_type=event_type).records
        context = dg.build_run_status_sensor_context(
            sensor_name=sensor.name,
            dagster_instance=instance,
            dagster_run=run,
            dagster_event=record.event_log_entry.dagster_event,
            resources={"alert_sinks": AlertSinks(ledger=LocalAlertLedger())},
        )
        with context as opened:
            sensor(opened)


def _step_lines(output: str) -> str:
    """The one-line-per-step summary of `make run`'s output: names, durations and check counts."""
    return "\n".join(line for line in output.splitlines() if line.startswith(("  ok ", "  FAIL", "  skip")))


@pytest.fixture(scope="module")
def leak_run(tmp_path_factory, window) -> LeakRun:
    root = tmp_path_factory.mktemp("personal_data")
    # The data directory exists already, open to every user (a mounted volume, a `mkdir -p` under a
    # 0022 umask): the project tightens it, and creates everything inside it private (see below).
    data_dir, home = root / "data", root / "dagster_home"
    data_dir.mkdir()
    os.chmod(data_dir, 0o755)
    home.mkdir()
    shutil.copyfile(REPOSITORY / "deploy" / "dagster.yaml", home / "dagster.yaml")
    first, second = (date.fromisoformat(day) for day in window)
    with warehouse_environment(data_dir), pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        patch.delenv(WEBHOOK_ENV, raising=False)
        patch.delenv(settings.ANALYSTS_PATH_ENV, raising=False)
        with dg.DagsterInstance.get() as instance:
            _run_quietly(instance, window, checks_only=False)
        broken = _break_customers(data_dir, first, second)
        with dg.DagsterInstance.get() as instance:
            assert not _run_quietly(instance, window, checks_only=True).get_asset_materialization_events()
        # The rest of the graph as `make run` runs it, on the broken files, not generating them again.
        environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        completed = subprocess.run(
            [sys.executable, "-m", "banking_dw.run", f"{window[0]}...{window[1]}", "--select", "not group:raw"],
            cwd=REPOSITORY,
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
        )
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, f"exit {completed.returncode}; steps:\n{_step_lines(output)}"
        with running_webhook() as hook:
            patch.setenv(WEBHOOK_ENV, hook.url)
            with dg.DagsterInstance.get() as instance:
                _run_alert_sensors(instance)
            bodies = list(hook.received)
    return LeakRun(data_dir, home, (first, second), output, bodies, broken)


# --------------------------------------------------------------------------- what is searched for


def _customers(data_dir: Path, day: date, *more: str) -> list[dict[str, str]]:
    """The day's customers file: each row's identity columns (and `more`), as the bank sent them."""
    with csv_path(data_dir, "dim_customers", day).open(encoding="utf-8", newline="") as handle:
        return [{column: row[column] for column in (*IDENTITY, *more)} for row in csv.DictReader(handle)]


def _clear_values_of_other_columns(data_dir: Path, days: Iterable[date]) -> set[str]:
    """Every text the bank's files legitimately show analysts in the clear: the values of every
    column the contracts do not mask (reference names, cities, statuses)."""
    values: set[str] = set()
    for table in CONTRACTS:
        shown = [column.name for column in table.columns if column.mask is None]
        for day in days:
            with csv_path(data_dir, table.name, day).open(encoding="utf-8", newline="") as handle:
                values.update(row[name] for row in csv.DictReader(handle) for name in shown)
    return values


# A quoted value in a message, as the project's messages quote values: 'x' or "x".
QUOTED = re.compile(r"'([^'\n]{1,100})'|\"([^\"\n]{1,100})\"")


@dataclass(frozen=True)
class Needles:
    """The customers' personal values, and how each is looked for.

    Emails, phones, full names ("first last") and street addresses are long and specific: found
    anywhere, inside any text. A first or last name alone is short and often a word or part of one
    ("Lee" in "sleep", "Page", "Price", "Long"): it is looked for only as a whole value (a table
    cell or a JSON string equal to it) or as a quoted value in a text ('Ashlee' or "Ashlee"). A
    name that is also a value the bank's files show analysts in the clear (a channel called
    "Branch", a city called "Jackson") cannot be told from that value, so it is not looked for alone.

    No value ever appears in its repr: pytest prints the arguments of a failing test.
    """

    specific: frozenset[str] = field(repr=False)
    names: frozenset[str] = field(repr=False)

    @classmethod
    def of(cls, customers: Iterable[dict[str, str]], clear_elsewhere: set[str]) -> Needles:
        # The broken birth dates too: a date of birth is personal, and these are unmistakable.
        specific, names = {BAD_BIRTH_DATE, IMPOSSIBLE_BIRTH_DATE}, set()
        for customer in customers:
            specific.update(customer[column] for column in ("email", "phone", "address"))
            specific.add(f"{customer['first_name']} {customer['last_name']}")
            names.update(customer[column] for column in ("first_name", "last_name"))
        return cls(frozenset(v for v in specific if v.strip()), frozenset(names - clear_elsewhere - {""}))

    def in_text(self, text: str) -> int:
        """Specific values anywhere in `text`, names where `text` quotes them."""
        found = sum(text.count(value) for value in self.specific)
        return found + sum(1 for match in QUOTED.finditer(text) if (match[1] or match[2]) in self.names)

    def in_values(self, values: Iterable[str]) -> int:
        """Whole values equal to a personal value, and personal values inside them."""
        values = [value for value in values if value]
        whole = sum(1 for value in values if value in self.names or value in self.specific)
        return whole + self.in_text("\n".join(values))

    def in_json(self, documents: Iterable[Any]) -> int:
        """Every string of parsed JSON documents (keys too), unescaped."""
        return self.in_values(_strings(documents))


def _strings(documents: Iterable[Any]) -> Iterator[str]:
    for document in documents:
        if isinstance(document, str):
            yield document
        elif isinstance(document, dict):
            yield from _strings(document.keys())
            yield from _strings(document.values())
        elif isinstance(document, list):
            yield from _strings(document)


@pytest.fixture(scope="module")
def needles(leak_run) -> Needles:
    customers = [row for day in leak_run.days for row in _customers(leak_run.data_dir, day)]
    return Needles.of(customers, _clear_values_of_other_columns(leak_run.data_dir, leak_run.days))


# --------------------------------------------------------------------------- where it is searched


def _sqlite_values(path: Path) -> Iterator[str]:
    """Every text of every table of a SQLite database, read-only."""
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as connection:
        tables = [name for (name,) in connection.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            for row in connection.execute(f'select * from "{table}"'):
                yield from (value for value in row if isinstance(value, str))


def _json_or_text(value: str) -> Any:
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            pass
    return value


SQLITE_HEADER = b"SQLite format 3\0"


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _found_in_dagster_home(home: Path, needles: Needles) -> dict[str, int]:
    """Every file under DAGSTER_HOME: each SQLite database (the event log, runs, schedules) read
    table by table, every text parsed as JSON where it is (an event record: values unescaped);
    every other file (run logs, compute logs, SQLite journals) as text."""
    files = sorted(path for path in home.rglob("*") if path.is_file())
    databases = [path for path in files if _is_sqlite(path)]
    assert any(path.name == "event_log.db" for path in databases), f"no event log under {home}"
    found = {}
    for path in files:
        if path in databases:
            count = needles.in_json(_json_or_text(value) for value in _sqlite_values(path))
        else:
            count = needles.in_text(path.read_bytes().decode("utf-8", "replace"))
        found[f"DAGSTER_HOME {path.relative_to(home)}"] = count
    return found


def _text_columns(connection: duckdb.DuckDBPyConnection, schemas: Iterable[str] | None) -> list[tuple[str, str, str]]:
    rows = connection.execute(
        "select schema_name, table_name, column_name from duckdb_columns()"
        " where database_name = current_database() and data_type = 'VARCHAR'"
    ).fetchall()
    return [row for row in rows if schemas is None or row[0] in schemas]


def _found_in_tables(path: Path, needles: Needles, schemas: Iterable[str] | None, place: str) -> dict[str, int]:
    """Every text column's distinct values: equal to a personal value, or containing a specific one."""
    found = {}
    with duckdb.connect(str(path), read_only=True) as connection:
        columns = _text_columns(connection, schemas)
        assert columns, f"no text column in {place}"
        for schema, table, column in columns:
            values = connection.execute(f'select distinct "{column}" from "{schema}"."{table}"').fetchall()
            found[f"{place} {schema}.{table}.{column}"] = needles.in_values(value for (value,) in values)
    return found


# --------------------------------------------------------------------------- the tests


def test_the_broken_file_was_quarantined_and_alerted(leak_run):
    """The premise of the leak test: the broken values went through the run and its alerts."""
    quarantined = _quarantined(leak_run)
    future, _, phone, impossible = leak_run.broken
    assert {future, phone, impossible} <= quarantined
    assert "succeeded with failed checks" in leak_run.output
    alerts = leak_run.data_dir / "alerts" / "failed_checks.jsonl"
    assert alerts.is_file() and leak_run.webhook_bodies
    alerted = {(alert["asset_key"], alert["check_name"]) for alert in map(json.loads, alerts.read_text().splitlines())}
    # The raw check rejected the impossible birth date; silver quarantined the broken rows.
    assert ("raw/dim_customers", "matches_contract") in alerted, sorted(alerted)
    assert any("quarantine" in check for _, check in alerted), sorted(alerted)


def test_no_personal_value_leaves_the_restricted_schema(leak_run, needles):
    """Logs, the event log, alerts, webhooks, the terminal, analysts' gold and reports and analysts'
    file: none shows a customer's name, email, phone or address."""
    # The search finds what is there: the bank's own file holds every value.
    raw = csv_path(leak_run.data_dir, "dim_customers", leak_run.days[1]).read_text(encoding="utf-8")
    assert needles.in_text(raw) >= len(needles.specific) / 2
    with duckdb.connect(str(leak_run.warehouse), read_only=True) as connection:
        restricted = [value for row in connection.execute(f"select * from {RESTRICTED}").fetchall() for value in row]
    assert needles.in_values(str(value) for value in restricted if isinstance(value, str)) > len(needles.names)

    found = _found_in_dagster_home(leak_run.home, needles)
    alerts = (leak_run.data_dir / "alerts" / "failed_checks.jsonl").read_text(encoding="utf-8")
    found["alerts file"] = needles.in_text(alerts) + needles.in_json(json.loads(line) for line in alerts.splitlines())
    found["webhook bodies"] = needles.in_json(leak_run.webhook_bodies)
    found["make run output"] = needles.in_text(leak_run.output)
    found |= _found_in_tables(leak_run.warehouse, needles, PUBLISHED_SCHEMAS, "warehouse")
    found |= _found_in_tables(leak_run.analysts, needles, None, "analysts' file")
    # Places and counts only: a failure must not print what it found.
    assert {place: count for place, count in found.items() if count} == {}


def _quarantined(leak_run: LeakRun) -> set[int]:
    with duckdb.connect(str(leak_run.warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select distinct customer_id from dev_silver.quarantine_dim_customer where dt = ?", [leak_run.days[1]]
        ).fetchall()
    return {int(customer_id) for (customer_id,) in rows}


def test_every_personal_value_is_kept_in_the_restricted_schema(leak_run):
    """Nothing is lost: each customer version's clear values are in the restricted model. A version
    is a customer's updated_at (SCD2); its values are the latest day's that had it and was not
    quarantined, so day 2's values where day 2 is clean, day 1's where day 2 was quarantined."""
    quarantined = _quarantined(leak_run)
    first, second = leak_run.days
    expected: dict[tuple[str, str], tuple[str, ...]] = {}
    for day in (first, second):
        for row in _customers(leak_run.data_dir, day, "updated_at"):
            if day == second and int(row["customer_id"]) in quarantined:
                continue
            version = (row["customer_id"], row.pop("updated_at"))
            expected[version] = tuple(row.values())
    with duckdb.connect(str(leak_run.warehouse), read_only=True) as connection:
        rows = connection.execute(f"select {', '.join(IDENTITY)} from {RESTRICTED}").fetchall()
    versions = {tuple(str(value) for value in row) for row in rows}
    assert len(expected) > len(quarantined) > 0
    # A count, never the rows: pytest would print them.
    missing = sum(1 for values in expected.values() if values not in versions)
    assert missing == 0, f"{missing} of {len(expected)} customer versions are not in {RESTRICTED}"


def original_queries() -> list[str]:
    """The original project's six queries, split as test_second_engine splits them."""
    text = (Path(__file__).parent / "data" / "original_queries.sql").read_text()
    return [query.strip() for query in text.split(";") if "select" in query.lower()]


def test_analysts_file_answers_the_original_queries_as_the_warehouse_does(leak_run):
    queries = original_queries()
    assert len(queries) == 6
    with (
        duckdb.connect(str(leak_run.analysts), read_only=True) as analysts,
        duckdb.connect(str(leak_run.warehouse), read_only=True) as warehouse,
    ):
        for number, sql in enumerate(queries, start=1):
            answer = sorted(analysts.execute(sql).fetchall())
            same = answer == sorted(warehouse.execute(sql).fetchall())
            # No rows in the messages: query 1 shows customer names (masked, but kept quiet all the same).
            assert len(answer) > 0, f"query {number} answers nothing"
            assert same, f"query {number} answers differently on the analysts' file"


def _tables(path: Path) -> dict[str, int]:
    """schema.table -> rows, for every table of a DuckDB file."""
    with duckdb.connect(str(path), read_only=True) as connection:
        names = connection.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()
        return {
            f"{schema}.{table}": connection.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for schema, table in names
        }


def test_analysts_file_holds_gold_and_the_reports_and_nothing_restricted(leak_run):
    analysts, warehouse = _tables(leak_run.analysts), _tables(leak_run.warehouse)
    with duckdb.connect(str(leak_run.analysts), read_only=True) as connection:
        schemas = {
            s for (s,) in connection.execute("select schema_name from duckdb_schemas() where not internal").fetchall()
        }
    assert schemas == set(PUBLISHED_SCHEMAS)
    published = {name: rows for name, rows in warehouse.items() if name.split(".")[0] in PUBLISHED_SCHEMAS}
    assert "dev_gold.dim_customer" in published and RESTRICTED in warehouse
    # Every table analysts read, with the warehouse's rows; none the warehouse's gold lacks.
    assert analysts == published


def test_a_data_folder_made_open_to_others_ends_with_nothing_others_may_read(leak_run):
    """The run's data folder was created 0755 before the run: it is tightened, and no folder or
    file in it (raw files, lake, warehouse and its WAL, the analysts' file, locks, alerts) grants
    group or others anything."""
    paths = [leak_run.data_dir, *leak_run.data_dir.rglob("*")]
    assert len(paths) > 50 and leak_run.warehouse in paths and leak_run.analysts in paths
    open_to_others = sorted(str(p.relative_to(leak_run.data_dir)) for p in paths if p.stat().st_mode & 0o077)
    assert open_to_others == []


# --------------------------------------------------------------------------- keyed pseudonyms, generalised quasi-identifiers

# The masks that give a pseudonym (keyed: it stands for one customer, and nobody without the key can
# tie it to a person); every other masked or kept personal column is a quasi-identifier.
PSEUDONYMS = {Mask.GIVEN_NAME_PSEUDONYM, Mask.FAMILY_NAME_PSEUDONYM, Mask.KEYED_HASH}
QUASI_IDENTIFIERS = tuple(
    c.name for c in contract("dim_customers").columns if c.personal is not None and c.mask not in PSEUDONYMS
)
SMALLEST_GROUP = 5


def _masked_and_clear(leak_run: LeakRun, columns: str) -> list[tuple]:
    with duckdb.connect(str(leak_run.warehouse), read_only=True) as connection:
        return connection.execute(
            f"select {columns} from dev_gold.dim_customer as masked"
            f" join {RESTRICTED} as clear using (customer_sk) order by customer_sk"
        ).fetchall()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_masked_emails_are_keyed_neither_md5_nor_sha256_of_the_address(leak_run, monkeypatch):
    """Someone holding a candidate address cannot confirm it: the masked email is a SHA-256 of the
    masking key and the address, and the key (generated beside the warehouse, private) is in
    neither DuckDB file."""
    monkeypatch.delenv(settings.MASKING_KEY_ENV, raising=False)
    key_file = leak_run.data_dir / "warehouse.duckdb.masking_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = DuckDBWarehouse(path=str(leak_run.warehouse)).masking_key()
    assert key_file.read_text().strip() == key and len(key) >= 32
    rows = _masked_and_clear(leak_run, "masked.email, clear.email, masked.last_name, clear.customer_id")
    assert len(rows) > 50
    unkeyed = 0
    for masked, clear, pseudonym, customer in rows:
        address = clear.strip().lower()
        for text in {clear, address}:
            unkeyed += masked in (hashlib.md5(text.encode()).hexdigest(), _sha256(text))
        unkeyed += pseudonym == "#" + hashlib.md5(f"customer:{customer}".encode()).hexdigest()[:8]
        assert masked == _sha256(f"{key}:{address}"), "the masked email is the keyed hash of the address"
        assert pseudonym == "#" + _sha256(f"{key}:customer:{customer}")[:8]
    assert unkeyed == 0, f"{unkeyed} pseudonyms are an unkeyed hash of their value"
    for path in (leak_run.warehouse, leak_run.analysts):
        assert key.encode() not in path.read_bytes(), f"the masking key is stored in {path.name}"


def test_every_combination_of_quasi_identifiers_is_shared_by_at_least_five_customers(leak_run):
    """What analysts see of a customer besides pseudonyms (birth decade, country, and the removed
    phone, address, town, state and join date), over every version they can see, is the same for
    at least five customers: nobody who knows a person's birth year, home and join date can pick
    them out. Measured on the analysts' file at the tests' scale (fewer customers than the
    default's, so the groups are smaller than there)."""
    assert set(QUASI_IDENTIFIERS) == {"phone", "date_of_birth", "address", "city", "state", "country", "join_date"}
    with connect_as_analyst(leak_run.analysts) as connection:
        rows = connection.execute(
            f"select customer_id, {', '.join(QUASI_IDENTIFIERS)} from dev_gold.dim_customer"
        ).fetchall()
    histories: dict[int, set[tuple]] = {}
    for customer, *values in rows:
        histories.setdefault(customer, set()).add(tuple(values))
    groups = Counter(frozenset(history) for history in histories.values())
    assert len(histories) > 50 and len(groups) > 1
    sizes = sorted(groups.values())
    # Sizes only: a failure must not print what the customers share.
    assert sizes[0] >= SMALLEST_GROUP, f"group sizes {sizes}"


# --------------------------------------------------------------------------- the analysts' file, handed over


def test_the_analysts_opener_cannot_reach_the_warehouse_or_the_lake(leak_run, capsys):
    """`python -m banking_dw.analysts` (`make analysts`): the six queries' tables are there, the
    warehouse and the lake are not, whatever a statement tries, though the operating system would
    let this reader open both (a plain DuckDB connection to the same file can)."""
    lake_object = next((leak_run.data_dir / "lake").rglob("dim_customers.csv"))
    attach = f"attach '{leak_run.warehouse}' as warehouse (read_only)"
    with duckdb.connect(str(leak_run.analysts), read_only=True) as plain:
        plain.execute(attach)
        assert plain.execute("select count(*) > 0 from warehouse.dev_restricted.dim_customer_pii").fetchone() == (True,)
        assert plain.execute(f"select count(*) > 0 from read_csv('{lake_object}')").fetchone() == (True,)

    escapes = [
        attach,
        f"select count(*) from read_csv('{lake_object}')",
        f"select count(*) from '{lake_object}'",
        f"select count(*) from read_text('{lake_object}')",
        f"select count(*) from glob('{leak_run.data_dir}/*')",
        f"copy (select 1) to '{leak_run.data_dir.parent}/out.csv'",
        "set enable_external_access = true",
        "reset enable_external_access",
        "set lock_configuration = false",
        "load httpfs",
        "create table dev_gold.mine as select 1 as v",
    ]
    for statement in escapes:
        assert analysts_main(["--path", str(leak_run.analysts), "-c", statement]) == 1, statement
        out = capsys.readouterr().out
        assert out.startswith("error: ") and out.count("\n") == 1, (statement, out)
    assert not (leak_run.data_dir.parent / "out.csv").exists()

    assert (
        analysts_main(["--path", str(leak_run.analysts), "-c", "select count(*) as n from dev_gold.dim_customer"]) == 0
    )
    assert "│" in capsys.readouterr().out
    with connect_as_analyst(leak_run.analysts) as connection:
        for number, sql in enumerate(original_queries(), start=1):
            assert connection.execute(sql).fetchall(), f"query {number} answers nothing"


def test_the_analysts_opener_reads_statements_from_a_pipe(leak_run):
    completed = subprocess.run(
        [sys.executable, "-m", "banking_dw.analysts", "--path", str(leak_run.analysts)],
        input="select 1 as one;\nselect count(*)\n  from dev_reports.balance_trend;\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.count("┌") == 2


def test_the_analysts_file_is_handed_to_a_group_outside_the_private_folder(tmp_path, monkeypatch):
    """With BANKING_DW_ANALYSTS_GROUP, the file (0640) and the folders made for it (0750) belong to
    the group; inside the engineers' private folder, where its members could not reach it, it is
    refused in one line."""
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(tmp_path / "data"))
    group = os.getgid()
    monkeypatch.setenv(settings.ANALYSTS_GROUP_ENV, str(group))
    warehouse = DuckDBWarehouse(analysts_path=str(tmp_path / "shared" / "banking" / "analysts.duckdb"))
    settings.make_private_dirs(warehouse.database_path().parent)
    toy_analysts_warehouse(warehouse.database_path(), version=1, days=2, rows=30)
    for _ in range(2):  # both versions behind the pointer
        warehouse.publish_for_analysts([AnalystRelation("dev_gold", "dim_y")], _log)
    published = warehouse.analysts_database_path()
    for version in ("analysts.a.duckdb", "analysts.b.duckdb"):
        status = published.with_name(version).stat()
        assert (status.st_mode & 0o777, status.st_gid) == (0o640, group), version
    for folder in (published.parent, published.parent.parent):
        assert (folder.stat().st_mode & 0o777, folder.stat().st_gid) == (0o750, group), folder
    assert warehouse.database_path().parent.stat().st_mode & 0o777 == 0o700

    inside = DuckDBWarehouse(analysts_path=str(tmp_path / "data" / "analysts" / "analysts.duckdb"))
    with pytest.raises(settings.SettingError, match="private to its owner") as refused:
        inside.publish_for_analysts([AnalystRelation("dev_gold", "dim_y")], _log)
    assert "\n" not in str(refused.value)


def _log(message: str) -> None:
    pass


def _hold(context_manager) -> None:
    with context_manager:
        pass


# Whatever a step does first on a new data directory: generate or check raw files, land or read
# the lake, write the warehouse, record an alert, publish for analysts.
CREATORS = {
    "raw file store": lambda: RawFiles().root(),
    "lake": lambda: _hold(LocalLake().publishing(_log)),
    "warehouse writer": lambda: _hold(DuckDBWarehouse().exclusive_writer("run", _log)),
    "warehouse": lambda: _hold(DuckDBWarehouse().connect()),
    "alert ledger": lambda: LocalAlertLedger().record_alerted(set()),
}


@pytest.mark.parametrize("creator", sorted(CREATORS))
def test_whatever_creates_the_data_folder_creates_it_private(tmp_path, monkeypatch, creator):
    data_dir = tmp_path / "new" / "data"
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(data_dir))
    CREATORS[creator]()
    # Every folder it created, from the first missing one down.
    created = [tmp_path / "new", data_dir, *(p for p in data_dir.rglob("*") if p.is_dir())]
    assert {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in created} == {
        str(p.relative_to(tmp_path)): oct(0o700) for p in created
    }


def test_analysts_read_gold_and_the_reports_never_the_restricted_model():
    relations = {str(relation) for relation in analysts_relations(dbt_manifest())}
    assert "dev_gold.dim_customer" in relations and "dev_gold.fact_transaction" in relations
    assert not any("restricted" in relation or "pii" in relation for relation in relations)
    assert sum(relation.startswith("dev_reports.") for relation in relations) == 6
    gold_models = {f"dev_gold.{table.model_name}" for table in CONTRACTS}
    assert gold_models <= relations
