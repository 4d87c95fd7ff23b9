"""The erasure job: on a customer's request, their personal data removed from every layer.

`erase_customer` (config: the customer id; from the command line `python -m banking_dw.erase <id>`):

1. the id goes on the erasure list in the lake (`LakeResource.add_erased_customer`), which the raw
   step (the generator would bring the values back), landing (the bank sends them again) and
   silver (from the warehouse's copy of the list) apply from then on;
2. every `dim_customers` file of the raw store and object of the lake (published days, objects no
   manifest names yet, rejected files) is rewritten with the erased customers' personal values
   replaced by their placeholders (banking_dw/erasure/placeholders.py); a published day's
   manifest is rewritten with the object's new size and MD5, so the landing checks still hold;
3. in the warehouse (`dbt run-operation erase_customers`, any engine): the list is copied, and
   silver's runs, the quarantine, the restricted `dim_customer_pii` and analysts' `dim_customer`
   (masked again, from the placeholders) are updated in one transaction;
4. the analysts' file is published again, where the warehouse has one.

Rows, keys and every amount stay, so facts and reports do not change. The whole list is applied
each time, so a second run repairs anything a failed one left. The step records how many files,
objects and rows each layer changed, never a value.
"""

import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource
from pydantic import Field

from banking_dw.csv_io import read_chunks
from banking_dw.dbt.analysts import analysts_relations
from banking_dw.dbt.args import target_environment
from banking_dw.dbt.invocation import parse_state, project_target, seed_partial_parse, subprocess_environment
from banking_dw.dbt.project import dbt_manifest, dbt_project
from banking_dw.erasure.placeholders import ERASED_TABLE
from banking_dw.erasure.redaction import (
    RedactionError,
    customers_in,
    redact_file,
    redacted_copy,
)
from banking_dw.landing.resources import DayManifest, Delivery, LakeResource, file_md5
from banking_dw.layout import day_of_key, rejected_prefix, table_prefix
from banking_dw.partitions import FIRST_DAY, DayWindow
from banking_dw.raw_files import RawFiles
from banking_dw.warehouse import WarehouseResource, WriterLock

ERASURE_JOB = "erase_customer"
ERASURE_OP = "erase_personal_data"
COUNTS_LOG_PREFIX = "erasure counts "
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


@dataclass(frozen=True)
class FilesErased:
    added: bool
    erased: frozenset[int]
    lake: Counts
    raw: Counts


def erase_from_files(customer: int, raw_files: RawFiles, lake: LakeResource, log: Callable[[str], None]) -> FilesErased:
    """The customer put on the lake's erasure list, and every erased customer's values replaced in
    the raw store and the lake (on any target: through RawFiles and the LakeResource)."""
    if customer not in lake.erased_customers() and not _known(customer, raw_files, lake):
        raise dg.Failure(
            f"customer {customer} is in no dim_customers file of the raw store or the lake: nothing to erase"
            " (check the id)"
        )
    # Under the lake's publishing lock: no landing publishes a day redacted with an older list meanwhile.
    with lake.publishing(log):
        added = lake.add_erased_customer(customer)
        erased = lake.erased_customers()
        lake_counts = _redact_lake(lake, erased, log)
        raw_counts = _redact_raw(raw_files, erased, log)
    return FilesErased(added, erased, lake_counts, raw_counts)


def _known(customer: int, raw_files: RawFiles, lake: LakeResource) -> bool:
    """Whether any dim_customers file or object has the customer (the newest days first)."""
    wanted = frozenset({customer})
    keys = sorted(lake.sizes(table_prefix(ERASED_TABLE)), reverse=True)
    if any(customers_in(lake.iter_bytes(key), wanted) for key in keys):
        return True
    days = reversed(raw_files.days(ERASED_TABLE))
    return any(customers_in(read_chunks(raw_files.path(ERASED_TABLE, day)), wanted) for day in days)


def _redact_lake(lake: LakeResource, erased: frozenset[int], log: Callable[[str], None]) -> Counts:
    """Every dim_customers object redacted; a published one through the day's manifest. The
    caller holds the lake's publishing lock."""
    counts = Counts()
    manifests: dict[date, DayManifest] = {}
    published = sorted(lake.sizes(table_prefix(ERASED_TABLE)))
    rejected = sorted(lake.sizes(rejected_prefix(ERASED_TABLE)))
    for key in published + rejected:
        day = day_of_key(key)
        try:
            copy = redacted_copy(lake.iter_bytes(key), erased)
        except RedactionError as error:
            raise dg.Failure(f"cannot erase from {lake.uri(key)}: {error}") from None
        try:
            if not copy.redacted.changed:
                continue
            lake.still_publishing()
            md5, size = file_md5(copy.path), copy.path.stat().st_size
            if day is not None and key in published:
                manifest = manifests.setdefault(day, lake.manifest(day))
                entry = manifest.tables.get(ERASED_TABLE)
            else:
                entry = None
            if day is not None and entry is not None and entry.key == key:
                # The day leaves view while its object is replaced, and comes back with the new MD5.
                manifests[day] = lake.republish(day, [Delivery(ERASED_TABLE, copy.path, entry.rows, size, md5)])
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


