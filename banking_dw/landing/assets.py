"""Layer `landing`: each day's CSVs audited, then published to the lake together under
`<prefix>/<table>/dt=YYYY-MM-DD/` with the day's manifest (write-audit-publish, per day)."""

from collections.abc import Iterator
from datetime import date

import dagster as dg

from banking_dw.check_outcomes import CheckOutcome
from banking_dw.contracts import CONTRACTS, TableContract
from banking_dw.erasure.placeholders import ERASED_TABLE
from banking_dw.erasure.redaction import RedactionError, redact_file
from banking_dw.file_layers import FileLayer, contract_schema
from banking_dw.landing.audit import Audit, audit_file
from banking_dw.landing.checks import landing_check_specs, structure_outcome, verify_landed
from banking_dw.landing.resources import Delivery, LakeResource
from banking_dw.layout import LANDING, RAW, object_key, raw_key, rejected_key
from banking_dw.raw_files import RawFiles
from banking_dw.selection import layer_selection

LANDING_LAYER = FileLayer(
    name=LANDING,
    step="landed_objects",
    kinds=frozenset({"csv"}),
    describe=lambda table: f"`{table.name}` landed in the lake, partition `dt` only in the object path.",
    check_specs=lambda _table, key: landing_check_specs(key),
    upstream=RAW,
    # A table with a rejected day is not materialised; its blocking check fails the step.
    skippable=True,
    metadata=lambda table: {"dagster/column_schema": contract_schema(table, lambda column: column.type.value)},
)


def _audit(raw_files: RawFiles, table: TableContract, day: date) -> Audit | None:
    """The bank's file as it stands; None when there is none."""
    source = raw_files.path(table.name, day)
    return audit_file(source, table) if source.is_file() else None


def _redact(raw_files: RawFiles, table: TableContract, day: date, erased: frozenset[int], log) -> None:
    """The bank's file rid of the erased customers' personal values before it is audited and
    landed: the bank exports them again every day."""
    source = raw_files.path(table.name, day)
    if table.name != ERASED_TABLE or not erased or not source.is_file():
        return
    try:
        redacted = redact_file(source, erased)
    except RedactionError as error:
        raise dg.Failure(f"cannot land {table.name} {day}: {error}") from None
    if redacted.changed:
        log(f"{table.name} {day}: {redacted.changed} row(s) of erased customers redacted before landing")


def _require(audit: Audit | None, table: TableContract, day: date) -> Audit:
    if audit is None:
        raise dg.Failure(
            f"cannot land {table.name} {day}: its raw file is missing;"
            f" materialise {raw_key(table.name).to_user_string()} for {day} first"
        )
    return audit


@LANDING_LAYER.multi_asset()
def landed_objects(
    context: dg.AssetExecutionContext, raw_files: RawFiles, lake: LakeResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckEvaluation]:
    selection = layer_selection(context)
    audits: dict[str, dict[date, Audit | None]] = {t.name: {} for t in CONTRACTS}
    rejected: set[str] = set()
    erased = lake.erased_customers() if selection.materialize else frozenset()
    if selection.materialize:
        swept = lake.sweep_staging(selection.days)
        if swept:
            context.log.warning(f"removed {len(swept)} staging file(s) a killed run left: {', '.join(swept)}")
    for day in selection.days if selection.materialize else []:
        for table in selection.materialize:
            _redact(raw_files, table, day, erased, context.log.info)
        day_audits = {t.name: _require(_audit(raw_files, t, day), t, day) for t in selection.materialize}
        for name, audit in day_audits.items():
            audits[name][day] = audit
        failing = sorted(name for name, audit in day_audits.items() if not audit.passed)
        if failing:
            # Nothing of the day is published: a day is visible downstream whole or not at all.
            for name in failing:
                kept = lake.put(raw_files.path(name, day), rejected_key(name, day), day_audits[name].md5)
                context.log.error(
                    f"{name} {day}: rejected ({'; '.join(day_audits[name].problems)}); kept at {kept.uri}"
                )
            context.log.error(f"{day}: not published, {', '.join(failing)} failed the audit")
            rejected.update(day_audits)
            continue
        deliveries = [
            Delivery(name, raw_files.path(name, day), audit.rows, audit.size_bytes, audit.md5)
            for name, audit in day_audits.items()
        ]
        lake.publish_day(day, deliveries, context.log.info, erased=erased)
        for delivery in deliveries:
            context.add_asset_metadata(
                {
                    "dagster/row_count": delivery.rows,
                    "byte_size": delivery.size_bytes,
                    "dagster/uri": dg.MetadataValue.url(lake.uri(object_key(delivery.table, day))),
                },
                asset_key=LANDING_LAYER.key(delivery.table),
                partition_key=day.isoformat(),
            )

    manifests = {day: lake.manifest(day) for day in selection.days} if selection.check else {}

    def verified(table: TableContract) -> list[CheckOutcome]:
        # A check-only run audits the files as they stand.
        window = {day: audits[table.name].get(day) or _audit(raw_files, table, day) for day in selection.days}
        return [structure_outcome(table, window), *verify_landed(table, window, manifests, lake)]

    landed = [t for t in selection.materialize if t.name not in rejected]
    yield from LANDING_LAYER.results(context, landed, ((t, verified(t)) for t in selection.check))
