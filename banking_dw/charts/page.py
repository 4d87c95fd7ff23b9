"""The six reports as one page of charts, by day and by segment: a pure function of the report
tables (`python -m banking_dw.reports` prints the same tables).

Plotly renders offline: its JavaScript is inlined once in the page, so the file opens from disk
with no network. Only the reports' aggregate columns are drawn: no name, address or other
personal value reaches the page (customers are shown by id and segment).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

Rows = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Chart:
    report: str
    title: str
    # The report's columns the chart reads, in the order it reads its rows by.
    columns: tuple[str, ...]
    order_by: str
    draw: Callable[[Rows], list[go.BaseTraceType]]
    x_title: str
    y_title: str
    # How the x labels are ordered: as the report's rows come, or by their bars' totals.
    x_order: str = "array"


def number(value: Any) -> float | int:
    """Report numbers as JSON numbers: decimals become floats, counts stay integers."""
    return float(value) if isinstance(value, Decimal | float) else int(value)


def _bar_by(rows: Rows, label: Callable[[Mapping[str, Any]], str], value: str, **bar: Any) -> list[go.BaseTraceType]:
    return [go.Bar(x=[label(r) for r in rows], y=[number(r[value]) for r in rows], **bar)]


def _by_segment(rows: Rows) -> list[go.BaseTraceType]:
    """The top customers, one colour per segment (the page keeps the report's order)."""
    segments = sorted({r["customer_segment"] for r in rows})
    return [
        go.Bar(
            name=segment,
            x=[f"customer {r['customer_id']}" for r in rows if r["customer_segment"] == segment],
            y=[number(r["total_amount"]) for r in rows if r["customer_segment"] == segment],
        )
        for segment in segments
    ]


def _by_channel(rows: Rows) -> list[go.BaseTraceType]:
    channels = sorted({r["channel_name"] for r in rows})
    return [
        go.Bar(
            name=channel,
            x=[f"{r['year']}-{int(r['month']):02d}" for r in rows if r["channel_name"] == channel],
            y=[number(r["total_amount"]) for r in rows if r["channel_name"] == channel],
        )
        for channel in channels
    ]


def _balance_by_day(rows: Rows) -> list[go.BaseTraceType]:
    return [
        go.Scatter(
            x=[str(r["date"])[:10] for r in rows],
            y=[number(r["total_balance"]) for r in rows],
            mode="lines+markers",
            name="total closing balance",
        )
    ]


CHARTS: tuple[Chart, ...] = (
    Chart(
        "balance_trend",
        "Total closing balance by day (USD, latest 30 days loaded)",
        ("date", "total_balance"),
        "date",
        _balance_by_day,
        "day",
        "USD",
    ),
    Chart(
        "monthly_transactions_by_channel",
        "Completed transactions by month and channel (USD)",
        ("year", "month", "channel_name", "total_amount"),
        "year, month, channel_name",
        _by_channel,
        "month",
        "USD",
    ),
    Chart(
        "top_customers_by_transaction_volume",
        "Top 10 customers by completed amount, by segment (USD)",
        ("customer_id", "customer_segment", "total_amount"),
        "total_amount desc, customer_id",
        _by_segment,
        "customer",
        "USD",
        x_order="total descending",
    ),
    Chart(
        "investment_roi_by_type",
        "Return on investment by investment type (%)",
        ("investment_type_name", "roi_percentage"),
        "roi_percentage desc, investment_type_name",
        lambda rows: _bar_by(rows, lambda r: r["investment_type_name"], "roi_percentage"),
        "investment type",
        "ROI %",
    ),
    Chart(
        "loan_approval_rate_by_type",
        "Loan approval rate by loan type (%)",
        ("loan_type", "approval_rate"),
        "approval_rate desc, loan_type",
        lambda rows: _bar_by(rows, lambda r: r["loan_type"], "approval_rate"),
        "loan type",
        "approved %",
    ),
    Chart(
        "geographic_distribution",
        "Top 20 branch and ATM locations by completed amount (USD)",
        ("country", "state", "city", "total_amount"),
        "total_amount desc, country, state, city",
        lambda rows: _bar_by(rows, lambda r: f"{r['city']}, {r['state']}", "total_amount"),
        "location",
        "USD",
    ),
)


def figure(chart: Chart, rows: Rows) -> go.Figure:
    traces = chart.draw(rows)
    # Every x is a label (a day, a month, a customer), in the order of the report's rows.
    order = list(dict.fromkeys(x for trace in traces for x in trace.x or ()))
    fig = go.Figure(data=traces)
    fig.update_layout(
        title=chart.title,
        xaxis={"title": chart.x_title, "type": "category", "categoryorder": chart.x_order, "categoryarray": order},
        yaxis_title=chart.y_title,
        barmode="group",
        width=PLOT_WIDTH,
        height=420,
        margin={"l": 60, "r": 20, "t": 60, "b": 110},
        template="plotly_white",
    )
    return fig


def chart_page(rows_by_report: Mapping[str, Rows], subtitle: str) -> str:
    """The whole page: plotly.js inlined once, then a chart per report, each in a div whose id is
    its report's name."""
    sections = []
    for number_, chart in enumerate(CHARTS):
        rows = rows_by_report[chart.report]
        body = pio.to_html(
            figure(chart, rows),
            full_html=False,
            include_plotlyjs=number_ == 0,
            div_id=chart.report,
            config={"displayModeBar": False},
        )
        empty = "" if rows else "<p class=empty>No rows yet: materialise a day first.</p>"
        sections.append(f"<section><h2>{html.escape(chart.report)}</h2>{empty}{body}</section>")
    return PAGE.format(subtitle=html.escape(subtitle), sections="\n".join(sections))


# Each chart draws at this width, and the page fits as many side by side as the window allows.
PLOT_WIDTH = 630

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>banking-dw reports</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #1f2933; background: #f7f9fb; }}
main {{ display: grid; grid-template-columns: repeat(auto-fill, 660px); gap: 16px; }}
section {{ background: white; border: 1px solid #d9e2ec; border-radius: 6px; padding: 8px 12px; }}
h2 {{ font-size: 13px; font-family: monospace; color: #52606d; margin: 4px 0; }}
</style>
</head>
<body>
<h1>banking-dw: the six reports</h1>
<p>{subtitle}</p>
<main>
{sections}
</main>
</body>
</html>
"""