def _redact_raw(raw_files: RawFiles, erased: frozenset[int], log: Callable[[str], None]) -> Counts:
    counts = Counts()
    for day in raw_files.days(ERASED_TABLE):
        path = raw_files.path(ERASED_TABLE, day)
        try:
            redacted = redact_file(path, erased)
        except RedactionError as error:
            raise dg.Failure(f"cannot erase from {path}: {error}") from None
        if redacted.changed:
            counts.files += 1
            counts.rows += redacted.changed
            log(f"erasure: {path} rewritten ({redacted.changed} row(s))")
    return counts


def _erase_in_warehouse(
    dbt: DbtCliResource, warehouse: WarehouseResource, lock: WriterLock, erased: frozenset[int]
) -> dict[str, int | None]:
    """`dbt run-operation erase_customers` with the whole list; the rows it changed per relation
    (None for a relation not built yet)."""
    target = project_target() / f"erasure-{uuid.uuid4().hex[:10]}"
    seed_partial_parse(parse_state(warehouse), target)
    environment = {**warehouse.dbt_environment(), **target_environment(warehouse.dbt_target())}
    arguments = json.dumps({"customer_ids": sorted(erased)})
    counts: dict[str, int | None] | None = None
    errors: list[str] = []
    try:
        with subprocess_environment(environment):
            invocation = dbt.cli(
                ["run-operation", "erase_customers", "--args", arguments],
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
                    errors.append(message.strip().splitlines()[0])
            succeeded = invocation.is_successful()
    finally:
        shutil.rmtree(target, ignore_errors=True)
    if not succeeded or counts is None:
        raise dg.Failure(f"the warehouse was not erased: dbt run-operation erase_customers failed: {'; '.join(errors)}")
    return counts


def _republish_for_analysts(warehouse: WarehouseResource, log: Callable[[str], None]) -> str:
    """The analysts' file published again from the erased gold (the caller holds the writer lock)."""
    # An erasure changes no fact: the smallest window, whose facts are copied again unchanged.
    window = DayWindow(FIRST_DAY, FIRST_DAY + timedelta(days=1))
    published = warehouse.publish_for_analysts(window, analysts_relations(dbt_manifest()), log)
    if published is None:
        return "nothing to republish: the warehouse's roles keep analysts to masked gold"
    return f"republished ({published.get('replaced_whole', 0)} table(s) replaced whole)"


@dg.op(
    name=ERASURE_OP,
    description=(
        "Erase one customer's personal data from every layer (raw files, lake, silver and its quarantine,"
        " restricted and analysts' gold, the analysts' file) and put them on the erasure list that"
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
    files = erase_from_files(customer, raw_files, lake, log)
    with warehouse.exclusive_writer(context.run_id, log) as lock:
        warehouse_counts = _erase_in_warehouse(dbt, warehouse, lock, files.erased)
        if warehouse_counts.get("gold") is None:
            analysts = "not republished: gold is not built yet"
        else:
            analysts = _republish_for_analysts(warehouse, log)
    metadata: dict[str, Any] = {
        "customer_id": customer,
        "erasure_list": "added" if files.added else "already listed",
        "erased_customers": len(files.erased),
        "raw_files": files.raw.files,
        "raw_rows": files.raw.rows,
        "lake_objects": files.lake.files,
        "lake_rows": files.lake.rows,
        "lake_manifests": files.lake.manifests,
        "lake_old_versions_deleted": files.lake.old_versions,
        "silver_rows": warehouse_counts.get("silver") or 0,
        "quarantine_rows": warehouse_counts.get("quarantine") or 0,
        "gold_restricted_rows": warehouse_counts.get("gold_restricted") or 0,
        "gold_rows": warehouse_counts.get("gold") or 0,
        "analysts_file": analysts,
    }
    context.log.info(
        f"erasure of customer {customer}: "
        + ", ".join(f"{name} {value}" for name, value in metadata.items() if name != "customer_id")
    )
    return dg.Output(None, metadata=metadata)


@dg.job(
    name=ERASURE_JOB,
    description=(
        "A customer's right to be forgotten: their personal data removed from every layer, and kept out"
        " when days are generated, landed or loaded again. Config: the customer_id."
    ),
)
def erase_customer_job() -> None:
    erase_personal_data()
