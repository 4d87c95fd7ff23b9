"""The erasure job: on a customer's request, their personal data removed from every layer, down
to the bytes of every file.

`erase_customer` (config: the customer id; from the command line `python -m banking_dw.erase <id>`):

1. the id goes on the erasure list in the lake (`LakeResource.add_erased_customer`), which the raw
   step (the generator would bring the values back), landing (the bank sends them again) and
   silver (from the warehouse's copy of the list) apply from then on;
2. the erased customers' names and emails are gathered (from the `dim_customers` files not yet
   redacted, and from silver), to find them in free text; held in memory, never logged;
3. what killed writes left in the raw store and the lake (staging files, an upload's parts) is
   deleted: nothing reads it, and it may hold the values;
4. every `dim_customers` file of the raw store and object of the lake (published days, objects no
   manifest names yet, rejected files) is rewritten with the erased customers' personal values
   replaced by their placeholders (banking_dw/erasure/placeholders.py), and every file of a table
   with free text the contract marks personal (`fact_transactions.description`) with their names
   and emails replaced wherever they appear; a published day's manifest is rewritten with the
   object's new size and MD5, so the landing checks still hold, and a versioned bucket's replaced
   versions are deleted;
5. in the warehouse (`dbt run-operation erase_customers`, any engine): the list is copied, and the
   last window's verdict (`validated_`), silver's runs, the quarantine, the restricted
   `dim_customer_pii` and analysts' `dim_customer` (masked again, from the placeholders), and the
   free text in those and gold, are updated in one transaction;
6. the warehouse makes sure no block of its files keeps a replaced value (`rewrite_after_erasure`:
   locally the DuckDB file is written anew and the analysts' file published from nothing).

Rows, keys and every amount stay, so facts and reports do not change. The whole list is applied
each time, so a second run repairs anything a failed one left. The step records how many files,
objects and rows each layer changed, never a value.
"""

import json
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from datetime import date
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource
from pydantic import Field

from banking_dw import settings
from banking_dw.contracts import contract
from banking_dw.csv_io import read_chunks
from banking_dw.dbt.analysts import analysts_relations
from banking_dw.dbt.args import target_environment
from banking_dw.dbt.invocation import parse_state, project_target, seed_partial_parse, subprocess_environment
from banking_dw.dbt.project import dbt_manifest, dbt_project
from banking_dw.erasure.placeholders import ERASED_TABLE, ERASED_TEXT
from banking_dw.erasure.redaction import (
    Redaction,
    RedactionError,
    customer_redaction,
    customers_in,
    free_text_columns,
    free_text_redaction,
    free_text_tables,
    identifying_texts,
    redacted_copy,
    rewrite_file,
    texts_in,
)
from banking_dw.landing.resources import DayManifest, Delivery, LakeResource, file_md5
from banking_dw.layout import LAKE_PREFIX, REJECTED_PREFIX, day_of_key, rejected_prefix, table_prefix
from banking_dw.raw_files import RawFiles
from banking_dw.warehouse import WarehouseResource, WriterLock

ERASURE_JOB = "erase_customer"
ERASURE_OP = "erase_personal_data"
COUNTS_LOG_PREFIX = "erasure counts "
# The erased customers' names and emails, handed to dbt's run-operation in its environment (never
# on its command line, which Dagster logs): macros/erasure/free_text.sql.
ERASED_TEXTS_ENV = "BANKING_DW_ERASED_TEXTS"
# The largest id a customer_id (bigint) can hold.
MAX_CUSTOMER_ID = 2**63 - 1


def customer_id_from(text: object) -> int:
    """A customer id as an operator gives it; ValueError with a one-line message otherwise."""
    value = str(text).strip()
    if not value.isdecimal() or not 0 < int(value) <= MAX_CUSTOMER_ID:
        raise ValueError(f"{value!r} is not a customer id: give the customer's customer_id, a whole number above 0")
    return int(value)


class ErasureConfig(dg.Config):
    customer_id: int = Field(description="The customer whose personal data is erased (their customer_id).")


