"""Layer `reports`: the seed's six sample analyses, materialised as tables in `dev_reports`."""


import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg

from banking_dw.bronze.assets import WAREHOUSE_POOL
from banking_dw.warehouse import DuckDBWarehouse

GROUP = "reports"
REPORTS_SCHEMA = "dev_reports"
SQL_DIR = Path(__file__).parent / "sql"
PREVIEW_ROWS = 10


@dataclass(frozen=True)
class Report:
    name: str
    sql: str

    @property
    def description(self) -> str:
        return " ".join(line.removeprefix("-- ") for line in self.sql.splitlines() if line.startswith("--"))

    @property
    def gold_models(self) -> list[str]:
        return sorted(set(re.findall(r"dev_gold\.(\w+)", self.sql)))


@cache
def reports() -> tuple[Report, ...]:
    return tuple(Report(p.stem, p.read_text()) for p in sorted(SQL_DIR.glob("*.sql")))


def report_key(name: str) -> dg.AssetKey:
    return dg.AssetKey([GROUP, name])


@dg.multi_asset(
    name="sample_reports",
    specs=[
        dg.AssetSpec(
            key=report_key(r.name),
            group_name=GROUP,
            description=r.description,
            deps=[dg.AssetKey(["gold", model]) for model in r.gold_models],
            kinds={"sql", "duckdb"},
            metadata={"dagster/table_name": f"{REPORTS_SCHEMA}.{r.name}"},
        )
        for r in reports()
    ],
    can_subset=True,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def sample_reports(
    context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse
) -> Iterator[dg.MaterializeResult]:
    selected = {key.path[-1] for key in context.selected_asset_keys}
    with warehouse.connect() as connection:
        connection.execute(f"create schema if not exists {REPORTS_SCHEMA}")
        for report in reports():
            if report.name not in selected:
                continue
            table = f"{REPORTS_SCHEMA}.{report.name}"
            connection.execute(f"drop table if exists {table}")
            connection.execute(f"create table {table} as {report.sql}")
            frame = connection.execute(f"select * from {table}").df()
            yield dg.MaterializeResult(
                asset_key=report_key(report.name),
                metadata={
                    "dagster/row_count": len(frame),
                    "preview": dg.MetadataValue.md(frame.head(PREVIEW_ROWS).to_markdown(index=False)),
                },
            )
