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
    charts: list[dict]  # {"chart": charts.Chart, "csv_url": str, "summary": str}, in page order
    demand_gaps: list[gap_analysis.DemandGap]
    comparisons: list[summaries.ReportedComparison]

    def chart(self, key: str) -> charts.Chart | None:
        return next((entry["chart"] for entry in self.charts if entry["chart"].key == key), None)


def build(data: coverage.CoverageData, summary: summaries.CoverageSummary) -> Dashboard:
    """The dashboard's five charts with their CSV links and text summaries, and its demand gaps. 4 queries
    (reported figures, methods, paper years); the rest comes from ``data``."""
    comparisons = summaries.reported_comparison(summary)
    cells = gap_analysis.gap_map(data)
    gaps_by_category = gap_analysis.demand_gaps_by_category(data, min_evidence=DEMAND_GAP_MIN_EVIDENCE)
    method_names = {cell.method.code: cell.method.name for cell in cells}
    per_year = gap_analysis.papers_per_year_by_method(data)
    chart_list = [
        charts.taxonomy_sunburst(data),
        charts.gap_map_chart(cells, gaps_by_category, min_evidence=DEMAND_GAP_MIN_EVIDENCE),
        charts.research_vs_practice(data),
        charts.papers_per_year(per_year, method_names),
        charts.status_shares(summary, comparisons),
    ]
    texts = {
        "taxonomy": taxonomy_summary(data, summary),
        "gap-map": gap_map_summary(cells, gaps_by_category),
        "research-vs-practice": research_vs_practice_summary(data),
        "papers-per-year": papers_per_year_summary(per_year, method_names),
        "status-shares": status_shares_summary(summary, comparisons),
    }
    return Dashboard(
        charts=[
            {
                "chart": chart,
                "csv_url": reverse("coverage:dashboard-csv", args=[chart.key]),
                "summary": texts[chart.key],
            }
            for chart in chart_list
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


#
# Each chart's text summary: what a reader should take from it, in words (for everyone, and read out by screen
# readers as the chart's description)
#


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def taxonomy_summary(data: coverage.CoverageData, summary: summaries.CoverageSummary) -> str:
    leaves = summary.leaves
    text = (
        f"{_n(leaves.total, 'leaf fault')}: {leaves.addressed} addressed, {leaves.partial} partially addressed, "
        f"{leaves.unaddressed} unaddressed."
    )
    tops = [row for row in data.rows if row.depth == 0 and not row.is_leaf]
    top = max(tops, key=lambda row: coverage.practitioner_evidence(row.evidence_subtree), default=None)
    if top is not None and coverage.practitioner_evidence(top.evidence_subtree):
        text += (
            f" The top-level category with the most practitioner evidence is {top.fault.name} "
            f"({_n(coverage.practitioner_evidence(top.evidence_subtree), 'record')}; {top.leaves_unaddressed} of its "
            f"{_n(top.leaves, 'leaf', 'leaves')} unaddressed)."
        )
    return text


def gap_map_summary(cells: list[gap_analysis.GapCell], gaps: dict[str, list]) -> str:
    busiest = max(cells, key=lambda cell: cell.papers, default=None)
    text = (
        f"The most papers are on {busiest.category.name} with {busiest.method.name} ({_n(busiest.papers, 'paper')})."
        if busiest is not None and busiest.papers
        else "No paper is mapped yet."
    )
    found = {code: leaves for code, leaves in gaps.items() if leaves}
    if found:
        leaves = sum(len(leaves) for leaves in found.values())
        text += f" {_n(len(found), 'category holds', 'categories hold')} demand gaps ({_n(leaves, 'leaf', 'leaves')})."
    else:
        text += " No category holds a demand gap."
    return text


def research_vs_practice_summary(data: coverage.CoverageData) -> str:
    leaves = [row for row in data.rows if row.is_leaf]
    neglected = [row for row in leaves if row.papers == 0 and coverage.practitioner_evidence(row.evidence)]
    if not neglected:
        return f"None of the {_n(len(leaves), 'leaf fault')} has practitioner evidence but no paper."
    top = max(neglected, key=lambda row: coverage.practitioner_evidence(row.evidence))
    return (
        f"{len(neglected)} of {_n(len(leaves), 'leaf fault')} {'has' if len(neglected) == 1 else 'have'} "
        f"practitioner evidence but no paper; the one with the most is {top.fault.name} ({top.code}, "
        f"{_n(coverage.practitioner_evidence(top.evidence), 'record')})."
    )


def papers_per_year_summary(counts: dict[tuple[int | None, str], int], method_names: dict[str, str]) -> str:
    years = sorted({year for year, _code in counts if year is not None})
    if not years:
        return "No paper with a known year is mapped yet."
    by_year = {year: sum(n for (y, _code), n in counts.items() if y == year) for year in years}
    busiest = max(years, key=lambda year: by_year[year])
    by_method = {}
    for (_year, code), n in counts.items():
        by_method[code] = by_method.get(code, 0) + n
    methods = ", ".join(
        f"{method_names.get(code, code)} {n}" for code, n in sorted(by_method.items(), key=lambda item: -item[1])
    )
    return (
        f"From {years[0]} to {years[-1]}; the busiest year is {busiest} ({by_year[busiest]}, counting a paper once "
        "per method family). "
        f"Over all years, by method family: {methods}."
    )


def status_shares_summary(summary: summaries.CoverageSummary, comparisons) -> str:
    leaves = summary.leaves
    text = (
        f"Computed here: {charts.fmt_pct(leaves.addressed_pct)} of leaf faults addressed, "
        f"{charts.fmt_pct(leaves.partial_pct)} partially addressed, "
        f"{charts.fmt_pct(leaves.unaddressed_pct)} unaddressed."
    )
    reported = next((c.figure for c in comparisons if c.figure.computed_counterpart == "leaves.addressed_pct"), None)
    if reported is not None:
        text += f" The survey reports {reported.display_value} addressed, from its own mappings."
    return text