@dataclass
class Counts:
    """What one layer changed: files or objects rewritten, rows redacted, manifests rewritten,
    replaced versions a versioned bucket kept deleted."""

    files: int = 0
    rows: int = 0
    manifests: int = 0
    old_versions: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class FilesErased:
    added: bool
    erased: frozenset[int]
    # What names the erased customers in free text (held in memory only, never logged).
    texts: frozenset[str] = field(repr=False)
    lake: Counts
    raw: Counts
    unfinished_writes: int


def erase_from_files(
    customer: int,
    raw_files: RawFiles,
    lake: LakeResource,
    log: Callable[[str], None],
    known_texts: frozenset[str] = frozenset(),
) -> FilesErased:
    """The customer put on the lake's erasure list, and every erased customer's values replaced in
    the raw store and the lake (on any target: through RawFiles and the LakeResource); `known_texts`
    are names and emails of theirs found elsewhere (the warehouse), redacted from free text too."""
    if customer not in lake.erased_customers() and not _known(customer, raw_files, lake):
        raise dg.Failure(
            f"customer {customer} is in no dim_customers file of the raw store or the lake: nothing to erase"
            " (check the id)"
        )
    # Under the lake's publishing lock: no landing publishes a day redacted with an older list meanwhile.
    with lake.publishing(log):
        added = lake.add_erased_customer(customer)
        erased = lake.erased_customers()
        texts = known_texts | _texts_in_files(erased, raw_files, lake)
        unfinished = raw_files.remove_unfinished_writes()
        unfinished += sum(
            lake.remove_unfinished_writes(prefix) for prefix in (f"{LAKE_PREFIX}/", f"{REJECTED_PREFIX}/")
        )
        redactions = [(ERASED_TABLE, customer_redaction(erased))]
        redactions += [(table.name, free_text_redaction(table, texts)) for table in free_text_tables() if texts]
        lake_counts, raw_counts = Counts(), Counts()
        for table, redaction in redactions:
            lake_counts += _redact_lake(lake, table, redaction, log)
            raw_counts += _redact_raw(raw_files, table, redaction, log)
    if unfinished:
        log(f"erasure: {unfinished} file(s) left by killed writes deleted")
    return FilesErased(added, erased, texts, lake_counts, raw_counts, unfinished)


def _known(customer: int, raw_files: RawFiles, lake: LakeResource) -> bool:
    """Whether any dim_customers file or object has the customer (the newest days first)."""
    wanted = frozenset({customer})
    keys = sorted(lake.sizes(table_prefix(ERASED_TABLE)), reverse=True)
    if any(customers_in(lake.iter_bytes(key), wanted) for key in keys):
        return True
    days = reversed(raw_files.days(ERASED_TABLE))
    return any(customers_in(read_chunks(raw_files.path(ERASED_TABLE, day)), wanted) for day in days)


def _texts_in_files(erased: frozenset[int], raw_files: RawFiles, lake: LakeResource) -> frozenset[str]:
    """The erased customers' names and emails in the dim_customers files not redacted yet."""
    keys = sorted(lake.sizes(table_prefix(ERASED_TABLE))) + sorted(lake.sizes(rejected_prefix(ERASED_TABLE)))
    found = frozenset().union(*(texts_in(lake.iter_bytes(key), erased) for key in keys))
    days = raw_files.days(ERASED_TABLE)
    return found.union(*(texts_in(read_chunks(raw_files.path(ERASED_TABLE, day)), erased) for day in days))


def warehouse_texts(warehouse: WarehouseResource, erased: frozenset[int]) -> frozenset[str]:
    """The erased customers' names and emails silver and its quarantine still hold (a run that
    failed after redacting the files, or files since deleted)."""
    schema, model = settings.layer_schema("silver"), contract(ERASED_TABLE).model_name
    ids = ", ".join(str(customer) for customer in sorted(erased))
    texts = ", ".join(f"'{customer}'" for customer in sorted(erased))
    queries = {
        f"stg_{model}": f"customer_id in ({ids})",
        f"quarantine_{model}": f"trim(customer_id) in ({texts})",
    }
    names = ", ".join(f"'{name}'" for name in queries)
    built = {
        name
        for (name,) in warehouse.query(
            f"select table_name from information_schema.tables where table_schema = '{schema}' and table_name in ({names})"
        )
    }
    found: set[str] = set()
    for name, condition in queries.items():
        if name in built:
            rows = warehouse.query(
                f"select distinct first_name, last_name, email from {schema}.{name} where {condition}"
            )
            for first, last, email in rows:
                found |= identifying_texts({"first_name": first, "last_name": last, "email": email})
    return frozenset(found)


