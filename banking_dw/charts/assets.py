"""`reports/charts_page`: the six reports drawn as one offline page, `data/reports/index.html`,
rebuilt after the reports (banking_dw/charts/page.py draws it)."""

import warnings
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from banking_dw import settings
from banking_dw.charts.page import CHARTS, Chart, chart_page
from banking_dw.partitions import window_for_context
from banking_dw.warehouse import WarehouseResource

REPORTS = "reports"
CHARTS_PAGE_KEY = dg.AssetKey([REPORTS, "charts_page"])


def charts_page_path() -> Path:
    """Where the page is written: reports/index.html in the data directory."""
    return settings.data_dir() / REPORTS / "index.html"


def read_reports(warehouse: WarehouseResource, charts: Sequence[Chart]) -> dict[str, list[dict[str, object]]]:
    """Each report's rows its chart draws, by column name, in the chart's order (one connection)."""
    answers = warehouse.queries(
        [
            f"select {', '.join(chart.columns)} from {settings.layer_schema(REPORTS)}.{chart.report}"
            f" order by {chart.order_by}"
            for chart in charts
        ]
    )
    return {
        chart.report: [dict(zip(chart.columns, row, strict=True)) for row in rows]
        for chart, rows in zip(charts, answers, strict=True)
    }


def report_charts_for(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The page's step, partitioned like every asset so a whole-graph backfill stays one run."""

    def charts_page(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        rows = read_reports(warehouse, CHARTS)
        window = window_for_context(context)
        page = chart_page(rows, f"From {settings.layer_schema(REPORTS)}, as built by the run over {window}.")
        path = charts_page_path()
        settings.make_private_dirs(path.parent)
        partial = path.with_suffix(".html.partial")
        partial.write_text(page, encoding="utf-8")
        partial.replace(path)  # a reader never opens half a page
        context.log.info(f"charts of the {len(CHARTS)} reports: {path.as_uri()}")
        return dg.MaterializeResult(
            metadata={
                "dagster/uri": dg.MetadataValue.url(path.as_uri()),
                "path": dg.MetadataValue.path(str(path)),
                "charts": len(CHARTS),
                "rows_per_day": "not per day: the reports cover every day loaded",
            }
        )

    with warnings.catch_warnings():
        # A single asset's backfill policy is a beta parameter; it is the policy of every asset here.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.asset(
            key=CHARTS_PAGE_KEY,
            group_name=REPORTS,
            deps=[dg.AssetKey([REPORTS, chart.report]) for chart in CHARTS],
            partitions_def=partitions,
            backfill_policy=dg.BackfillPolicy.single_run(),
            kinds={"plotly", "html"},
            description=(
                "The six reports as charts, by day and by segment, in one page that opens offline"
                " (data/reports/index.html). Drawn from the report tables only: no personal value."
            ),
        )(charts_page)
