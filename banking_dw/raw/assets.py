"""Layer `raw`: the simulated bank's daily CSV files, one asset per table, one step per run."""

from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from banking_dw import settings
from banking_dw.check_outcomes import check_results
from banking_dw.contracts import CONTRACTS, REFERENCE_TABLES, TableContract
from banking_dw.generator import (
    Scale,
    csv_bytes,
    expected_row_range,
    generate_day,
    generate_reference_tables,
    write_bytes,
    write_csv,
)
from banking_dw.layout import RAW, csv_path, raw_key
from banking_dw.partitions import daily_partitions
from banking_dw.raw.checks import check_specs, evaluate_window
from banking_dw.selection import layer_selection

PREVIEW_ROWS = 5


class GenerationConfig(dg.Config):
    """Scale of the simulated bank; unset fields fall back to BANKING_DW_* environment variables."""

    transactions_per_day: int | None = None
    seed: int | None = None

    def scale(self) -> Scale:
        from_env = Scale.from_env()
        return Scale(
            transactions_per_day=self.transactions_per_day or from_env.transactions_per_day,
            seed=from_env.seed if self.seed is None else self.seed,
        )


def _spec(table: TableContract) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=raw_key(table.name),
        group_name=RAW,
        description=f"CSV export of `{table.name}`. {table.description}",
        partitions_def=daily_partitions,
        kinds={"csv", "python"},
        metadata={
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(c.name, c.type.value) for c in table.columns]
            )
        },
    )


def _preview(table: pa.Table) -> dg.MarkdownMetadataValue:
    return dg.MetadataValue.md(table.slice(0, PREVIEW_ROWS).to_pandas().to_markdown(index=False))


@dg.multi_asset(
    name="raw_csv_files",
    specs=[_spec(t) for t in CONTRACTS],
    check_specs=[s for t in CONTRACTS for s in check_specs(t, raw_key(t.name))],
    can_subset=True,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def raw_csv_files(
    context: dg.AssetExecutionContext, config: GenerationConfig
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    scale = config.scale()
    data_dir = settings.data_dir()
    selection = layer_selection(context)
    days = selection.days
    reference = [t for t in selection.materialize if t.name in REFERENCE_TABLES]
    evolving = [t for t in selection.materialize if t.name not in REFERENCE_TABLES]
    totals = {t.name: {"rows": 0, "bytes": 0} for t in selection.materialize}
    last_tables: dict[str, pa.Table] = {}

    if reference:
        # A pure function of the scale: encoded once, the same bytes written for every day.
        tables = generate_reference_tables(scale)
        for table in reference:
            encoded = csv_bytes(tables[table.name])
            for day in days:
                totals[table.name]["bytes"] += write_bytes(encoded, csv_path(data_dir, table.name, day))
            totals[table.name]["rows"] = tables[table.name].num_rows * len(days)
            last_tables[table.name] = tables[table.name]

    if evolving:
        for done, day in enumerate(days, start=1):
            if len(days) > 1:
                # `make run` shows this as a progress line on a terminal (banking_dw/run.py).
                context.log.info(f"progress: generating {day} ({done}/{len(days)} days)")
            tables = generate_day(day, scale)
            for table in evolving:
                totals[table.name]["bytes"] += write_csv(tables[table.name], csv_path(data_dir, table.name, day))
                totals[table.name]["rows"] += tables[table.name].num_rows
                last_tables[table.name] = tables[table.name]

    written = {
        table.name: {
            "path": dg.MetadataValue.path(str(csv_path(data_dir, table.name, days[-1]).parent.parent)),
            "partitions": f"{days[0].isoformat()} ... {days[-1].isoformat()} ({len(days)} days)",
            "dagster/row_count": totals[table.name]["rows"],
            "byte_size": totals[table.name]["bytes"],
            "preview": _preview(last_tables[table.name]),
        }
        for table in selection.materialize
    }
    if selection.materialize:
        context.log.info(f"generated {len(days)} day(s) {days[0]}..{days[-1]} at {scale}")

    for table in selection.materialize:
        yield dg.MaterializeResult(asset_key=raw_key(table.name), metadata=written[table.name])

    for table in selection.check:
        yield from check_results(
            context,
            raw_key(table.name),
            evaluate_window(
                table,
                {day: csv_path(data_dir, table.name, day) for day in selection.days},
                expected_rows=lambda day, name=table.name: expected_row_range(name, day, scale),
                path_of=lambda name, day: csv_path(data_dir, name, day),
            ),
        )