def _redact_lake(lake: LakeResource, table: str, redaction: Redaction, log: Callable[[str], None]) -> Counts:
    """Every object of `table` redacted; a published one through the day's manifest. The caller
    holds the lake's publishing lock."""
    counts = Counts()
    manifests: dict[date, DayManifest] = {}
    published = sorted(lake.sizes(table_prefix(table)))
    rejected = sorted(lake.sizes(rejected_prefix(table)))
    for key in published + rejected:
        day = day_of_key(key)
        try:
            copy = redacted_copy(lake.iter_bytes(key), redaction)
        except RedactionError as error:
            raise dg.Failure(f"cannot erase from {lake.uri(key)}: {error}") from None
        try:
            if not copy.redacted.changed:
                continue
            lake.still_publishing()
            md5, size = file_md5(copy.path), copy.path.stat().st_size
            if day is not None and key in published:
                manifest = manifests.setdefault(day, lake.manifest(day))
                entry = manifest.tables.get(table)
            else:
                entry = None
            if day is not None and entry is not None and entry.key == key:
                # The day leaves view while its object is replaced, and comes back with the new MD5.
                manifests[day] = lake.republish(day, [Delivery(table, copy.path, entry.rows, size, md5)])
                counts.manifests += 1
            else:
                lake.put(copy.path, key, md5)
            counts.files += 1
            counts.rows += copy.redacted.changed
            # A versioned bucket keeps the replaced object for a while: its values go too.
            counts.old_versions += lake.forget_previous_versions(key)
            log(f"erasure: {lake.uri(key)} rewritten ({copy.redacted.changed} row(s))")
        finally:
            copy.discard()
    return counts


def _redact_raw(raw_files: RawFiles, table: str, redaction: Redaction, log: Callable[[str], None]) -> Counts:
    counts = Counts()
    for day in raw_files.days(table):
        path = raw_files.path(table, day)
        try:
            redacted = rewrite_file(path, redaction)
        except RedactionError as error:
            raise dg.Failure(f"cannot erase from {path}: {error}") from None
        if redacted.changed:
            counts.files += 1
            counts.rows += redacted.changed
            log(f"erasure: {path} rewritten ({redacted.changed} row(s))")
    return counts


