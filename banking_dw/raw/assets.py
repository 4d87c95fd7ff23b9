"""Layer `raw`: the simulated bank's daily CSV files, one asset per table, one step per run."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg

from banking_dw import generator
from banking_dw.check_outcomes import CheckOutcome
from banking_dw.contracts import REFERENCE_TABLES, TableContract
from banking_dw.erasure.placeholders import ERASED_TABLE
from banking_dw.erasure.redaction import redact_table
from banking_dw.file_layers import FileLayer, contract_schema
from banking_dw.landing.resources import LakeResource
from banking_dw.layout import RAW
from banking_dw.raw.checks import check_specs, evaluate_window
from banking_dw.raw_files import RawFiles
from banking_dw.selection import layer_selection

RAW_LAYER = FileLayer(
    name=RAW,
    step="raw_csv_files",
    kinds=frozenset({"csv", "python"}),
    describe=lambda table: f"CSV export of `{table.name}`. {table.description}",
    check_specs=check_specs,
    metadata=lambda table: {"dagster/column_schema": contract_schema(table, lambda column: column.type.value)},
)


class GenerationConfig(dg.Config):
    """Scale of the simulated bank; unset fields fall back to BANKING_DW_* environment variables."""

    transactions_per_day: int | None = None
    seed: int | None = None

    def scale(self) -> generator.Scale:
        from_env = generator.Scale.from_env()
        return generator.Scale(
            transactions_per_day=self.transactions_per_day or from_env.transactions_per_day,
            seed=from_env.seed if self.seed is None else self.seed,
        )


@dataclass(frozen=True)
class WrittenFile:
    table: str
    day: date
    path: Path
    rows: int
    size_bytes: int


def write_window(
    tables: list[TableContract],
    days: list[date],
    scale: generator.Scale,
    raw_files: RawFiles,
    log: dg.DagsterLogManager,
    erased: frozenset[int] = frozenset(),
) -> Iterator[WrittenFile]:
    """Generate and write each table's file for each day; the `erased` customers' personal values
    are written as their placeholders (the generator would bring them back)."""
    reference = [t for t in tables if t.name in REFERENCE_TABLES]
    if reference:
        # A pure function of the scale: encoded once, the same bytes written for every day.
        generated = generator.generate_reference_tables(scale)
        for table in reference:
            encoded, rows = generator.csv_bytes(generated[table.name]), generated[table.name].num_rows
            for day in days:
                path = raw_files.path(table.name, day)
                yield WrittenFile(table.name, day, path, rows, generator.write_bytes(encoded, path))
    evolving = [t for t in tables if t.name not in REFERENCE_TABLES]
    for done, day in enumerate(days if evolving else [], start=1):
        if len(days) > 1:
            # `make run` shows this as a progress line on a terminal (banking_dw/run.py).
            log.info(f"progress: generating {day} ({done}/{len(days)} days)")
        generated = generator.generate_day(day, scale)
        generated[ERASED_TABLE], redacted = redact_table(generated[ERASED_TABLE], erased)
        if redacted.rows:
            log.info(f"{day}: {redacted.rows} row(s) of erased customers written with placeholders")
        for table in evolving:
            path = raw_files.path(table.name, day)
            yield WrittenFile(
                table.name, day, path, generated[table.name].num_rows, generator.write_csv(generated[table.name], path)
            )


def check_window(
    table: TableContract, days: list[date], scale: generator.Scale, raw_files: RawFiles
) -> list[CheckOutcome]:
    """The files of the window judged against the contract and the volume the scale implies."""
    expected = {day: generator.expected_row_range(table.name, day, scale) for day in days}
    return evaluate_window(table, raw_files.root(), expected)


@RAW_LAYER.multi_asset()
def raw_csv_files(
    context: dg.AssetExecutionContext, config: GenerationConfig, raw_files: RawFiles, lake: LakeResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckEvaluation]:
    scale = config.scale()
    selection = layer_selection(context)
    # The erasure list is kept in the lake, on every target (banking_dw/erasure/).
    erased = lake.erased_customers() if any(t.name == ERASED_TABLE for t in selection.materialize) else frozenset()
    swept = raw_files.sweep_staging([t.name for t in selection.materialize], selection.days)
    if swept:
        context.log.warning(f"removed {len(swept)} staging file(s) a killed run left: {', '.join(map(str, swept))}")
    for written in write_window(selection.materialize, selection.days, scale, raw_files, context.log, erased):
        context.add_asset_metadata(
            {
                "path": dg.MetadataValue.path(str(written.path)),
                "dagster/row_count": written.rows,
                "byte_size": written.size_bytes,
            },
            asset_key=RAW_LAYER.key(written.table),
            partition_key=written.day.isoformat(),
        )
    if selection.materialize:
        context.log.info(f"generated {len(selection.days)} day(s) {selection.days[0]}..{selection.days[-1]} at {scale}")
    checked = ((table, check_window(table, selection.days, scale, raw_files)) for table in selection.check)
    yield from RAW_LAYER.results(context, selection.materialize, checked)
