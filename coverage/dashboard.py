"""The coverage dashboard's content: its five charts (``coverage/charts.py``) and its demand gaps, built from one
coverage computation; each chart's numbers as CSV (the chart's own table, so the file holds what the chart shows)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.urls import reverse

from coverage import charts, coverage, gap_analysis, summaries
from kb_site.api.renderers import safe_cell

# A leaf with at least this many practitioner records and no paper is a demand gap (dashboard and explorer).
DEMAND_GAP_MIN_EVIDENCE = 5


@dataclass(frozen=True)
class Dashboard:
    charts: list[dict]  # {"chart": charts.Chart, "csv_url": str}, in page order
    demand_gaps: list[gap_analysis.DemandGap]
    comparisons: list[summaries.ReportedComparison]

    def chart(self, key: str) -> charts.Chart | None:
        return next((entry["chart"] for entry in self.charts if entry["chart"].key == key), None)


def build(data: coverage.CoverageData, summary: summaries.CoverageSummary) -> Dashboard:
    """The dashboard's five charts with their CSV links, and its demand gaps. 4 queries (reported figures, methods,
    paper years); the rest comes from ``data``."""
    comparisons = summaries.reported_comparison(summary)
    cells = gap_analysis.gap_map(data)
    gaps_by_category = gap_analysis.demand_gaps_by_category(data, min_evidence=DEMAND_GAP_MIN_EVIDENCE)
    method_names = {cell.method.code: cell.method.name for cell in cells}
    chart_list = [
        charts.taxonomy_sunburst(data),
        charts.gap_map_chart(cells, gaps_by_category, min_evidence=DEMAND_GAP_MIN_EVIDENCE),
        charts.research_vs_practice(data),
        charts.papers_per_year(gap_analysis.papers_per_year_by_method(data), method_names),
        charts.status_shares(summary, comparisons),
    ]
    return Dashboard(
        charts=[
            {"chart": chart, "csv_url": reverse("coverage:dashboard-csv", args=[chart.key])} for chart in chart_list
        ],
        demand_gaps=gap_analysis.demand_gaps(data, min_evidence=DEMAND_GAP_MIN_EVIDENCE),
        comparisons=comparisons,
    )


def csv_filename(chart: charts.Chart) -> str:
    return f"coverage-{chart.key}.csv"


def chart_csv(chart: charts.Chart) -> str:
    """The chart's table as CSV: its column headers, then its rows (cells a spreadsheet would run as a formula are
    quoted, as in every CSV export)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(chart.table.columns)
    writer.writerows([safe_cell(value) for value in row] for row in chart.table.rows)
    return buffer.getvalue()