def error_summary(message: str) -> str:
    """What a dbt error says, in one line, without the SQL it may quote: its first two lines, but
    none that quotes a literal (the redacted texts are literals of the statements)."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()][:2]
    return ": ".join(line for line in lines if "'" not in line and not line.startswith("LINE "))


def _erase_in_warehouse(
    dbt: DbtCliResource, warehouse: WarehouseResource, lock: WriterLock, erased: frozenset[int], texts: frozenset[str]
) -> dict[str, int | None]:
    """`dbt run-operation erase_customers` with the whole list (and the texts, in its environment);
    the rows it changed per relation (None for a relation not built yet)."""
    target = project_target() / f"erasure-{uuid.uuid4().hex[:10]}"
    seed_partial_parse(parse_state(warehouse), target)
    environment = {
        **warehouse.dbt_environment(),
        **target_environment(warehouse.dbt_target()),
        # Longest first: a name inside an email is not redacted before the email.
        ERASED_TEXTS_ENV: json.dumps(sorted(texts, key=lambda text: (-len(text), text))),
    }
    free_text = [[table.name, column] for table in free_text_tables() for column in free_text_columns(table)]
    arguments = json.dumps({"customer_ids": sorted(erased), "free_text": free_text, "placeholder": ERASED_TEXT})
    counts: dict[str, int | None] | None = None
    errors: list[str] = []
    try:
        with subprocess_environment(environment):
            invocation = dbt.cli(
                # No log file: dbt would write every statement there, the texts redacted included.
                ["run-operation", "erase_customers", "--args", arguments, "--log-level-file", "none"],
                manifest=dbt_project().manifest_path,
                target_path=target,
                raise_on_error=False,
            )
            lock.adopt(invocation.process.pid)
            for event in invocation.stream_raw_events():
                info = event.raw_event.get("info", {})
                message = str(info.get("msg", ""))
                if message.startswith(COUNTS_LOG_PREFIX):
                    listed = json.loads(message[len(COUNTS_LOG_PREFIX) :]).items()
                    counts = {name: None if rows is None else int(rows) for name, rows in listed}
                elif info.get("level") == "error" and message.strip():
                    errors.append(error_summary(message))
            succeeded = invocation.is_successful()
    finally:
        shutil.rmtree(target, ignore_errors=True)
    if not succeeded or counts is None:
        raise dg.Failure(f"the warehouse was not erased: dbt run-operation erase_customers failed: {'; '.join(errors)}")
    return counts


@dg.op(
    name=ERASURE_OP,
    description=(
        "Erase one customer's personal data from every layer (raw files, lake, silver and its quarantine,"
        " restricted and analysts' gold, the analysts' file), their name and email from free text anywhere,"
        " and every block of the warehouse's files that held them; put them on the erasure list that"
        " generation, landing and silver apply from then on. Records counts per layer, never a value."
    ),
    tags={"kind": "erasure"},
)
def erase_personal_data(
    context: dg.OpExecutionContext,
    config: ErasureConfig,
    raw_files: RawFiles,
    lake: LakeResource,
    warehouse: WarehouseResource,
    dbt: DbtCliResource,
) -> dg.Output[None]:
    try:
        customer = customer_id_from(config.customer_id)
    except ValueError as error:
        raise dg.Failure(str(error)) from None
    log = context.log.info
    started = time.monotonic()
    known = warehouse_texts(warehouse, lake.erased_customers() | {customer})
    files = erase_from_files(customer, raw_files, lake, log, known)
    files_done = time.monotonic()
    with warehouse.exclusive_writer(context.run_id, log) as lock:
        locked = time.monotonic()
        counts = _erase_in_warehouse(dbt, warehouse, lock, files.erased, files.texts)
        updated = time.monotonic()
        relations = None if counts.get("gold") is None else analysts_relations(dbt_manifest())
        rewritten = warehouse.rewrite_after_erasure(relations, log)
        done = time.monotonic()
    metadata: dict[str, Any] = {
        "customer_id": customer,
        "erasure_list": "added" if files.added else "already listed",
        "erased_customers": len(files.erased),
        "names_and_emails_searched": len(files.texts),
        "unfinished_writes_deleted": files.unfinished_writes,
        "raw_files": files.raw.files,
        "raw_rows": files.raw.rows,
        "lake_objects": files.lake.files,
        "lake_rows": files.lake.rows,
        "lake_manifests": files.lake.manifests,
        "lake_old_versions_deleted": files.lake.old_versions,
        "validated_rows": counts.get("validated") or 0,
        "silver_rows": counts.get("silver") or 0,
        "quarantine_rows": counts.get("quarantine") or 0,
        "gold_restricted_rows": counts.get("gold_restricted") or 0,
        "gold_rows": counts.get("gold") or 0,
        "free_text_validated_rows": counts.get("text_validated") or 0,
        "free_text_silver_rows": counts.get("text_silver") or 0,
        "free_text_quarantine_rows": counts.get("text_quarantine") or 0,
        "free_text_gold_rows": counts.get("text_gold") or 0,
        "warehouse_files": rewritten,
        # What each part cost (docs/benchmarks.md): the files, the warehouse's update, its rewrite.
        "seconds_files": round(files_done - started, 1),
        "seconds_warehouse_update": round(updated - locked, 1),
        "seconds_warehouse_rewrite": round(done - updated, 1),
    }
    context.log.info(
        f"erasure of customer {customer}: "
        + ", ".join(f"{name} {value}" for name, value in metadata.items() if name != "customer_id")
    )
    return dg.Output(None, metadata=metadata)


@dg.job(
    name=ERASURE_JOB,
    description=(
        "A customer's right to be forgotten: their personal data removed from every layer and every file's"
        " bytes, and kept out when days are generated, landed or loaded again. Config: the customer_id."
    ),
)
def erase_customer_job() -> None:
    erase_personal_data()
