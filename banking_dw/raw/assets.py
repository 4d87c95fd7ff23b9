"""Layer `raw`: the simulated bank's daily CSV files, one asset per table, one step per run."""

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow as pa

from banking_dw import generator
from banking_dw.contracts import REFERENCE_TABLES, TableContract, contract
from banking_dw.erasure.placeholders import ERASED_TABLE
from banking_dw.erasure.redaction import redact_table
from banking_dw.file_layers import FileLayer, contract_schema
from banking_dw.landing.resources import LakeResource
from banking_dw.layout import RAW
from banking_dw.raw.checks import check_specs
from banking_dw.raw.window import GeneratedChecks, evaluate_window
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


# What the step does with each day's frames once their files are written: hands them to the checks.
HandOver = Callable[[date, dict[str, pa.Table]], None]


def write_window(
    tables: list[TableContract],
    days: list[date],
    scale: generator.Scale,
    raw_files: RawFiles,
    log: dg.DagsterLogManager,
    hand_over: HandOver,
    erased: frozenset[int] = frozenset(),
) -> Iterator[WrittenFile]:
    """Generate and write each table's file for each day, handing the day's frames over (those
    that round-trip, banking_dw.generator.round_trips) while its files are written; the `erased`
    customers' personal values are written as their placeholders (the generator would bring them
    back)."""
    reference = [t.name for t in tables if t.name in REFERENCE_TABLES]
    evolving = [t.name for t in tables if t.name not in REFERENCE_TABLES]
    # A pure function of the scale: generated and encoded once, the same bytes written for every day.
    static = generator.generate_reference_tables(scale) if reference else {}
    encoded = {name: generator.csv_bytes(static[name]) for name in reference}
    static_frames = _round_tripping({name: static[name] for name in reference})
    # The checks run in DuckDB, which lets go of the GIL: they judge a day's frames on a second
    # thread while this one writes the day's files from the same frames.
    with ThreadPoolExecutor(max_workers=1) as checking:
        for done, day in enumerate(days, start=1):
            for name, data in encoded.items():
                path = raw_files.path(name, day)
                yield WrittenFile(name, day, path, static[name].num_rows, generator.write_bytes(data, path))
            generated = {}
            if evolving:
                if len(days) > 1:
                    # `make run` shows this as a progress line on a terminal (banking_dw/run.py).
                    log.info(f"progress: generating {day} ({done}/{len(days)} days)")
                generated = _generate_day(evolving, day, scale, log, erased)
            checked = checking.submit(hand_over, day, static_frames | _round_tripping(generated))
            for name, frame in generated.items():
                path = raw_files.path(name, day)
                yield WrittenFile(name, day, path, frame.num_rows, generator.write_csv(frame, path))
            checked.result()
            # The day's frames are let go (unless the checks keep them) before the next day is generated.
            del generated, checked


def _generate_day(
    tables: list[str], day: date, scale: generator.Scale, log: dg.DagsterLogManager, erased: frozenset[int]
) -> dict[str, pa.Table]:
    """One day's `tables`, the erased customers' personal values replaced by their placeholders."""
    generated = generator.generate_day(day, scale)
    generated[ERASED_TABLE], redacted = redact_table(generated[ERASED_TABLE], erased)
    if redacted.rows:
        log.info(f"{day}: {redacted.rows} row(s) of erased customers written with placeholders")
    return {name: generated[name] for name in tables}


def _round_tripping(frames: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The frames whose files say exactly what they do, for the checks to judge in their place."""
    return {name: frame for name, frame in frames.items() if generator.round_trips(contract(name), frame)}


def expected_rows(
    tables: list[TableContract], days: list[date], scale: generator.Scale
) -> dict[str, dict[date, tuple[int, int]]]:
    """Each table's bounds on its rows per day, from the volume the scale implies."""
    return {t.name: {day: generator.expected_row_range(t.name, day, scale) for day in days} for t in tables}


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
    # A table the step writes is judged on the frames it writes; any other on its files as they stand.
    written_names = {t.name for t in selection.materialize}
    on_frames = [t for t in selection.check if t.name in written_names]
    with GeneratedChecks(
        on_frames, expected_rows(selection.materialize, selection.days, scale), raw_files.root()
    ) as generated:
        written = write_window(
            selection.materialize, selection.days, scale, raw_files, context.log, generated.add, erased
        )
        for file in written:
            context.add_asset_metadata(
                {
                    "path": dg.MetadataValue.path(str(file.path)),
                    "dagster/row_count": file.rows,
                    "byte_size": file.size_bytes,
                },
                asset_key=RAW_LAYER.key(file.table),
                partition_key=file.day.isoformat(),
            )
        judged = generated.outcomes()
    if selection.materialize:
        context.log.info(f"generated {len(selection.days)} day(s) {selection.days[0]}..{selection.days[-1]} at {scale}")
    for table in selection.check:
        if table.name not in judged:
            expected = expected_rows([table], selection.days, scale)[table.name]
            judged[table.name] = evaluate_window(table, raw_files.root(), expected)
    yield from RAW_LAYER.results(context, selection.materialize, ((t, judged[t.name]) for t in selection.check))
