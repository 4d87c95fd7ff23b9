"""The reports' charts page, opened as a reader opens it: from disk, in headless Chromium, offline.

Six charts are drawn, the numbers they show are the report tables', and no personal value is on
the page. Chromium comes from Debian's packages (`apt-get install chromium`; .ci/run installs it)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from banking_dw.charts.page import CHARTS

from .chromium import INSTALL_HINT, chromium_binary, run_chromium
from .support import query

pytestmark = pytest.mark.slow

# Run in the page after its charts have drawn: what each chart holds and how many marks it drew.
PROBE = """<script>
window.addEventListener('load', () => setTimeout(() => {
  const charts = [...document.querySelectorAll('.js-plotly-plot')].map(chart => ({
    id: chart.id,
    svg: chart.querySelectorAll('svg.main-svg').length,
    marks: chart.querySelectorAll('.barlayer .point, .scatterlayer .points path').length,
    traces: chart.data.map(t => ({name: t.name || '', x: Array.from(t.x), y: Array.from(t.y)})),
  }));
  const probe = document.createElement('pre');
  probe.id = 'probe';
  probe.textContent = JSON.stringify({charts, scripts: [...document.scripts].map(s => s.src).filter(Boolean)});
  document.body.appendChild(probe);
}, 200));
</script>"""


@pytest.fixture(scope="module")
def page(built) -> Path:
    data_dir, _ = built
    return data_dir / "reports" / "index.html"


@pytest.fixture(scope="module")
def drawn(page, tmp_path_factory) -> dict:
    if chromium_binary() is None:
        pytest.fail(INSTALL_HINT)
    probed = tmp_path_factory.mktemp("charts") / "index.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    # No network: a page that needed a CDN would draw nothing.
    dom = run_chromium(probed.as_uri(), "--dump-dom", "--proxy-server=127.0.0.1:9", settle_ms=10000)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(
        found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    )


def test_six_charts_are_drawn_offline(drawn):
    charts = {chart["id"]: chart for chart in drawn["charts"]}
    assert set(charts) == {chart.report for chart in CHARTS}
    for chart in charts.values():
        assert chart["svg"] > 0, chart["id"]
        points = sum(len(trace["y"]) for trace in chart["traces"])
        assert points > 0 and chart["marks"] == points, (chart["id"], chart["marks"], points)
    assert drawn["scripts"] == []  # every script is inline: nothing is fetched


def _number(value) -> float:
    return round(float(value), 6) if isinstance(value, Decimal | float) else value


def _expected(data_dir: Path, report: str) -> set[tuple]:
    """What each chart must show, as (series, label, value), straight from the report table."""
    frame = query(data_dir, f"select * from dev_reports.{report}")
    rows = frame.to_dict("records")
    if report == "balance_trend":
        return {("total closing balance", str(r["date"])[:10], _number(r["total_balance"])) for r in rows}
    if report == "monthly_transactions_by_channel":
        return {(r["channel_name"], f"{r['year']}-{int(r['month']):02d}", _number(r["total_amount"])) for r in rows}
    if report == "top_customers_by_transaction_volume":
        return {(r["customer_segment"], f"customer {r['customer_id']}", _number(r["total_amount"])) for r in rows}
    if report == "investment_roi_by_type":
        return {("", r["investment_type_name"], _number(r["roi_percentage"])) for r in rows}
    if report == "loan_approval_rate_by_type":
        return {("", r["loan_type"], _number(r["approval_rate"])) for r in rows}
    assert report == "geographic_distribution"
    return {("", f"{r['city']}, {r['state']}", _number(r["total_amount"])) for r in rows}


def test_the_numbers_drawn_are_the_report_tables(drawn, built):
    data_dir, _ = built
    for chart in drawn["charts"]:
        shown = {
            (trace["name"], x, _number(y))
            for trace in chart["traces"]
            for x, y in zip(trace["x"], trace["y"], strict=True)
        }
        assert shown == _expected(data_dir, chart["id"]), chart["id"]
        assert shown, chart["id"]


def test_no_personal_value_is_on_the_page(page, drawn, built):
    """Nothing drawn is a customer's name, clear or pseudonymised, and no email, phone or street
    address is anywhere in the file (names are common words, which plotly.js's own code holds)."""
    data_dir, _ = built
    clear = query(data_dir, "select first_name, last_name, email, phone, address from dev_restricted.dim_customer_pii")
    masked = query(data_dir, "select first_name, last_name, email, phone from dev_gold.dim_customer")
    names = {str(v) for frame in (clear, masked) for c in ("first_name", "last_name") for v in frame[c].dropna()}
    names |= {
        f"{first} {last}"
        for frame in (clear, masked)
        for first, last in zip(frame.first_name, frame.last_name, strict=True)
    }
    # Whole labels and their comma-separated parts: a branch town may be named after a person
    # ("South Melissa"), which is not a customer's name.
    labels = {
        part.strip()
        for chart in drawn["charts"]
        for trace in chart["traces"]
        for label in [trace["name"], *map(str, trace["x"])]
        for part in [label, *label.split(",")]
    }
    assert names and labels & names == set()
    text = page.read_text(encoding="utf-8")
    distinctive = {str(v) for frame in (clear, masked) for c in ("email", "phone") for v in frame[c].dropna()}
    distinctive |= {str(v) for v in clear["address"].dropna()}
    assert distinctive and [v for v in distinctive if v in text] == []
